"""The Markdown report: the terminal report's order, for issues, wikis and chat.

Every string is escaped so that a hostile label cannot add Markdown structure (headings, links,
table cells) or raw HTML (which most Markdown renderers pass through): Markdown punctuation that
can open inline structure gets a backslash, ``< > &`` become entities, and line breaks become
spaces. No device string is ever put inside a code span, where escapes do not apply.
"""

from __future__ import annotations

import re

from howsafe.model import Chart, Finding, Report, Section, Snapshot
from howsafe.model import Table as ReportTable
from howsafe.report.layout import (
    KB_UPDATE_HINT,
    area_name,
    build_layout,
    chart_value,
    clean,
    data_source_line,
    device_facts,
    device_title,
    evidence_line,
    missing_lines,
    safe_url,
    severity_label,
)

# What can start inline structure: emphasis, code, links/images, table cells, strike-through.
_PUNCT = re.compile(r"([\\`*_\[\]|~])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")
_BAR = 20


def md_escape(value: object) -> str:
    """Escape ``value`` for Markdown inline text (also safe inside a table cell).

    Surrounding blanks are dropped (leading ones could make a code block, trailing ones a line
    break) and a leading block marker (``-``, ``+``, ``#``, ``=``, ``1.``) is escaped, since some
    strings (a list item's text, a paragraph) start a line.
    """
    text = clean(value).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCT.sub(r"\\\1", text)
    text = _LEADING_NUMBER.sub(r"\1\\\2", text)
    return "\\" + text if text[:1] in ("-", "+", "#", "=") else text


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
        w(f"| {md_escape(area_name(a.area))} | {md_escape(a.grade.value)} | {sc} | {md_escape(a.summary)} |")
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
            w(f"| {md_escape(label)} | {md_escape(value)} |")
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
        out.append(f"| {md_escape(label)} | {bar} | {md_escape(chart_value(value, chart.unit))} |")
    return [*out, ""]


def _table(table: ReportTable) -> list[str]:
    if not table.columns:
        return []
    out = [f"**{md_escape(table.title)}**", ""]
    out.append("| " + " | ".join(md_escape(c) for c in table.columns) + " |")
    out.append("|" + " --- |" * len(table.columns))
    for row in table.rows:
        cells = [*row, *([""] * (len(table.columns) - len(row)))][: len(table.columns)]
        out.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    return [*out, ""]
