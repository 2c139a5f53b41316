"""Small one-value outputs: ``getenforce``, ``/proc/version``, the root-binary probe."""

from __future__ import annotations

import json
import re
from typing import Literal

from howsafe.parse.text import decode_text, iter_lines

SelinuxMode = Literal["enforcing", "permissive", "disabled"]

_MODES: dict[str, SelinuxMode] = {
    "enforcing": "enforcing",
    "permissive": "permissive",
    "disabled": "disabled",
}


def parse_getenforce(data: bytes | str) -> SelinuxMode | None:
    """``Enforcing`` / ``Permissive`` / ``Disabled`` -> lower case; anything else -> None."""
    for line in iter_lines(decode_text(data)):
        word = line.strip().lower()
        if word in _MODES:
            return _MODES[word]
    return None


_KERNEL = re.compile(r"Linux version (\S+)")


def parse_kernel_version(data: bytes | str) -> str | None:
    """The release string from ``/proc/version`` (``Linux version 5.10.198-android12-9-g...``)."""
    m = _KERNEL.search(decode_text(data))
    return m.group(1) if m else None


MAX_ROOT_PATHS = 1_000
"""The root probe checks a few dozen paths; more lines than this are noise, not findings."""


def parse_root_binaries(data: bytes | str) -> tuple[str, ...]:
    """Paths where a root binary was found: a newline list, or androidqf's JSON list of strings.

    ``which`` noise (``not found`` lines, blanks) is dropped; order is kept, duplicates removed.
    """
    text = decode_text(data).strip()
    items: list[str] = []
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except (ValueError, RecursionError):
            loaded = None
        if isinstance(loaded, list):
            for entry in loaded:
                if isinstance(entry, str):
                    items.extend(entry.split("\n"))
    if not items:
        items = list(iter_lines(text))
    found: dict[str, None] = {}  # ordered set: a membership test per line stays O(1)
    for item in items:
        path = item.strip()
        if not path or "not found" in path or not path.startswith("/"):
            continue
        found[path] = None
        if len(found) >= MAX_ROOT_PATHS:
            break
    return tuple(found)
