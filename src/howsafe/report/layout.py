"""What every human-readable format shows, and in which order, computed once from the Report.

Reporters never score: this module only selects and groups what the engine already decided
(failed findings by area, areas that could not be judged, the data sources and how current they
are) and turns the optional Snapshot into a short list of device facts. Keeping the order here
means the terminal, Markdown and HTML reports always say the same things in the same sequence:
verdict, area grades, top actions, problems with evidence, what could not be checked, device
details, data sources, detail sections.

Everything read from a device (labels, properties, package ids) is attacker-controlled: every
human format passes it through the one sanitiser, :mod:`howsafe.report.sanitize`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from howsafe.model import (
    Area,
    AreaVerdict,
    DataSource,
    Evidence,
    Finding,
    Grade,
    Outcome,
    Report,
    Severity,
    Snapshot,
)
from howsafe.report.sanitize import clean as clean  # re-exported: the one sanitiser
from howsafe.score.verdict import area_label

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.compare import Comparison, DeviceColumn
    from howsafe.harden.commands import Command
    from howsafe.harden.model import Plan, Step

T = TypeVar("T")

KB_UPDATE_HINT = "run `howsafe kb update` to refresh the knowledge data"


def grade_text(grade: Grade) -> str:
    return grade.value


def headline_after_badge(headline: str, grade: Grade) -> str:
    """The headline without its leading "C: ", for formats that draw the grade as a badge beside it
    (the badge and the headline must not both say the grade)."""
    return headline.removeprefix(f"{grade.value}: ")


def chart_value(value: float, unit: str) -> str:
    """A chart value with its unit, readable: byte counts in kB/MB/GB (1000-based), never raw."""
    if unit == "bytes":
        n = float(value)
        for name in ("B", "kB", "MB", "GB"):
            if abs(n) < 1000 or name == "GB":
                return f"{n:.0f} {name}" if name == "B" else f"{n:.1f} {name}"
            n /= 1000
    shown = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return f"{shown} {clean(unit)}" if unit else shown


def grade_slug(grade: Grade) -> str:
    """A CSS-safe name for a grade ("?" is not a valid class name)."""
    return "unknown" if grade is Grade.UNKNOWN else grade.value


def severity_label(severity: Severity) -> str:
    return severity.value.upper()


def evidence_line(ev: Evidence) -> str:
    """``kind key = value (source)``: the compact form used in text and Markdown."""
    line = f"{ev.kind} {ev.key}"
    if ev.value is not None:
        line += f" = {ev.value}"
    if ev.source:
        line += f" ({ev.source})"
    return clean(line)


def device_title(report: Report) -> str:
    """One line naming the device: its display name (brand once: never "Redmi Redmi 9") and the
    model number when a market name is shown, codename, ROM, Android, patch. The same name is
    ``device.display_name`` in the JSON report."""
    d = report.device
    parts = [d.display_name]
    if d.model and d.marketname and d.model.lower() not in d.display_name.lower():
        parts[0] += f" ({d.model})"
    if d.device:
        parts.append(f"codename {d.device}")
    if d.rom:
        parts.append(" ".join(x for x in (d.rom, d.rom_version) if x))
    if d.android_release:
        parts.append(f"Android {d.android_release}")
    parts.append(f"security patch {d.security_patch.isoformat() if d.security_patch else 'unknown'}")
    return clean(" · ".join(parts))


@dataclass(frozen=True)
class AreaGroup:
    """Failed findings of one area, in the engine's order (most severe first)."""

    area: Area
    label: str
    grade: Grade
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class UncheckedArea:
    """An area graded ``?`` or holding findings that could not be evaluated."""

    area: Area
    label: str
    summary: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Layout:
    """The report's content in display order; every format walks this the same way."""

    areas: tuple[AreaVerdict, ...]
    problems: tuple[AreaGroup, ...]
    unchecked: tuple[UncheckedArea, ...]
    errors: tuple[Finding, ...]
    passed: tuple[Finding, ...]
    failed_count: int


def area_name(area: Area) -> str:
    return area_label(area)


