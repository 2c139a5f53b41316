"""Reading a TOML knowledge file once per knowledge base."""

from __future__ import annotations

from pathlib import Path

from howsafe.errors import KnowledgeError
from howsafe.kb import tomlcache
from howsafe.kb.base import KnowledgeBase


def _load_toml(kb: KnowledgeBase, name: str) -> dict[str, object]:
    path = kb.find(name)
    if path is None:
        raise KnowledgeError(f"knowledge file {name} is missing")
    try:
        return tomlcache.loads(Path(path).read_bytes(), name)
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"knowledge file {name} is invalid: {exc}") from exc


def load_kb_toml(kb: KnowledgeBase, name: str) -> dict[str, object]:
    """Read a TOML knowledge file once per knowledge base."""
    return kb.memo(f"toml:{name}", lambda: _load_toml(kb, name))
