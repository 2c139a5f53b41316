"""Indicators of compromise: MVT-compatible STIX2 bundles, stored collections and matching.

The names below are imported on first use (PEP 562): an audit first asks
:func:`howsafe.iocs.locate.configured` whether the user has any indicators at all, and without
any it loads neither the matcher, the STIX reader nor the SQLite index (start-up cost, issue 13).

The matching function is not among them: it shares its name with its module, and importing
:mod:`howsafe.iocs.match` (as the compromise check does) makes ``howsafe.iocs.match`` that module,
so a lazy ``match`` would be the function or the module depending on what ran first. Import it as
``from howsafe.iocs.match import match``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe._lazy import lazy_attributes

if TYPE_CHECKING:
    from howsafe.iocs.locate import store_dir
    from howsafe.iocs.match import Hit, Observable, snapshot_observables
    from howsafe.iocs.model import Collection, Indicator, IndicatorSet, IocType, LoadError
    from howsafe.iocs.store import add_to_store, build_set, load_indicator_set

_WHERE = {
    "Hit": "howsafe.iocs.match",
    "Observable": "howsafe.iocs.match",
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


__getattr__ = lazy_attributes(__name__, _WHERE, globals())


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
    "snapshot_observables",
    "store_dir",
]