def build_layout(report: Report) -> Layout:
    verdicts = {a.area: a for a in report.verdict.areas}
    problems: list[AreaGroup] = []
    unchecked: list[UncheckedArea] = []
    for area in _area_order(report):
        grade = verdicts[area].grade if area in verdicts else Grade.UNKNOWN
        failed = tuple(f for f in report.findings if f.area is area and f.outcome is Outcome.FAIL)
        if failed:
            problems.append(AreaGroup(area, area_label(area), grade, failed))
        na = tuple(f for f in report.findings if f.area is area and f.outcome is Outcome.NOT_AVAILABLE)
        if grade is Grade.UNKNOWN or na:
            summary = verdicts[area].summary if area in verdicts else "not checked: no data"
            unchecked.append(UncheckedArea(area, area_label(area), summary, na))
    return Layout(
        areas=tuple(verdicts[a] for a in _area_order(report) if a in verdicts),
        problems=tuple(problems),
        unchecked=tuple(unchecked),
        errors=tuple(f for f in report.findings if f.outcome is Outcome.ERROR),
        passed=tuple(f for f in report.findings if f.outcome is Outcome.PASS),
        failed_count=sum(len(g.findings) for g in problems),
    )


def _area_order(report: Report) -> list[Area]:
    """The verdict's area order, then any area that only appears in findings."""
    order = [a.area for a in report.verdict.areas]
    for f in report.findings:
        if f.area not in order:
            order.append(f.area)
    return order


def missing_lines(report: Report) -> list[str]:
    """State the source lacked, one line per reason: ``settings.global, processes (reason)``."""
    by_reason: dict[str, list[str]] = {}
    for m in report.missing:
        by_reason.setdefault(m.reason, []).append(m.item)
    return [clean(f"{', '.join(items)} ({reason})") for reason, items in by_reason.items()]


def data_source_line(ds: DataSource) -> str:
    """``name version: covers up to DATE — note (licence)``."""
    line = ds.name + (f" {ds.version}" if ds.version else "")
    line += f": covers up to {ds.covers_until}" if ds.covers_until else ": coverage date not stated"
    if ds.note:
        line += f" — {ds.note}"
    if ds.licence:
        line += f" (licence: {ds.licence})"
    return clean(line)


