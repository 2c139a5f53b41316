"""Small bundled knowledge tables, read on first use with the standard library.

These tables (SoC vendors, bulletin components, domain-list owners) are read by code that runs
in every audit, so they cost no validation at run time: :func:`bundled_toml`
parses the file once per process (with :mod:`tomllib`, through the compiled copy of
:mod:`howsafe.kb.tomlcache`) and the typed accessors beside each caller
pick the fields they need. Each file has a msgspec model in :mod:`howsafe.kb.schema`, and
``tests/kb/test_table_files.py`` validates the shipped file with it, so a broken edit fails the
tests, not an audit.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from howsafe.errors import KnowledgeError
from howsafe.kb import tomlcache
from howsafe.kb.base import bundled_data_dir


@cache
def bundled_toml(name: str) -> dict[str, Any]:
    """``kb/data/<name>`` parsed (once per process); a missing or unparsable file is a KnowledgeError."""
    path = bundled_data_dir() / name
    try:
        return tomlcache.loads(path.read_bytes(), f"bundled:{name}")
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"knowledge file {name} is missing or invalid: {exc}") from exc
