"""The Markdown report: the terminal report's order, for issues, wikis and chat.

Every string goes through :func:`howsafe.report.sanitize.md_escape`, so that a hostile label
cannot add Markdown structure (headings, links, table cells) or raw HTML (which most Markdown
renderers pass through). Code spans stay code spans (their content is literal) and ``>`` stays
readable inside a line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe.model import Chart, Finding, Report, Section, Snapshot
from howsafe.model import Table as ReportTable
from howsafe.report.interface import RenderOptions
from howsafe.report.layout import (
    KB_UPDATE_HINT,
    adb_line,
    area_name,
    build_layout,
    chart_value,
    comparison_rows,
    data_source_line,
    device_facts,
    device_title,
    evidence_line,
    missing_lines,
    plan_groups,
    safe_url,
    severity_label,
)
from howsafe.report.sanitize import md_cell as md_cell  # re-exported
from howsafe.report.sanitize import md_escape as md_escape  # re-exported

if TYPE_CHECKING:
    from howsafe.compare import Comparison
    from howsafe.harden.model import Plan
    from howsafe.report.documents import VulnsDoc

_BAR = 20


def render_markdown(report: Report, *, snapshot: Snapshot | None = None) -> str:
    layout = build_layout(report)
    v = report.verdict
    out: list[str] = []
    w = out.append

    w(f"# howsafe report: {md_escape(device_title(report))}")
    w("")
    w(f"## Verdict — {md_escape(v.headline)}")  # the headline already starts with the grade
    w("")
    if v.explanation:
        w(md_escape(v.explanation))
        w("")
    score = f"{v.score:.0f}/100" if v.score is not None else "not enough evidence"
    w(f"Score {md_escape(score)} · profile **{md_escape(report.profile)}**")
    if report.device.partial:
        w("")
        w("> Partial snapshot: the source lacked some state (see *Not checked*).")
    w("")

    if report.answers:
        w("## Your questions")
        w("")
        for ans in report.answers:
            w(f"- **{md_escape(ans.question)}** {md_escape(ans.answer)}")
        w("")

    w("## Grades by area")
    w("")
    w("| Area | Grade | Score | Summary |")
    w("| --- | :---: | ---: | --- |")
    for a in layout.areas:
        sc = f"{a.score:.0f}" if a.score is not None else "–"
        w(f"| {md_cell(area_name(a.area))} | {md_cell(a.grade.value)} | {sc} | {md_cell(a.summary)} |")
    w("")

    w("## What to do first")
    w("")
    if v.top_actions:
        for n, action in enumerate(v.top_actions, 1):
            w(f"{n}. **{md_escape(action.title)}**: {md_escape(action.remediation)}")
    else:
        w("Nothing to fix: no failed check has a remediation.")
    w("")

    w(f"## Problems found ({layout.failed_count})")
    w("")
    if not layout.problems:
        w("No check failed.")
        w("")
    for group in layout.problems:
        w(f"### {md_escape(group.label)} (grade {md_escape(group.grade.value)})")
        w("")
        for f in group.findings:
            out.extend(_finding(f))
        w("")

    if layout.unchecked or layout.errors or report.missing:
        w("## Not checked")
        w("")
        for u in layout.unchecked:
            w(f"- **{md_escape(u.label)}**: {md_escape(u.summary)}")
            for f in u.findings:
                w(f"  - {md_escape(f.title)}: {md_escape(f.summary)}")
        for f in layout.errors:
            w(f"- Error: {md_escape(f.title)}: {md_escape(f.summary)}")
        for line in missing_lines(report):
            w(f"- Missing from the source: {md_escape(line)}")
        w("")
    if layout.passed:
        w(f"{len(layout.passed)} checks passed.")
        w("")

    if snapshot is not None:
        w("## Device")
        w("")
        w("| Property | Value |")
        w("| --- | --- |")
        for label, value in device_facts(snapshot):
            w(f"| {md_cell(label)} | {md_cell(value)} |")
        w("")

    w("## Knowledge used")
    w("")
    if report.data_sources:
        for ds in report.data_sources:
            w(f"- {md_escape(data_source_line(ds))}")
        w("")
        w(f"Data is only as current as these dates: {KB_UPDATE_HINT}.")
    else:
        w("No knowledge data was used by this audit.")
    w("")

    for section in report.sections:
        out.extend(_section(section))

    w(f"*{md_escape(report.tool)} · generated {md_escape(report.generated_at.isoformat())}*")
    return "\n".join(out) + "\n"


def _finding(f: Finding) -> list[str]:
    lines = [f"- **{md_escape(severity_label(f.severity))}** {md_escape(f.title)}"]
    if f.summary:
        lines.append(f"  - {md_escape(f.summary)}")
    for ev in f.evidence:
        lines.append(f"  - seen: {md_escape(evidence_line(ev))}")
    if f.remediation:
        lines.append(f"  - fix: {md_escape(f.remediation)}")
    refs = [f"<{r}>" if safe_url(r) else md_escape(r) for r in f.references]
    if refs:
        lines.append("  - references: " + ", ".join(refs))
    return lines


def _section(section: Section) -> list[str]:
    out = [f"## {md_escape(section.title)}", ""]
    if section.summary:
        out += [md_escape(section.summary), ""]
    for chart in section.charts:
        out += _chart(chart)
    for table in section.tables:
        out += _table(table)
    return out


def _chart(chart: Chart) -> list[str]:
    peak = max((abs(v) for _, v in chart.items), default=0.0) or 1.0
    out = [f"**{md_escape(chart.title)}**", "", "| Item | | Value |", "| --- | --- | ---: |"]
    for label, value in chart.items:
        bar = "█" * round(abs(value) / peak * _BAR) or "▏"
        out.append(f"| {md_cell(label)} | {bar} | {md_cell(chart_value(value, chart.unit))} |")
    return [*out, ""]


def _table(table: ReportTable) -> list[str]:
    if not table.columns:
        return []
    out = [f"**{md_escape(table.title)}**", ""]
    out.append("| " + " | ".join(md_cell(c) for c in table.columns) + " |")
    out.append("|" + " --- |" * len(table.columns))
    for row in table.rows:
        cells = [*row, *([""] * (len(table.columns) - len(row)))][: len(table.columns)]
        out.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return [*out, ""]


# ------------------------------------------------------------------------------------------------
# Formatter-table entries (see howsafe.report.formats)
# ------------------------------------------------------------------------------------------------


def report_md(report: Report, options: RenderOptions) -> str:
    return render_markdown(report, snapshot=options.snapshot)


def compare_md(cmp: Comparison, options: RenderOptions) -> str:
    rows = comparison_rows(cmp)
    head, body = rows[0], rows[1:]
    lines = [
        f"# howsafe compare ({md_escape(cmp.profile_name)})",
        "",
        "| |" + "".join(f" {md_cell(c)} |" for c in head[1:]),
        "|---|" + "---|" * (len(head) - 1),
    ]
    for row in body:
        lines.append("| " + " | ".join(md_cell(c) for c in row) + " |")
    lines += ["", *[f"- **{md_escape(c.label)}**: {md_escape(c.headline)}" for c in cmp.devices]]
    if cmp.differences:
        lines += ["", "## What differs", "", *[f"- {md_escape(d)}" for d in cmp.differences]]
    return "\n".join(lines) + "\n"


def vulns_md(doc: VulnsDoc, options: RenderOptions) -> str:
    from howsafe.vulns.match import data_line, one_line

    a = doc.assessment
    lines = [f"# Open vulnerabilities: {md_escape(doc.device)}", "", md_escape(one_line(a) + "."), ""]
    if a.open:
        lines += ["| CVE | Severity | Type | Component | Fixed in | Status |", "|---|---|---|---|---|---|"]
        for v in a.open:
            e = v.entry
            comp = (f"{e.vendor}: " if e.vendor and not e.component.startswith(e.vendor) else "") + e.component
            cve = f"[{md_cell(e.cve)}](<{e.url}>)" if e.url and safe_url(e.url) else md_cell(e.cve)
            lines.append(
                f"| {cve} | {md_cell(e.severity_label)} | {md_cell(e.type or '-')} | {md_cell(comp)} | "
                f"{e.spl.isoformat()} | {md_cell(v.status.value)} |"
            )
        lines.append("")
    lines.append(md_escape(data_line(a)))
    return "\n".join(lines) + "\n"


def harden_md(plan: Plan, options: RenderOptions) -> str:
    out = [
        f"# howsafe harden plan: {md_escape(plan.device)}",
        "",
        f"Profile **{md_escape(plan.profile)}**, level **{md_escape(plan.level)}**. "
        "Dry run: nothing is changed without `--apply`.",
        "",
    ]
    for _kind, heading, steps in plan_groups(plan):
        out += [f"## {heading}", ""]
        for s in steps:
            tag = f" (level {md_escape(s.level)})" if s.action else ""
            out.append(f"- **{md_escape(s.title)}**{tag}")
            out.append(f"  - why: {md_escape(s.reason)}")
            if s.breaks:
                out.append(f"  - stops working: {md_escape(s.breaks)}")
            if s.requires:
                out.append(f"  - first: {md_escape(s.requires)}")
            if s.menu:
                out.append(f"  - where: {md_escape(s.menu)}")
            for c in s.action:
                out.append(f"  - do: {md_escape(adb_line(c))}")
            for c in s.undo:
                out.append(f"  - undo: {md_escape(adb_line(c))}")
            out.append(f"  - source: {md_escape('; '.join(s.source))}")
        out.append("")
    if plan.held_back:
        out += ["## Not offered at this level", ""]
        out += [f"- {md_escape(h.package)} ({md_escape(h.level)}): {md_escape(h.reason)}" for h in plan.held_back]
        out.append("")
    out += [f"> {md_escape(n)}" for n in plan.notes]
    return "\n".join(out).rstrip() + "\n"
