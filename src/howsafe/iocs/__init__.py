"""Indicators of compromise: MVT-compatible STIX2 bundles, stored collections and matching.

The names below are imported on first use (PEP 562): an audit first asks
:func:`howsafe.iocs.locate.configured` whether the user has any indicators at all, and without
any it loads neither the matcher, the STIX reader nor the SQLite index (start-up cost, issue 13)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from howsafe.iocs.locate import store_dir
    from howsafe.iocs.match import Hit, Observable, match, snapshot_observables
    from howsafe.iocs.model import Collection, Indicator, IndicatorSet, IocType, LoadError
    from howsafe.iocs.store import add_to_store, build_set, load_indicator_set

_WHERE = {
    "Hit": "howsafe.iocs.match",
    "Observable": "howsafe.iocs.match",
    "match": "howsafe.iocs.match",
    "snapshot_observables": "howsafe.iocs.match",
    "Collection": "howsafe.iocs.model",
    "Indicator": "howsafe.iocs.model",
    "IndicatorSet": "howsafe.iocs.model",
    "IocType": "howsafe.iocs.model",
    "LoadError": "howsafe.iocs.model",
    "add_to_store": "howsafe.iocs.store",
    "build_set": "howsafe.iocs.store",
    "load_indicator_set": "howsafe.iocs.store",
    "store_dir": "howsafe.iocs.locate",
}


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Collection",
    "Hit",
    "Indicator",
    "IndicatorSet",
    "IocType",
    "LoadError",
    "Observable",
    "add_to_store",
    "build_set",
    "load_indicator_set",
    "match",
    "snapshot_observables",
    "store_dir",
]
