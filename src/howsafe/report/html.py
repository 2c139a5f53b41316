"""The HTML report: one self-contained page that works offline and cannot run script.

Why it is built this way:

- No CDN, web font, script or external image: the page is a single file a user can keep, mail or
  open on an air-gapped machine. CSS is inline; charts are inline SVG drawn from geometry computed
  here (layout only, the numbers come from the Report).
- App labels, package ids and properties are attacker-controlled. The template runs with Jinja2
  autoescaping and no value is ever marked safe; SVG is produced by the template too, so labels in
  charts are escaped like everything else. Links are only made from plain http(s) references.
- A Content-Security-Policy (``default-src 'none'; style-src 'unsafe-inline'; img-src data:``) is
  the second wall: even if an escaping bug slipped through, the browser would refuse to run script
  or fetch anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2

from howsafe.model import Chart, Grade, Report, Snapshot
from howsafe.report.interface import RenderOptions
from howsafe.report.layout import (
    KB_UPDATE_HINT,
    adb_line,
    app_title,
    apply_hint,
    area_name,
    build_layout,
    chart_value,
    comparison_rows,
    data_source_line,
    device_facts,
    device_title,
    grade_slug,
    headline_after_badge,
    missing_lines,
    plan_groups,
    safe_url,
    severity_label,
)
from howsafe.report.sanitize import clean
from howsafe.report.templating import environment

if TYPE_CHECKING:
    from howsafe.compare import Comparison
    from howsafe.corpus.report import CorpusStats
    from howsafe.harden.model import Plan
    from howsafe.report.documents import AppsDoc

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Geometry of the horizontal bar charts (SVG user units).
_LABEL_W = 230
_BAR_W = 330
_VALUE_W = 110
_ROW_H = 26
_TOP = 8
_LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart, already laid out."""

    label: str
    full_label: str
    value_text: str
    y: float
    width: float
    css: str


@dataclass(frozen=True)
class SvgChart:
    title: str
    width: int
    height: int
    label_w: int
    bar_w: int
    row_h: int
    bars: tuple[Bar, ...]


@cache
def _env() -> jinja2.Environment:
    return environment(jinja2.PackageLoader("howsafe.report", "templates"))


def _page(template: str, **context: Any) -> str:
    """One self-contained page from ``template``: every page gets the report's Content-Security-Policy
    and the sanitiser (``clean``) for its template."""
    return _env().get_template(template).render(csp=CSP, clean=clean, **context)


def render_html(report: Report, *, snapshot: Snapshot | None = None) -> str:
    layout = build_layout(report)
    return _page(
        "report.html.j2",
        report=report,
        verdict=report.verdict,
        layout=layout,
        title=device_title(report),
        area_chart=_area_chart(report),
        sections=[(s, [_chart(c) for c in s.charts]) for s in report.sections],
        facts=device_facts(snapshot) if snapshot is not None else None,
        data_sources=[data_source_line(ds) for ds in report.data_sources],
        missing=missing_lines(report),
        kb_hint=KB_UPDATE_HINT,
        area_name=area_name,
        grade_slug=grade_slug,
        headline_after_badge=headline_after_badge,
        severity_label=severity_label,
        safe_url=safe_url,
        Grade=Grade,
    )


def _area_chart(report: Report) -> SvgChart:
    bars = []
    for i, a in enumerate(report.verdict.areas):
        label = area_name(a.area)
        bars.append(
            Bar(
                label=label,
                full_label=label,
                value_text=(f"{a.grade.value} · {a.score:.0f}/100" if a.score is not None else "? · no data"),
                y=_TOP + i * _ROW_H,
                width=round(max(a.score or 0.0, 0.0) / 100 * _BAR_W, 1),
                css=f"g-{grade_slug(a.grade)}",
            )
        )
    return _svg("Grades by area", bars)


def _chart(chart: Chart) -> SvgChart:
    peak = max((abs(v) for _, v in chart.items), default=0.0) or 1.0
    bars = []
    for i, (label, value) in enumerate(chart.items):
        full = clean(label)
        short = full if len(full) <= _LABEL_CHARS else full[: _LABEL_CHARS - 1] + "…"
        bars.append(
            Bar(
                short,
                full,
                chart_value(value, chart.unit),
                _TOP + i * _ROW_H,
                round(abs(value) / peak * _BAR_W, 1),
                "bar",
            )
        )
    return _svg(clean(chart.title), bars)


def _svg(title: str, bars: list[Bar], *, label_w: int = _LABEL_W) -> SvgChart:
    return SvgChart(
        title=title,
        width=label_w + _BAR_W + _VALUE_W,
        height=_TOP * 2 + max(1, len(bars)) * _ROW_H,
        label_w=label_w,
        bar_w=_BAR_W,
        row_h=_ROW_H,
        bars=tuple(bars),
    )


# ------------------------------------------------------------------------------------------------
# Formatter-table entries (see howsafe.report.formats)
# ------------------------------------------------------------------------------------------------


def report_html(report: Report, options: RenderOptions) -> str:
    return render_html(report, snapshot=options.snapshot)


