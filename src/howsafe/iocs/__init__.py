"""Indicators of compromise: MVT-compatible STIX2 bundles, stored collections and matching."""

from howsafe.iocs.match import Hit, Observable, match, snapshot_observables
from howsafe.iocs.model import Collection, Indicator, IndicatorSet, IocType, LoadError
from howsafe.iocs.store import add_to_store, build_set, load_indicator_set, store_dir

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
