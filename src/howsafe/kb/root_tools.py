"""Root tools knowledge: root manager apps and the daemons of root solutions.

A typed view of ``permissions/root_tools.toml`` (see :mod:`howsafe.kb.schema`).
"""

from __future__ import annotations

from howsafe.kb.base import KnowledgeBase
from howsafe.kb.schema import FileMeta, KbModel, load_toml_model


class RootTool(KbModel, frozen=True, kw_only=True):
    id: str
    name: str
    source: str


class RootProcess(KbModel, frozen=True, kw_only=True):
    name: str
    tool: str
    source: str


class RootToolsFile(KbModel, frozen=True, kw_only=True):
    meta: FileMeta
    tool: tuple[RootTool, ...] = ()
    process: tuple[RootProcess, ...] = ()


def _file(kb: KnowledgeBase) -> RootToolsFile:
    return load_toml_model(kb, "permissions/root_tools.toml", RootToolsFile)


def root_tools(kb: KnowledgeBase) -> dict[str, RootTool]:
    """Root manager apps by package id."""
    return {t.id: t for t in _file(kb).tool}


def root_daemons(kb: KnowledgeBase) -> dict[str, str]:
    """Process name -> root solution, from the same data file as the root manager apps."""
    return {p.name: p.tool for p in _file(kb).process}
