"""The check registry: every module in ``howsafe.checks`` registers its checks on import.

Discovery walks the package (``pkgutil``) so adding a check means adding one module and one
definition file, nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TypeVar

from howsafe.checks.base import Check

_REGISTRY: dict[str, Check] = {}
_NOT_CHECK_MODULES = {"base", "registry", "common"}

C = TypeVar("C", bound=type)


def register(cls: C) -> C:
    """Class decorator: instantiate the check and add it to the registry."""
    inst = cls()
    cid = inst.id
    if cid in _REGISTRY and type(_REGISTRY[cid]) is not cls:
        raise RuntimeError(f"two checks share the id {cid!r}")
    _REGISTRY[cid] = inst
    return cls


def _discover() -> None:
    import howsafe.checks as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in _NOT_CHECK_MODULES and not mod.name.startswith("_"):
            importlib.import_module(f"howsafe.checks.{mod.name}")


def all_checks(select: Callable[[Check], bool] | None = None) -> list[Check]:
    """Every registered check, sorted by id, optionally filtered."""
    _discover()
    checks = sorted(_REGISTRY.values(), key=lambda c: c.id)
    return [c for c in checks if select is None or select(c)]
