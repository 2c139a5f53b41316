"""Compare phones side by side for one threat profile (the domain half of ``howsafe compare``).

Every phone is audited with the same checks, profile and clock, then reduced to a
:class:`DeviceColumn` of typed facts: grades per area and overall, update status (Android, patch
level and its age, end of support), vendor data flows (telemetry, analytics, advertising and cloud
packages the knowledge base recognises, and how many send data to China) and trackers when APK
scans were part of the audit. :func:`differences` states in plain sentences where the phones
differ; it ranks by facts, never against them:

- on updates a newer security patch level ranks better, whatever the area grades say (a phone
  whose CVE check could not run is not "better updated" than one with a newer patch);
- an unknown end of support is not better than a known one (unknown ranks like ended);
- areas that could not be judged (``?``) are not ranked.

Presentation lives in ``howsafe.report`` (text, Markdown, JSON and HTML formatters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from howsafe.apk.model import AppReport
from howsafe.engine import Auditor, utc_now
from howsafe.kb import KnowledgeBase
from howsafe.kb.packages import lookup
from howsafe.model import Area, Grade, Outcome, Report, Snapshot
from howsafe.score import load_profile
from howsafe.score.verdict import area_label

FLOW_ROLES = ("telemetry", "analytics", "ads", "cloud")
_EOL_CHECKS = ("updates.android_eol", "updates.device_eol")
EolState = Literal["supported", "ended", "partly known", "unknown"]


@dataclass(frozen=True)
class VendorFlows:
    """Packages the vendor knowledge base classifies by role (None = no package list)."""

    counts: dict[str, int] = field(default_factory=dict)
    to_china: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceColumn:
    """One phone's side of the comparison."""

    label: str
    source: str
    android: str | None
    security_patch: str | None
    patch_age_days: int | None
    end_of_life: str
    end_of_life_state: EolState
    grade: str
    score: float | None
    headline: str
    areas: dict[str, str]
    failed: dict[str, int]
    vendor_flows: VendorFlows | None
    trackers: int | None
    tracker_names: list[str]
    top_actions: list[str]


@dataclass(frozen=True)
class Comparison:
    profile: str
    profile_name: str
    generated_at: str
    devices: tuple[DeviceColumn, ...]
    differences: list[str]


def device_label(snap: Snapshot) -> str:
    """The phone's name (brand once, as :func:`howsafe.model.display_name`) and its ROM."""
    d = snap.device
    name = d.display_name()
    rom = " ".join(x for x in (d.rom, d.rom_version) if x)
    return f"{name} ({rom})" if rom else name


def _vendor_flows(snap: Snapshot, kb: KnowledgeBase) -> VendorFlows | None:
    if snap.packages is None:
        return None
    counts = dict.fromkeys(FLOW_ROLES, 0)
    examples: dict[str, list[str]] = {r: [] for r in FLOW_ROLES}
    to_china = 0
    # "sends data to China" only on a China-market ROM (the shared rule; docs/jurisdiction.md)
    from howsafe.kb.packages import package_db
    from howsafe.kb.rom_market import rom_market

    china_rom = rom_market(kb, snap).china
    families = package_db(kb).families
    for pkg in snap.packages:
        if pkg.enabled is False:
            continue
        info = lookup(kb, pkg.id)
        if info is None or info.role not in counts or info.matched_by == "prefix":
            continue
        counts[info.role] += 1
        if len(examples[info.role]) < 3:
            examples[info.role].append(pkg.id)
        fam = families.get(info.family)
        if china_rom and ("CN" in info.jurisdiction or (fam is not None and fam.china_rom_hosting == "CN")):
            to_china += 1
    return VendorFlows(counts=counts, to_china=to_china, examples=examples)


def _end_of_life(report: Report) -> tuple[str, EolState]:
    states = [f for f in report.findings if f.check in _EOL_CHECKS]
    if any(f.outcome is Outcome.FAIL for f in states):
        return "; ".join(f.title for f in states if f.outcome is Outcome.FAIL), "ended"
    if states and all(f.outcome is Outcome.PASS for f in states):
        return "still supported", "supported"
    if any(f.outcome is Outcome.PASS for f in states):
        return "partly known: " + "; ".join(f.title for f in states if f.outcome is Outcome.PASS), "partly known"
    return "unknown", "unknown"


def column(
    snap: Snapshot, report: Report, kb: KnowledgeBase, today: dt.date, apps: Sequence[AppReport] | None = None
) -> DeviceColumn:
    """Reduce one audited phone to its comparison column."""
    spl = snap.device.security_patch
    names: set[str] = set()
    trackers: int | None = None
    if apps is not None:
        names = {t.name for app in apps if app.ok for t in app.trackers}
        trackers = len(names)
    elif any("tracker" in f.tags for f in report.findings):
        tagged = [f for f in report.findings if f.outcome is Outcome.FAIL and "tracker" in f.tags]
        names = {f.title for f in tagged}
        trackers = len(tagged)
    eol_text, eol_state = _end_of_life(report)
    return DeviceColumn(
        label=device_label(snap),
        source=snap.source.kind.value,
        android=snap.device.android_release,
        security_patch=spl.isoformat() if spl else None,
        patch_age_days=(today - spl).days if spl else None,
        end_of_life=eol_text,
        end_of_life_state=eol_state,
        grade=report.verdict.grade.value,
        score=report.verdict.score,
        headline=report.verdict.headline,
        areas={a.area.value: a.grade.value for a in report.verdict.areas},
        failed={a.area.value: a.failed for a in report.verdict.areas},
        vendor_flows=_vendor_flows(snap, kb),
        trackers=trackers,
        tracker_names=sorted(names),
        top_actions=[a.title for a in report.verdict.top_actions[:3]],
    )