def compare_html(cmp: Comparison, options: RenderOptions) -> str:
    """The comparison as one self-contained page (same rows as the text and Markdown forms)."""
    return _page(
        "compare.html.j2",
        title=f"howsafe compare: {len(cmp.devices)} phones",
        tool=clean(options.tool or "howsafe"),
        cmp=cmp,
        rows=comparison_rows(cmp),
    )


def apps_html(doc: AppsDoc, options: RenderOptions) -> str:
    """App scan results as one self-contained page (labels and class names are escaped)."""
    return _page(
        "apps.html.j2",
        title=f"Trackers in apps — {clean(doc.tool)}",
        tool=clean(doc.tool),
        db=doc.db,
        apps=doc.apps,
        app_title=app_title,
    )


def harden_html(plan: Plan, options: RenderOptions) -> str:
    """The plan as one self-contained page (the same steps, commands and notes as the text form)."""
    groups = plan_groups(plan)
    starts, n = [], 1
    for _kind, _heading, steps in groups:  # steps are numbered across the groups, as in the text form
        starts.append(n)
        n += len(steps)
    return _page(
        "harden.html.j2",
        title=f"howsafe harden plan: {clean(plan.device)}",
        tool=clean(plan.tool or "howsafe"),
        plan=plan,
        groups=groups,
        starts=starts,
        adb_line=adb_line,
        apply_hint=apply_hint(plan),
    )


# Corpus charts: longer labels (permission names, host names) in a wider label column.
_CORPUS_LABEL_W = 320
_CORPUS_LABEL_CHARS = 48


@dataclass(frozen=True)
class CorpusTable:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CorpusBlock:
    """One part of the corpus page: an optional heading, then a bar chart or a table ("None."
    when there is nothing to show)."""

    title: str
    chart: SvgChart | None = None
    table: CorpusTable | None = None


def _corpus_chart(title: str, rows: list[dict[str, Any]], label: str, value: str, unit: str) -> CorpusBlock:
    """A bar chart of ``rows[value]`` by ``rows[label]``."""
    if not rows:
        return CorpusBlock(title)
    peak = max(float(r.get(value) or 0) for r in rows) or 1.0
    bars = []
    for i, r in enumerate(rows):
        v = float(r.get(value) or 0)
        full = clean(r.get(label), limit=None)
        short = full if len(full) <= _CORPUS_LABEL_CHARS else full[: _CORPUS_LABEL_CHARS - 1] + "…"
        bars.append(
            Bar(
                short,
                clean(full, limit=400),
                f"{v:g}{unit}",
                _TOP + i * _ROW_H,
                round(max(1.0, _BAR_W * v / peak), 1),
                "bar",
            )
        )
    return CorpusBlock(title, chart=_svg(title, bars, label_w=_CORPUS_LABEL_W))


def _corpus_cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(clean(x, limit=80) for x in value)
    return clean(value, limit=400)


def _corpus_table(rows: list[dict[str, Any]], cols: list[str], title: str = "") -> CorpusBlock:
    columns = tuple(c.replace("_", " ") for c in cols)
    return CorpusBlock(
        title, table=CorpusTable(columns, tuple(tuple(_corpus_cell(r.get(c)) for c in cols) for r in rows))
    )


def corpus_html(st: CorpusStats, options: RenderOptions) -> str:
    """The corpus figures as one offline page: inline SVG bar charts and tables, nothing loaded."""
    from howsafe import __version__

    blocks = [
        _corpus_chart("Tracker prevalence (% of apps read)", st.trackers, "tracker", "share", "%"),
        _corpus_table(st.trackers, ["tracker", "exodus_id", "company", "apps", "share"]),
        _corpus_chart("Tracker categories (% of apps read)", st.categories, "category", "share", "%"),
        _corpus_table(
            st.signers,
            ["signer", "apps", "apps_with_trackers", "share", "mean_trackers", "packages"],
            "Per signer",
        ),
        _corpus_chart("Permissions (% of apps read)", st.permissions, "permission", "share", "%"),
        _corpus_table(st.apps_per_tracker, ["tracker", "apps", "examples"], "Apps per tracker"),
    ]
    if st.grades:
        blocks.append(_corpus_table(st.grades, ["grade", "snapshots"], "Snapshot grades"))
    captures = []
    if st.captures:
        captures = [
            _corpus_chart("Top hosts (MB)", st.top_hosts, "host", "mb", " MB"),
            _corpus_table(st.top_hosts, ["host", "owner", "countries", "bytes", "packets", "flows", "captures"]),
            _corpus_chart("Hosts by owner (MB)", st.hosts_by_owner, "owner", "mb", " MB"),
            _corpus_table(st.hosts_by_owner, ["owner", "hosts", "bytes", "packets", "flows", "captures"]),
            _corpus_chart("Hosts by server country (MB)", st.hosts_by_country, "country", "mb", " MB"),
            _corpus_table(st.hosts_by_country, ["country", "hosts", "bytes", "packets", "flows", "captures"]),
        ]
    return _page(
        "corpus.html.j2",
        title="howsafe corpus report",
        tool=f"howsafe {__version__}",
        st=st,
        source=clean(st.source, limit=200),
        share=100.0 * st.apps_with_trackers / max(st.apps_ok, 1),
        errors=[(clean(e, limit=200), n) for e, n in st.errors],
        blocks=blocks,
        captures=captures,
    )