def device_facts(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Label/value pairs describing the device, for the details table (only what is known)."""
    d, i = snapshot.device, snapshot.integrity
    rows: list[tuple[str, str | None]] = [
        ("Brand / manufacturer", " / ".join(x for x in (d.brand, d.manufacturer) if x) or None),
        ("Model", d.model),
        ("Market name", d.marketname),
        ("Codename", d.device),
        ("ROM", " ".join(x for x in (d.rom, d.rom_version) if x) or None),
        ("ROM region", d.region),
        ("Android", f"{d.android_release} (SDK {d.sdk})" if d.android_release and d.sdk else d.android_release),
        ("Security patch level", d.security_patch.isoformat() if d.security_patch else None),
        ("Vendor patch level", d.vendor_security_patch.isoformat() if d.vendor_security_patch else None),
        ("Google Play system update", d.mainline_version),
        ("Build fingerprint", d.build_fingerprint),
        ("Build type / tags", " / ".join(x for x in (d.build_type, d.build_tags) if x) or None),
        ("Kernel", d.kernel_version),
        ("SoC", " ".join(x for x in (d.soc_manufacturer, d.soc_model) if x) or d.hardware),
        ("Bootloader", _yes_no(i.bootloader_locked, "locked", "unlocked")),
        ("Verified boot", i.verified_boot_state),
        ("SELinux", i.selinux),
        ("Encryption", " / ".join(x for x in (i.encryption_state, i.encryption_type) if x) or None),
        (
            "Root binaries found",
            ", ".join(i.root_binaries) if i.root_binaries else ("none" if i.root_binaries is not None else None),
        ),
    ]
    if snapshot.packages is not None:
        rows.append(("Packages", _package_counts(snapshot)))
    if snapshot.processes is not None:
        rows.append(("Running processes", str(len(snapshot.processes))))
    # Only the last path component: a report is often shared, the user's folder layout need not be.
    where = snapshot.source.location.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    rows.append(("Source", f"{snapshot.source.kind.value}: {where}"))
    rows.append(("Identifiers redacted", "yes" if snapshot.redacted else "no"))
    return [(label, clean(value)) for label, value in rows if value]


def _yes_no(value: bool | None, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)


def _package_counts(snapshot: Snapshot) -> str:
    pkgs = snapshot.packages or ()
    parts = [f"{len(pkgs)} total"]
    system = sum(1 for p in pkgs if p.system is True)
    user = sum(1 for p in pkgs if p.system is False)
    disabled = sum(1 for p in pkgs if p.enabled is False)
    if system or user:
        parts.append(f"{system} system, {user} user")
    if disabled:
        parts.append(f"{disabled} disabled")
    return ", ".join(parts)


def safe_url(ref: str) -> str | None:
    """``ref`` if it is a plain http(s) URL safe to make a link of, else None (shown as text)."""
    return ref if re.fullmatch(r"https?://[^\s<>\"'`\\]+", ref) else None


def truncated(items: Sequence[T], limit: int) -> tuple[Sequence[T], int]:
    """The first ``limit`` items and how many were left out (display only, never for scoring)."""
    return items[:limit], max(0, len(items) - limit)


# ------------------------------------------------------------------------------------------------
# Comparison (``howsafe compare``): the rows every format shows, in order
# ------------------------------------------------------------------------------------------------


def _flows_cells(col: DeviceColumn) -> list[str]:
    from howsafe.compare import FLOW_ROLES

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


def comparison_rows(cmp: Comparison) -> list[tuple[str, ...]]:
    """``(row name, one cell per phone)`` in display order; cells are cleaned display text."""
    from howsafe.compare import FLOW_ROLES

    cols = cmp.devices

    def row(name: str, cells: Sequence[object]) -> tuple[str, ...]:
        return (name, *(clean(c) for c in cells))

    out = [
        row("Device", [c.label for c in cols]),
        row("Source", [c.source for c in cols]),
        row("Overall grade", [f"{c.grade} ({c.score if c.score is not None else '-'})" for c in cols]),
    ]
    for area in Area:
        out.append(row(f"  {area_label(area)}", [c.areas.get(area.value, "?") for c in cols]))
    out += [
        row("Android", [c.android or "?" for c in cols]),
        row(
            "Security patch",
            [
                f"{c.security_patch or '?'}"
                + (f" ({c.patch_age_days} days old)" if c.patch_age_days is not None else "")
                for c in cols
            ],
        ),
        row("End of life", [c.end_of_life for c in cols]),
    ]
    flows = [_flows_cells(c) for c in cols]
    for i, role in enumerate(FLOW_ROLES):
        out.append(row(f"Vendor {role} packages", [f[i] for f in flows]))
    out.append(row("  of which send data to China", [f[-1] for f in flows]))
    out.append(row("Trackers in scanned apps", [_trackers_cell(c) for c in cols]))
    return out


def app_title(a: AppReport) -> str:
    """``label — package version`` (a resource-reference label is left out)."""
    label = a.label if a.label and not a.label.startswith("@0x") else None
    name = a.package or "(no manifest)"
    ver = f" {a.version_name}" if a.version_name else ""
    return clean(f"{label} — {name}{ver}" if label else f"{name}{ver}")


# ------------------------------------------------------------------------------------------------
# Harden plans
# ------------------------------------------------------------------------------------------------

PLAN_HEADINGS = {
    "package": "Packages to disable",
    "setting": "Settings to switch off",
    "account": "Accounts and backups to review",
    "unfixable": "What cannot be fixed on this phone",
}
"""Step kind -> its heading, in the order every format lists the groups."""

PLAN_DRY_RUN = "nothing is changed without --apply"


def plan_groups(plan: Plan) -> list[tuple[str, str, list[Step]]]:
    """The plan's steps by kind, as (kind, heading, steps), in :data:`PLAN_HEADINGS` order; kinds
    without steps are left out."""
    groups = []
    for kind, heading in PLAN_HEADINGS.items():
        steps = [s for s in plan.steps if s.kind == kind]
        if steps:
            groups.append((kind, heading, steps))
    return groups


def adb_line(c: Command) -> str:
    """A validated phone command as the user would type it."""
    return "adb shell " + c.shell


def apply_hint(plan: Plan) -> str:
    return f"Apply with: howsafe harden --adb --apply --level {plan.level}   (undo any time: howsafe undo --adb)"
