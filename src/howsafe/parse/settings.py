"""``settings list global|secure|system`` output (``key=value`` per line) and ``dumpsys settings``.

Values may contain ``=`` (only the first one separates) and, rarely, newlines: a line without ``=``
that follows a record continues that record's value.
"""

from __future__ import annotations

import re

from howsafe.parse.numbers import strict_int
from howsafe.parse.text import decode_text, iter_lines

_KEY = re.compile(r"^[A-Za-z0-9_.\-:@/]+$")


def parse_settings(data: bytes | str) -> dict[str, str]:
    """Parse one namespace of ``settings list``; ``null`` values are kept as the string ``null``."""
    parts: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in iter_lines(decode_text(data)):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if sep and _KEY.match(key.strip()):
            last = parts[key.strip()] = [value]
        elif last is not None:
            last.append(line)  # joined once at the end: linear in the number of lines
    return {key: "\n".join(lines) for key, lines in parts.items()}


_DUMPSYS_NS = re.compile(r"^[ \t]*(GLOBAL|SECURE|SYSTEM) SETTINGS \(user ([0-9]{1,9})\)", re.MULTILINE)
_DUMPSYS_ENTRY = re.compile(
    r"^\s*_id:[0-9]+ name:(?P<key>\S+) pkg:\S* value:(?P<value>.*?)"
    r"(?: default:.*| defaultSystemSet:.*| tag:.*)?$"
)


def parse_dumpsys_settings(data: bytes | str, *, user: int = 0) -> dict[str, dict[str, str]]:
    """Parse ``dumpsys settings`` (as found in bugreports) into namespace -> key -> value.

    Only the given user's tables are read; history sections are ignored.
    """
    text = decode_text(data)
    result: dict[str, dict[str, str]] = {}
    heads = list(_DUMPSYS_NS.finditer(text))
    for i, head in enumerate(heads):
        if strict_int(head.group(2)) != user:
            continue
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        table = result.setdefault(head.group(1).lower(), {})
        for line in iter_lines(text[head.end() : end]):
            m = _DUMPSYS_ENTRY.match(line)
            if m:
                table.setdefault(m.group("key"), m.group("value"))
    return result
