"""``howsafe compare A B``: two phones side by side for one threat profile.

The seed's "Xiaomi vs Google" question: both sources are audited with the same checks, profile and
clock, then reduced to a :class:`Comparison` (typed rows, no judgement beyond what the audit
already made): grades per area and overall, update status (Android, patch level and its age, end
of life), vendor data flows (how many telemetry, analytics, advertising and cloud packages the
vendor knowledge base recognises, and how many of them send data to China), and trackers when APK
scans were part of the audit. Reporters for text, Markdown and JSON only lay the rows out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from howsafe.apk.model import AppReport
from howsafe.cli.common import chosen_profile, load_source, refuse_output_over_inputs, write_output
from howsafe.engine import Auditor, utc_now
from howsafe.kb import KnowledgeBase
from howsafe.kb.packages import lookup
from howsafe.model import Area, Grade, Outcome, Report, Snapshot
from howsafe.score import available_profiles, load_profile
from howsafe.score.verdict import area_label

COMPARE_FORMATS = ("text", "json", "md")
FLOW_ROLES = ("telemetry", "analytics", "ads", "cloud")
_EOL_CHECKS = ("updates.android_eol", "updates.device_eol")


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
    devices: tuple[DeviceColumn, DeviceColumn]
    differences: list[str]


def _label(snap: Snapshot) -> str:
    d = snap.device
    name = d.marketname or " ".join(x for x in (d.brand, d.model) if x) or d.device or "unknown device"
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


def _end_of_life(report: Report) -> str:
    states = [f for f in report.findings if f.check in _EOL_CHECKS]
    if any(f.outcome is Outcome.FAIL for f in states):
        return "; ".join(f.title for f in states if f.outcome is Outcome.FAIL)
    if states and all(f.outcome is Outcome.PASS for f in states):
        return "still supported"
    if any(f.outcome is Outcome.PASS for f in states):
        return "partly known: " + "; ".join(f.title for f in states if f.outcome is Outcome.PASS)
    return "unknown"


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
    return DeviceColumn(
        label=_label(snap),
        source=snap.source.kind.value,
        android=snap.device.android_release,
        security_patch=spl.isoformat() if spl else None,
        patch_age_days=(today - spl).days if spl else None,
        end_of_life=_end_of_life(report),
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


def differences(a: DeviceColumn, b: DeviceColumn) -> list[str]:
    """Plain sentences for the rows where the two phones differ in a way that matters."""
    out: list[str] = []
    for area in Area:
        ga, gb = a.areas.get(area.value, "?"), b.areas.get(area.value, "?")
        if ga != gb and ga in _GRADE_RANK and gb in _GRADE_RANK:
            better, worse = (a, b) if _GRADE_RANK[ga] < _GRADE_RANK[gb] else (b, a)
            out.append(
                f"{area_label(area).capitalize()}: {better.label} ({better.areas[area.value]}) is better "
                f"than "
                f"{worse.label} ({worse.areas[area.value]})."
            )
    if a.patch_age_days is not None and b.patch_age_days is not None and a.patch_age_days != b.patch_age_days:
        newer, older = (a, b) if a.patch_age_days < b.patch_age_days else (b, a)
        gap = abs(a.patch_age_days - b.patch_age_days)
        out.append(
            f"Security patches: {newer.label} is {gap} days more recent "
            f"({newer.security_patch} vs {older.security_patch})."
        )
    if a.vendor_flows and b.vendor_flows:
        ta, tb = sum(a.vendor_flows.counts.values()), sum(b.vendor_flows.counts.values())
        if ta != tb:
            more, fewer = (a, b) if ta > tb else (b, a)
            out.append(
                f"Vendor data flows: {more.label} carries {max(ta, tb)} recognised telemetry/analytics/"
                f"ads/cloud packages, {fewer.label} {min(ta, tb)}."
            )
    return out


def compare_snapshots(
    first: Snapshot,
    second: Snapshot,
    profile_id: str,
    *,
    kb: KnowledgeBase | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    apps: tuple[Sequence[AppReport] | None, Sequence[AppReport] | None] = (None, None),
) -> Comparison:
    """Audit both phones with the same checks, profile and clock, and build the comparison.

    ``apps`` are optional APK scans of each phone's apps (trackers are counted from them).
    """
    kb = kb or KnowledgeBase.default()
    prof = load_profile(profile_id)
    now = clock() if clock is not None else utc_now()
    auditor = Auditor(kb, clock=lambda: now)
    cols: list[DeviceColumn] = []
    for snap, scanned in zip((first, second), apps, strict=True):
        extra: dict[str, object] = {"apps": list(scanned)} if scanned is not None else {}
        report = auditor.run(auditor.context(snap, **extra), prof)
        cols.append(column(snap, report, kb, now.date(), scanned))
    a, b = cols
    return Comparison(
        profile=prof.id,
        profile_name=prof.name,
        generated_at=now.isoformat(),
        devices=(a, b),
        differences=differences(a, b),
    )


# ----------------------------------------------------------------------------------------------
# rendering (layout only)
# ----------------------------------------------------------------------------------------------


def _flows_cell(col: DeviceColumn) -> list[str]:
    if col.vendor_flows is None:
        return ["no package list"] * (len(FLOW_ROLES) + 1)
    cells = [str(col.vendor_flows.counts.get(r, 0)) for r in FLOW_ROLES]
    cells.append(str(col.vendor_flows.to_china))
    return cells


def _trackers_cell(col: DeviceColumn) -> str:
    if col.trackers is None:
        return "not scanned"
    shown = ", ".join(col.tracker_names[:4])
    return f"{col.trackers}" + (f" ({shown}{', ...' if len(col.tracker_names) > 4 else ''})" if shown else "")


def rows(cmp: Comparison) -> list[tuple[str, str, str]]:
    a, b = cmp.devices
    out: list[tuple[str, str, str]] = [
        ("Device", a.label, b.label),
        ("Source", a.source, b.source),
        (
            "Overall grade",
            f"{a.grade} ({a.score if a.score is not None else '-'})",
            f"{b.grade} ({b.score if b.score is not None else '-'})",
        ),
    ]
    for area in Area:
        out.append((f"  {area_label(area)}", a.areas.get(area.value, "?"), b.areas.get(area.value, "?")))
    out += [
        ("Android", a.android or "?", b.android or "?"),
        (
            "Security patch",
            f"{a.security_patch or '?'}" + (f" ({a.patch_age_days} days old)" if a.patch_age_days is not None else ""),
            f"{b.security_patch or '?'}" + (f" ({b.patch_age_days} days old)" if b.patch_age_days is not None else ""),
        ),
        ("End of life", a.end_of_life, b.end_of_life),
    ]
    fa, fb = _flows_cell(a), _flows_cell(b)
    for i, role in enumerate(FLOW_ROLES):
        out.append((f"Vendor {role} packages", fa[i], fb[i]))
    out.append(("  of which send data to China", fa[-1], fb[-1]))
    out.append(("Trackers in scanned apps", _trackers_cell(a), _trackers_cell(b)))
    return out


def render_text(cmp: Comparison) -> str:
    table = rows(cmp)
    w0 = max(len(r[0]) for r in table)
    w1 = min(max(len(r[1]) for r in table), 48)
    lines = [f"howsafe compare, profile: {cmp.profile_name}", ""]
    for name, x, y in table:
        lines.append(f"{name:<{w0}}  {x[:48]:<{w1}}  {y[:48]}")
    lines.append("")
    for col in cmp.devices:
        lines.append(f"{col.label}: {col.headline}")
    if cmp.differences:
        lines += ["", "What differs:"] + [f"- {d}" for d in cmp.differences]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(cmp: Comparison) -> str:
    a, b = cmp.devices
    lines = [
        f"# howsafe compare ({_md_cell(cmp.profile_name)})",
        "",
        f"| | {_md_cell(a.label)} | {_md_cell(b.label)} |",
        "|---|---|---|",
    ]
    for name, x, y in rows(cmp)[1:]:
        lines.append(f"| {_md_cell(name.strip())} | {_md_cell(x)} | {_md_cell(y)} |")
    lines += ["", *[f"- **{_md_cell(c.label)}**: {_md_cell(c.headline)}" for c in cmp.devices]]
    if cmp.differences:
        lines += ["", "## What differs", "", *[f"- {_md_cell(d)}" for d in cmp.differences]]
    return "\n".join(lines) + "\n"


def render_json(cmp: Comparison) -> str:
    return json.dumps(asdict(cmp), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def render(cmp: Comparison, fmt: str) -> str:
    return {"text": render_text, "md": render_md, "json": render_json}[fmt](cmp)


@click.command()
@click.argument("first")
@click.argument("second")
@click.option(
    "--profile",
    "profile_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Threat profile (default: the one saved by `howsafe profile`, else everyday).",
)
@click.option("--format", "fmt", type=click.Choice(COMPARE_FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the comparison here.")
@click.option(
    "--apks-first",
    "apks_first",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="APK files or folders of FIRST's apps, scanned for trackers.",
)
@click.option(
    "--apks-second",
    "apks_second",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="APK files or folders of SECOND's apps, scanned for trackers.",
)
@click.option("--no-redact", is_flag=True, help="Keep serial numbers, IMEI and account names.")
def compare(
    first: str,
    second: str,
    profile_id: str | None,
    fmt: str,
    output: Path | None,
    apks_first: tuple[Path, ...],
    apks_second: tuple[Path, ...],
    no_redact: bool,
) -> int:
    """Compare two phones side by side: FIRST and SECOND are snapshots, dumps or device folders.

    Shows grades per area, update status, vendor data flows and trackers for one threat profile.
    """
    refuse_output_over_inputs(output, first, second, *apks_first, *apks_second)
    snaps: Sequence[Snapshot] = [
        load_source(src, adb=False, serial=None, demo=False, redact=not no_redact) for src in (first, second)
    ]
    profile_id = chosen_profile(profile_id)
    kb = KnowledgeBase.default()
    scans: list[Sequence[AppReport] | None] = []
    for paths in (apks_first, apks_second):
        if paths:
            from howsafe.apk import scan_paths

            scans.append(scan_paths(list(paths), kb=kb))
        else:
            scans.append(None)
    cmp = compare_snapshots(snaps[0], snaps[1], profile_id, kb=kb, apps=(scans[0], scans[1]))
    write_output(render(cmp, fmt), output)
    return 0
