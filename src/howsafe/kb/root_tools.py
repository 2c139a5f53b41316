"""Root tools knowledge: root manager apps and the daemons of root solutions.

Read from ``permissions/root_tools.toml`` once per knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.tomlfile import load_kb_toml


@dataclass(frozen=True)
class RootTool:
    id: str
    name: str
    source: str


def root_tools(kb: KnowledgeBase) -> dict[str, RootTool]:
    raw = load_kb_toml(kb, "permissions/root_tools.toml")
    tools = raw.get("tool", [])
    if not isinstance(tools, list):
        raise KnowledgeError("permissions/root_tools.toml: 'tool' must be a list")
    out: dict[str, RootTool] = {}
    for t in tools:
        try:
            out[t["id"]] = RootTool(id=t["id"], name=t["name"], source=t["source"])
        except (KeyError, TypeError) as exc:
            raise KnowledgeError(f"permissions/root_tools.toml: bad entry {t!r}") from exc
    return out


def root_daemons(kb: KnowledgeBase) -> dict[str, str]:
    """Process name -> root solution, from the same data file as the root manager apps."""
    raw = load_kb_toml(kb, "permissions/root_tools.toml")
    procs = raw.get("process", [])
    if not isinstance(procs, list):
        raise KnowledgeError("permissions/root_tools.toml: 'process' must be a list")
    try:
        return {p["name"]: p["tool"] for p in procs}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError("permissions/root_tools.toml: bad process entry") from exc
