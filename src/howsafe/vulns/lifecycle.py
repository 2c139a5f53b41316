"""End of support: Android releases, device models and kernel branches.

Data: ``lifecycle/lifecycle.json`` (built by scripts/build_lifecycle.py from endoflife.date, MIT,
and AOSP's kernel-lifetimes.xml, Apache-2.0; refreshed by ``howsafe kb update``), read by
:mod:`howsafe.kb.lifecycle`; this module builds that document and answers questions with it.

A device's end of updates is reported only when a row names that exact model (Pixel/Nexus by model
name, Samsung by the SM- model code of its support page or its market name, other brands by
market name); otherwise the answer is "unknown". Nothing here estimates a date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.kb.lifecycle import LIFECYCLE_NAME, device_products, load_lifecycle, product_brands
from howsafe.model import DataSource, Snapshot
from howsafe.parse.numbers import strict_int
from howsafe.vulns.eol_source import Row, parse_kernel_lifetimes, parse_product

_SM = re.compile(r"\bSM-([A-Z]\d{3})", re.IGNORECASE)


class EolStatus(msgspec.Struct, frozen=True):
    """Support state of one thing (a release, a model, a kernel branch) on a given day."""

    subject: str
    ended: bool | None  # None: the data does not say
    eol: dt.date | None = None
    source: str = ""
    note: str = ""


def _date(v: object) -> str | bool | None:
    if isinstance(v, bool) or v is None:
        return v
    return str(v)


def _compact(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"cycle": row.get("releaseCycle")}
    for src, dst in (
        ("releaseLabel", "label"),
        ("releaseDate", "release"),
        ("eol", "eol"),
        ("eoas", "eoas"),
        ("apiVersion", "api"),
        ("codename", "codename"),
    ):
        if row.get(src) is not None:
            out[dst] = _date(row.get(src))
    link = row.get("link")
    if isinstance(link, str):
        codes = sorted({m.upper() for m in _SM.findall(link)})
        if codes:
            out["models"] = [f"SM-{c}" for c in codes]
    return out


def build_lifecycle(products: Mapping[str, bytes], kernel_xml: str | None) -> dict[str, Any]:
    """The compact lifecycle document from raw product pages/API answers and kernel lifetimes."""
    if "android" not in products:
        raise ValueError("the android product is required")
    doc: dict[str, Any] = {
        "schema": 1,
        "source": "endoflife.date (MIT) product data; AOSP kernel/configs kernel-lifetimes.xml (Apache-2.0)",
        "licence": "MIT; Apache-2.0",
        "android": [_compact(r) for r in parse_product(products["android"])],
        "devices": {},
        "kernel": parse_kernel_lifetimes(kernel_xml) if kernel_xml else [],
    }
    for name in device_products():
        if name in products:
            doc["devices"][name] = [_compact(r) for r in parse_product(products[name])]
    if "linux-kernel" in products:
        doc["linux"] = [_compact(r) for r in parse_product(products["linux-kernel"])]
    return doc


def dumps_lifecycle(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def _status(subject: str, eol: object, today: dt.date, source: str) -> EolStatus:
    if eol is True:
        return EolStatus(subject, True, None, source, "end of support (date not published)")
    if eol is False or eol is None:
        return EolStatus(subject, False if eol is False else None, None, source)
    try:
        day = dt.date.fromisoformat(str(eol))
    except ValueError:
        return EolStatus(subject, None, None, source)
    return EolStatus(subject, day <= today, day, source)


def _cycle_of(release: str) -> list[str]:
    """Candidate endoflife.date cycles for a normalised release, most specific first."""
    if release == "12L":
        return ["12.1", "12L"]
    parts = release.split(".")
    cands = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    if len(parts) == 1:
        cands.insert(1, f"{release}.0")
    return cands


def android_eol(doc: Mapping[str, Any], release: str, today: dt.date) -> EolStatus | None:
    """Support state of an Android release (normalised, e.g. '8.1', '12L'); None when unknown."""
    rows = {str(r.get("cycle")): r for r in doc.get("android", [])}
    for cand in _cycle_of(release):
        if cand in rows:
            row = rows[cand]
            source = "endoflife.date/android"
            if row.get("eol_source"):
                source = f"corrected from endoflife.date/android: {row['eol_source']}"
            return _status(f"Android {release}", row.get("eol"), today, source)
    return None


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9+]", "", (text or "").lower())


def device_eol(doc: Mapping[str, Any], snapshot: Snapshot, today: dt.date) -> EolStatus | None:
    """Support state of this exact model, or None ("unknown") when no row names it."""
    d = snapshot.device
    brand = _norm(d.brand) or _norm(d.manufacturer)
    names = {n for n in (_norm(d.model), _norm(d.marketname)) if n}
    sm = _SM.search(d.model or "")
    code = f"SM-{sm.group(1).upper()}" if sm else None
    for product, rows in doc.get("devices", {}).items():
        if brand not in {_norm(b) for b in product_brands().get(product, ())}:
            continue
        for row in rows:
            label = _norm(str(row.get("label") or row.get("cycle")))
            labels = {label, _norm(f"{d.brand or ''}{row.get('label') or row.get('cycle')}")}
            if product.startswith("samsung"):
                labels.add(_norm(f"samsung{row.get('label') or ''}"))
            hit = bool(names & labels) or (code is not None and code in row.get("models", ()))
            if hit:
                subject = str(row.get("label") or row.get("cycle"))
                return _status(subject, row.get("eol"), today, f"endoflife.date/{product}")
    return None


_KVER = re.compile(r"([0-9]+)\.([0-9]+)")
_KVER_DIGITS = 4
"""A kernel major or minor number longer than this is not a kernel version (hostile or damaged input)."""


def _branch_key(m: re.Match[str]) -> tuple[int, int] | None:
    """(major, minor) of a ``_KVER`` match; None when a number is implausibly long."""
    major, minor = strict_int(m.group(1), max_digits=_KVER_DIGITS), strict_int(m.group(2), max_digits=_KVER_DIGITS)
    return (major, minor) if major is not None and minor is not None else None


def kernel_eol(
    doc: Mapping[str, Any], kernel_version: str, android_release: str | None, today: dt.date
) -> EolStatus | None:
    """Support state of the Android common kernel branch this kernel version belongs to."""
    m = _KVER.search(kernel_version)
    key = _branch_key(m) if m else None
    if m is None or key is None:
        return None
    ver = f"{m.group(1)}.{m.group(2)}"
    branches = [b for b in doc.get("kernel", []) if b.get("version") == ver]
    if branches:
        major = (android_release or "").split(".")[0]
        pick = next((b for b in branches if b.get("min_android_release") == major), None)
        pick = pick or min(branches, key=lambda b: b.get("eol", ""))
        return _status(f"kernel {ver} ({pick['branch']})", pick.get("eol"), today, "AOSP kernel-lifetimes.xml")
    for row in doc.get("linux", []):
        if str(row.get("cycle")) == ver:
            return _status(f"kernel {ver}", row.get("eol"), today, "endoflife.date/linux-kernel")
    # Older than every listed branch: the oldest Android branch listed (4.14) is already past EOL.
    listed = (_KVER.fullmatch(str(b.get("version", ""))) for b in doc.get("kernel", []))
    known = [k for k in (_branch_key(b) for b in listed if b) if k is not None]
    if known and key < min(known):
        return EolStatus(
            f"kernel {ver}",
            True,
            None,
            "AOSP kernel-lifetimes.xml",
            "older than every Android common kernel branch still listed",
        )
    return None


def data_source(kb: KnowledgeBase) -> list[DataSource]:
    try:
        doc = load_lifecycle(kb)
    except KnowledgeError as exc:
        return [DataSource(name="End-of-support dates", note=f"unavailable: {exc}")]
    return [
        DataSource(
            name="End-of-support dates",
            version=str(doc.get("generated", "")) or None,
            licence=str(doc.get("licence", "")) or None,
            note=(
                "updated copy from `howsafe kb update`"
                if kb.is_updated(LIFECYCLE_NAME)
                else "bundled endoflife.date snapshot; `howsafe kb update` refreshes it"
            ),
        )
    ]