_GRADE_RANK = {g.value: i for i, g in enumerate((Grade.A, Grade.B, Grade.C, Grade.D, Grade.E, Grade.F))}
# An end of support that is not known ranks like one that has passed: never better than a known one.
_EOL_RANK: dict[str, int] = {"supported": 0, "partly known": 1, "ended": 2, "unknown": 2}


def updates_key(col: DeviceColumn) -> tuple[int, int]:
    """Sort key for the updates ranking (smaller is better): patch age first, then end of support.

    A phone without a patch level ranks last on patch age.
    """
    age = col.patch_age_days if col.patch_age_days is not None else 10**9
    return age, _EOL_RANK[col.end_of_life_state]


def _order(cols: Sequence[DeviceColumn], text: Callable[[DeviceColumn], str]) -> str:
    return ", then ".join(f"{c.label} ({text(c)})" for c in cols)


def _ranked_sentence(name: str, ranked: Sequence[DeviceColumn], text: Callable[[DeviceColumn], str]) -> str:
    if len(ranked) == 2:
        better, worse = ranked
        return f"{name}: {better.label} ({text(better)}) is better than {worse.label} ({text(worse)})."
    return f"{name}: {_order(ranked, text)}."


def _updates_text(col: DeviceColumn) -> str:
    bits = [f"patch {col.security_patch or 'unknown'}"]
    if col.end_of_life_state != "supported":
        bits.append(f"end of support {col.end_of_life_state}")
    return ", ".join(bits) + f"; grade {col.areas.get(Area.UPDATES.value, '?')}"


def _grade_of(area: str) -> Callable[[DeviceColumn], str]:
    return lambda c: c.areas.get(area, "?")


def differences(cols: Sequence[DeviceColumn]) -> list[str]:
    """Plain sentences for the rows where the phones differ in a way that matters."""
    out: list[str] = []
    for area in Area:
        if area is Area.UPDATES:
            out += _updates_differences(cols)
            continue
        graded = [c for c in cols if c.areas.get(area.value, "?") in _GRADE_RANK]
        if len(graded) < 2 or len({c.areas[area.value] for c in graded}) < 2:
            continue
        grade_of = _grade_of(area.value)
        ranked = sorted(graded, key=lambda c: _GRADE_RANK[grade_of(c)])
        out.append(_ranked_sentence(area_label(area).capitalize(), ranked, grade_of))
    with_spl = [c for c in cols if c.patch_age_days is not None]
    if len(with_spl) >= 2 and len({c.patch_age_days for c in with_spl}) > 1:
        ranked = sorted(with_spl, key=lambda c: c.patch_age_days or 0)
        newer, older = ranked[0], ranked[-1]
        gap = (older.patch_age_days or 0) - (newer.patch_age_days or 0)
        out.append(
            f"Security patches: {newer.label} is {gap} days more recent "
            f"({newer.security_patch} vs {older.security_patch})."
        )
    flows = [c for c in cols if c.vendor_flows is not None]
    totals = {id(c): sum(c.vendor_flows.counts.values()) for c in flows if c.vendor_flows is not None}
    if len(flows) >= 2 and len(set(totals.values())) > 1:
        ranked = sorted(flows, key=lambda c: -totals[id(c)])
        more, fewer = ranked[0], ranked[-1]
        out.append(
            f"Vendor data flows: {more.label} carries {totals[id(more)]} recognised telemetry/analytics/"
            f"ads/cloud packages, {fewer.label} {totals[id(fewer)]}."
        )
    return out


def _updates_differences(cols: Sequence[DeviceColumn]) -> list[str]:
    """The updates ranking from facts (patch level, then end of support), never from grades alone."""
    keys = {id(c): updates_key(c) for c in cols}
    if len(set(keys.values())) < 2:
        if len({c.end_of_life_state for c in cols}) > 1:
            return []  # equal facts; grades must not rank an unknown end of support above a known one
        grades = [c for c in cols if c.areas.get(Area.UPDATES.value, "?") in _GRADE_RANK]
        if len(grades) >= 2 and len({c.areas[Area.UPDATES.value] for c in grades}) > 1:
            ranked = sorted(grades, key=lambda c: _GRADE_RANK[c.areas[Area.UPDATES.value]])
            return [_ranked_sentence("Security updates", ranked, lambda c: c.areas[Area.UPDATES.value])]
        return []
    ranked = sorted(cols, key=lambda c: keys[id(c)])
    return [_ranked_sentence("Security updates", ranked, _updates_text)]


def compare_snapshots(
    snapshots: Sequence[Snapshot],
    profile_id: str,
    *,
    kb: KnowledgeBase | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    apps: Sequence[Sequence[AppReport] | None] | None = None,
) -> Comparison:
    """Audit every phone with the same checks, profile and clock, and build the comparison.

    ``apps`` are optional APK scans of each phone's apps (trackers are counted from them), one
    entry per snapshot.
    """
    if len(snapshots) < 2:
        raise ValueError("a comparison needs at least two phones")
    scans: Sequence[Sequence[AppReport] | None] = apps if apps is not None else [None] * len(snapshots)
    kb = kb or KnowledgeBase.default()
    prof = load_profile(profile_id)
    now = clock() if clock is not None else utc_now()
    auditor = Auditor(kb, clock=lambda: now)
    cols: list[DeviceColumn] = []
    for snap, scanned in zip(snapshots, scans, strict=True):
        extra: dict[str, object] = {"apps": list(scanned)} if scanned is not None else {}
        report = auditor.run(auditor.context(snap, **extra), prof)
        cols.append(column(snap, report, kb, now.date(), scanned))
    return Comparison(
        profile=prof.id,
        profile_name=prof.name,
        generated_at=now.isoformat(),
        devices=tuple(cols),
        differences=differences(cols),
    )
