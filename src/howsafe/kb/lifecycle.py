"""End-of-support knowledge: ``kb/data/lifecycle/`` (release cycles, corrections, phone products).

Three files, read on first use with the standard library because the update checks of every
audit need them (no validation at audit time, see docs/architecture.md "A new data file"):

- ``lifecycle.json``: Android release cycles, device models and kernel branches (built by
  scripts/build_lifecycle.py; ``howsafe kb update`` may put a newer copy in the user cache, after
  validating it with :class:`~howsafe.kb.schema.LifecycleFile`);
- ``corrections.json``: dates the Android Security Bulletins contradict (always the bundled copy);
- ``products.toml``: the endoflife.date products that list phones, and the brands each covers.

Each has its model in :mod:`howsafe.kb.schema`, checked against the shipped file in
``tests/kb/test_table_files.py``. A copy that is not a lifecycle document at all is one
:class:`~howsafe.errors.KnowledgeError` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.tables import bundled_toml

LIFECYCLE_NAME = "lifecycle/lifecycle.json"
CORRECTIONS_NAME = "lifecycle/corrections.json"
PRODUCTS_FILE = "lifecycle/products.toml"


@cache
def product_brands() -> dict[str, tuple[str, ...]]:
    """endoflife.date products that list phones -> the brands each covers (``lifecycle/products.toml``)."""
    try:
        return {str(p["id"]): tuple(str(b) for b in p["brands"]) for p in bundled_toml(PRODUCTS_FILE)["product"]}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"{PRODUCTS_FILE} is invalid: {exc}") from exc


def device_products() -> tuple[str, ...]:
    """The endoflife.date products that list phones, in file order."""
    return tuple(product_brands())


def _read_json(kb: KnowledgeBase, name: str) -> object:
    path = kb.find(name)
    assert path is not None  # find() raises for a missing required file
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"{name} ({path}) is damaged: {exc}") from exc


def _rows_of(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) for r in value)


def load_lifecycle(kb: KnowledgeBase) -> dict[str, Any]:
    """The lifecycle document of ``kb`` with the corrections applied, read once per knowledge base."""

    def _load() -> dict[str, Any]:
        doc = _read_json(kb, LIFECYCLE_NAME)
        devices = doc.get("devices", {}) if isinstance(doc, dict) else None
        if (
            not isinstance(doc, dict)
            or not _rows_of(doc.get("android"))
            or not all(_rows_of(doc.get(k, [])) for k in ("kernel", "linux"))
            or not isinstance(devices, dict)
            or not all(_rows_of(rows) for rows in devices.values())
        ):
            raise KnowledgeError(f"{LIFECYCLE_NAME} is not a lifecycle document (no Android release rows)")
        return apply_corrections(doc, load_corrections(kb))

    return kb.memo("kb.lifecycle", _load)


def load_corrections(kb: KnowledgeBase) -> dict[str, Any]:
    """Dates the bulletins contradict (``lifecycle/corrections.json``; none when the file is absent)."""
    if kb.find(CORRECTIONS_NAME, required=False) is None:
        return {}
    doc = _read_json(kb, CORRECTIONS_NAME)
    fixes = doc.get("android") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(fixes, dict) or not all(isinstance(f, dict) for f in fixes.values()):
        raise KnowledgeError(f"{CORRECTIONS_NAME} has no table of Android corrections")
    return doc


def apply_corrections(doc: dict[str, Any], corrections: Mapping[str, Any]) -> dict[str, Any]:
    """Replace an Android row's end of support where the source still has the known-wrong value;
    the row then names the correction's source."""
    fixes = corrections.get("android", {})
    if not fixes:
        return doc
    rows = []
    for row in doc.get("android", []):
        fix = fixes.get(str(row.get("cycle")))
        if isinstance(fix, dict) and str(row.get("eol")) == str(fix.get("was")):
            row = {**row, "eol": fix["eol"], "eol_source": fix.get("source", "")}
        rows.append(row)
    return {**doc, "android": rows}
