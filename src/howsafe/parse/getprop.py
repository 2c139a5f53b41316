"""``adb shell getprop`` output: ``[key]: [value]`` lines.

Real captures are messy, and every quirk handled here was seen in public captures:

* values spanning several lines (``persist.sys.boot.reason.history``) or wrapped by a terminal at a
  fixed width (the value keeps its newlines; callers that need a single token strip them);
* several entries glued onto one line by copy and paste (``[a]: [1]     [b]: [2]``);
* a mangled opening bracket (``]key]: [value``) or junk before it (``000[key]: [1]``);
* values cut short without their closing bracket;
* a file truncated in the middle of the last entry: that entry is dropped, the rest is kept.
"""

from __future__ import annotations

import re

import msgspec

from howsafe.parse.text import decode_text

# Android property names: letters, digits and ``_ . - : @`` (see system/core/init/util.cpp).
_ENTRY_START = re.compile(r"[\[\]](?P<key>[A-Za-z0-9_.\-:@]+)\]: \[")


class GetpropResult(msgspec.Struct, frozen=True):
    """Parsed properties plus what could not be trusted."""

    properties: dict[str, str] = msgspec.field(default_factory=dict)
    truncated: bool = False
    """True when the text ended inside an entry (the file was cut); that entry was dropped."""


MAX_ENTRIES = 100_000
"""A real phone has a few thousand properties; past this the input is not a getprop output."""


def parse_getprop(data: bytes | str) -> GetpropResult:
    """Parse getprop output; later duplicates of a key win (as ``getprop`` itself would show).

    Stops after :data:`MAX_ENTRIES` entries (and says so with ``truncated``), so hostile input
    cannot grow the table without bound.
    """
    text = decode_text(data)
    props: dict[str, str] = {}
    truncated = False
    matches = _ENTRY_START.finditer(text)
    current = next(matches, None)
    count = 0
    while current is not None:
        following = next(matches, None)
        count += 1
        if count > MAX_ENTRIES:
            truncated = True
            break
        end = following.start() if following is not None else len(text)
        raw = text[current.end() : end]
        stripped = raw.rstrip()
        key = current.group("key")
        if stripped.endswith("]"):
            props[key] = stripped[:-1]
        elif following is None and not raw.endswith("\n"):
            truncated = True  # the file ends inside this entry: drop it
        else:
            props[key] = stripped  # no closing bracket (cut short by the capture): keep what there is
        current = following
    return GetpropResult(
        properties=props,
        truncated=truncated,
    )
