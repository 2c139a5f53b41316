"""Parsed TOML kept in the compiled knowledge, so that a run parses a TOML file only when it changed.

An audit reads about ten small TOML files (knowledge tables, the threat profile, the evidence
rules, the China-ROM rules: 27 kB). :mod:`tomllib` is pure Python: parsing them cost about 2% of a
whole audit, and importing it (it compiles its patterns at import) about 1% more. The parsed values
are kept in one compiled copy (:mod:`howsafe.kb.compiled`), one entry per file label holding the
SHA-256 of the bytes it was parsed from: changed bytes (an upgrade, ``kb update``) miss and are
parsed again, and the entry is replaced, so the copy never grows beyond one entry per file.

A parse error is raised exactly as :func:`tomllib.loads` raises it (a :class:`ValueError`), and an
invalid file is never stored. Values marshal cannot hold (TOML dates) are parsed every time.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from functools import cache
from pathlib import Path
from typing import Any

from howsafe.kb.base import KnowledgeBase
from howsafe.kb.compiled import compiled_key, read_compiled, write_compiled

_NAME = "toml"


@cache
def _key() -> str | None:
    # tomllib is part of the interpreter: its version decides how a file parses
    return compiled_key(_NAME, [("python", sys.version.encode())], [Path(__file__)])


@cache
def _stored() -> dict[str, tuple[str, dict[str, Any]]]:
    """The compiled entries, read once per process (empty without a usable copy)."""
    value = read_compiled(KnowledgeBase.default(), _NAME, _key())
    if not isinstance(value, dict):
        return {}
    return {
        label: entry
        for label, entry in value.items()
        if isinstance(label, str)
        and isinstance(entry, tuple)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], dict)
    }


def loads(raw: bytes, label: str) -> dict[str, Any]:
    """``tomllib.loads`` of the UTF-8 bytes ``raw``, known by ``label`` (a file name) in the copy.

    Raises :class:`UnicodeDecodeError` or :class:`tomllib.TOMLDecodeError` (both ValueErrors) as
    the parse it replaces would. The returned tables are shared with later calls: read them only.
    """
    digest = hashlib.sha256(raw).hexdigest()
    stored = _stored()
    entry = stored.get(label)
    if entry is not None and entry[0] == digest:
        return entry[1]
    import tomllib  # only on a miss: a run that hits never imports the parser

    parsed = tomllib.loads(raw.decode("utf-8"))
    try:
        marshal.dumps(parsed)
    except ValueError:  # a date or time value: nothing to store, parsed again next time
        return parsed
    stored[label] = (digest, parsed)
    write_compiled(KnowledgeBase.default(), _NAME, _key(), stored)
    return parsed
