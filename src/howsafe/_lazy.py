"""Names a package re-exports but imports on first use (PEP 562).

A package ``__init__`` that re-exports its submodules' names would import them all with the package;
``howsafe apps`` importing :mod:`howsafe.parse.numbers` would then load every device-output parser,
and an audit every scorer and IOC reader (start-up cost, issue 13). Such an ``__init__`` lists where
each name lives, imports them under ``TYPE_CHECKING`` for the type checker, and ends with::

    __getattr__ = lazy_attributes(__name__, _WHERE, globals())
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, where: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``where[name]`` is the module that defines ``name``;
    the first access imports it and keeps the value in ``namespace`` (the package's globals), so
    later accesses are plain lookups."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
