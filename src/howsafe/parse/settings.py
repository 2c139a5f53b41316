"""``settings list global|secure|system`` output (``key=value`` per line) and ``dumpsys settings``.

Values may contain ``=`` (only the first one separates) and, rarely, newlines: a line without ``=``
that follows a record continues that record's value.
"""

from __future__ import annotations

import re

from howsafe.parse.text import decode_text

_KEY = re.compile(r"^[A-Za-z0-9_.\-:@/]+$")


def parse_settings(data: bytes | str) -> dict[str, str]:
    """Parse one namespace of ``settings list``; ``null`` values are kept as the string ``null``."""
    result: dict[str, str] = {}
    last: str | None = None
    for line in decode_text(data).split("\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if sep and _KEY.match(key.strip()):
            last = key.strip()
            result[last] = value
        elif last is not None:
            result[last] += "\n" + line
    return result


_DUMPSYS_NS = re.compile(r"^\s*(GLOBAL|SECURE|SYSTEM) SETTINGS \(user (\d+)\)", re.MULTILINE)
_DUMPSYS_ENTRY = re.compile(
    r"^\s*_id:\d+ name:(?P<key>\S+) pkg:\S* value:(?P<value>.*?)"
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
        if int(head.group(2)) != user:
            continue
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        table = result.setdefault(head.group(1).lower(), {})
        for line in text[head.end() : end].split("\n"):
            m = _DUMPSYS_ENTRY.match(line)
            if m:
                table.setdefault(m.group("key"), m.group("value"))
    return result
