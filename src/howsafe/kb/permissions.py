"""Permission knowledge: dangerous permission groups, special permissions, app installers.

Typed views of ``permissions/dangerous.toml``, ``permissions/special.toml`` and
``permissions/installers.toml`` (see :mod:`howsafe.kb.schema`).
"""

from __future__ import annotations

from howsafe.kb.base import KnowledgeBase
from howsafe.kb.schema import FileMeta, KbModel, load_toml_model


class PermissionGroup(KbModel, frozen=True, kw_only=True):
    id: str
    check: str
    data: str
    permissions: tuple[str, ...]
    source: str


class SpecialPermission(KbModel, frozen=True, kw_only=True):
    id: str
    check: str
    permission: str
    data: str
    source: str


class Installer(KbModel, frozen=True, kw_only=True):
    id: str
    name: str
    source: str


class DangerousFile(KbModel, frozen=True, kw_only=True):
    meta: FileMeta
    group: tuple[PermissionGroup, ...]


class SpecialFile(KbModel, frozen=True, kw_only=True):
    meta: FileMeta
    permission: tuple[SpecialPermission, ...]


class InstallersFile(KbModel, frozen=True, kw_only=True):
    meta: FileMeta
    store: tuple[Installer, ...] = ()
    sideload: tuple[Installer, ...] = ()


def permission_groups(kb: KnowledgeBase) -> dict[str, PermissionGroup]:
    """The dangerous permission groups, keyed by the check that reports each."""
    return {g.check: g for g in load_toml_model(kb, "permissions/dangerous.toml", DangerousFile).group}


def special_permissions(kb: KnowledgeBase) -> dict[str, SpecialPermission]:
    """The special permissions (overlay, usage access ...), keyed by the check that reports each."""
    return {p.check: p for p in load_toml_model(kb, "permissions/special.toml", SpecialFile).permission}


def installers(kb: KnowledgeBase) -> tuple[dict[str, str], dict[str, str]]:
    """(stores, sideload installers): package id -> name."""
    doc = load_toml_model(kb, "permissions/installers.toml", InstallersFile)
    return {s.id: s.name for s in doc.store}, {s.id: s.name for s in doc.sideload}


def dangerous_permissions(kb: KnowledgeBase) -> dict[str, str]:
    """Every dangerous permission -> the data it exposes (from its group)."""
    return {p: g.data for g in permission_groups(kb).values() for p in g.permissions}
