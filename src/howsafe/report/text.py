"""The terminal report: readable at a glance, verdict first, then the few things to do.

Drawn with rich into a string (the CLI decides where it goes). Device strings are wrapped in
``rich.text.Text`` and never parsed as console markup, so a label such as ``[bold red]`` or
``[link=...]`` prints literally; ``layout.clean`` has already removed ANSI escapes and other control
characters that could rewrite the user's terminal. Without colour the output is plain text with
severity and grade markers that still read well in a log file or a pasted issue.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from howsafe.model import Chart, Finding, Grade, Report, Section, Severity, Snapshot
from howsafe.model import Table as ReportTable
from howsafe.report.interface import RenderOptions
from howsafe.report.layout import (
    KB_UPDATE_HINT,
    PLAN_DRY_RUN,
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
    evidence_line,
    headline_after_badge,
    missing_lines,
    plan_groups,
    severity_label,
    truncated,
)
from howsafe.report.sanitize import clean

if TYPE_CHECKING:
    from howsafe.compare import Comparison
    from howsafe.corpus.report import CorpusStats
    from howsafe.harden.model import Plan
    from howsafe.report.documents import AppsDoc, VulnsDoc

MAX_FINDINGS_PER_AREA = 20
MAX_EVIDENCE = 5
MAX_TABLE_ROWS = 25
BAR_WIDTH = 24

_GRADE_STYLE = {
    Grade.A: "bold green",
    Grade.B: "green",
    Grade.C: "yellow",
    Grade.D: "dark_orange",
    Grade.E: "red",
    Grade.F: "bold red",
    Grade.UNKNOWN: "dim",
}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_text(report: Report, *, snapshot: Snapshot | None = None, color: bool = False, width: int = 100) -> str:
    """The report drawn for a terminal ``width`` columns wide, with ANSI colour only if ``color``."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=max(40, width),
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    for block in _blocks(report, snapshot):
        console.print(block)
    # rich pads every line to the console width; trailing blanks only get in the way when pasted.
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _blocks(report: Report, snapshot: Snapshot | None) -> list[RenderableType]:
    layout = build_layout(report)
    v = report.verdict
    blocks: list[RenderableType] = []

    # 1. Verdict: grade, headline, explanation.
    head = Text.assemble(
        (f" {v.grade.value} ", f"reverse {_GRADE_STYLE[v.grade]}"),
        "  ",
        (clean(headline_after_badge(v.headline, v.grade)), "bold"),
    )
    body: list[RenderableType] = [head]
    if v.explanation:
        body.append(Text(clean(v.explanation)))
    score = f"score {v.score:.0f}/100" if v.score is not None else "score: not enough evidence"
    body.append(Text(f"{score} · profile {clean(report.profile)} · {device_title(report)}", style="dim"))
    if report.device.partial:
        body.append(Text("Partial snapshot: the source lacked some state (see 'Not checked').", style="yellow"))
    blocks.append(Panel(Group(*body), title=Text("Verdict", style="bold"), title_align="left", expand=True))

    # 1b. The owner's questions, one line each.
    if report.answers:
        blocks.append(_heading("Your questions"))
        for ans in report.answers:
            blocks.append(Padding(Text.assemble((clean(ans.question), "bold"), " ", clean(ans.answer)), (0, 0, 0, 2)))

    # 2. Area grades.
    grades = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    grades.add_column("grade", no_wrap=True)
    grades.add_column("area", no_wrap=True)
    grades.add_column("bar", no_wrap=True)
    grades.add_column("summary", overflow="fold")
    for a in layout.areas:
        filled = round((a.score or 0) / 100 * 12) if a.score is not None else 0
        bar = "█" * filled + "░" * (12 - filled) if a.score is not None else "  (no data)  "
        grades.add_row(
            Text(f"[{a.grade.value}]", style=_GRADE_STYLE[a.grade]),
            Text(area_name(a.area)),
            Text(bar + (f" {a.score:3.0f}" if a.score is not None else ""), style=_GRADE_STYLE[a.grade]),
            Text(clean(a.summary)),
        )
    blocks += [_heading("Grades by area"), Padding(grades, (0, 0, 0, 2))]

    # 3. Top actions.
    blocks.append(_heading("What to do first"))
    if v.top_actions:
        for n, action in enumerate(v.top_actions, 1):
            blocks.append(
                Padding(
                    Group(
                        Text.assemble((f"{n}. ", "bold"), (clean(action.title), "bold")),
                        Padding(Text(clean(action.remediation)), (0, 0, 0, 3)),
                    ),
                    (0, 0, 0, 2),
                )
            )
    else:
        blocks.append(Padding(Text("Nothing to fix: no failed check has a remediation."), (0, 0, 0, 2)))

    # 4. Problems by area with compact evidence.
    blocks.append(_heading(f"Problems found ({layout.failed_count})"))
    if not layout.problems:
        blocks.append(Padding(Text("No check failed."), (0, 0, 0, 2)))
    for group in layout.problems:
        blocks.append(
            Padding(
                Text.assemble(
                    (f"[{group.grade.value}] ", _GRADE_STYLE[group.grade]), (clean(group.label), "bold underline")
                ),
                (0, 0, 0, 2),
            )
        )
        shown, hidden = truncated(group.findings, MAX_FINDINGS_PER_AREA)
        for f in shown:
            blocks.append(Padding(_finding(f), (0, 0, 0, 4)))
        if hidden:
            blocks.append(
                Padding(
                    Text(f"… and {hidden} more in this area (see --format html or json)", style="dim"), (0, 0, 0, 4)
                )
            )

    # 5. What could not be checked.
    if layout.unchecked or layout.errors or report.missing:
        blocks.append(_heading("Not checked"))
        gaps = Table.grid(padding=(0, 1))
        gaps.add_column("marker", no_wrap=True)
        gaps.add_column("what", overflow="fold")
        for u in layout.unchecked:
            titles = "; ".join(clean(f.summary or f.title) for f in u.findings[:3])
            more = f" (+{len(u.findings) - 3} more)" if len(u.findings) > 3 else ""
            line = f"{clean(u.label)}: {clean(u.summary)}" + (f" — {titles}{more}" if titles else "")
            gaps.add_row(Text("?"), Text(line, style="dim" if not u.findings else ""))
        for f in layout.errors:
            gaps.add_row(Text("!", style="yellow"), Text(f"{clean(f.title)}: {clean(f.summary)}", style="yellow"))
        for line in missing_lines(report):
            gaps.add_row(Text("-"), Text(f"missing from the source: {line}"))
        blocks.append(Padding(gaps, (0, 0, 0, 2)))

    if layout.passed:
        blocks.append(Padding(Text(f"{len(layout.passed)} checks passed.", style="green"), (1, 0, 0, 2)))

    # 6. Device details.
    if snapshot is not None:
        facts = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        facts.add_column("what", style="bold", no_wrap=True)
        facts.add_column("value", overflow="fold")
        for label, value in device_facts(snapshot):
            facts.add_row(Text(label), Text(value))
        blocks += [_heading("Device"), Padding(facts, (0, 0, 0, 2))]

    # 7. Data sources.
    blocks.append(_heading("Knowledge used"))
    if report.data_sources:
        for ds in report.data_sources:
            blocks.append(Padding(Text("- " + data_source_line(ds)), (0, 0, 0, 2)))
        blocks.append(
            Padding(Text(f"Data is only as current as these dates: {KB_UPDATE_HINT}.", style="dim"), (0, 0, 0, 2))
        )
    else:
        blocks.append(Padding(Text("No knowledge data was used by this audit."), (0, 0, 0, 2)))

    # 8. Detail sections.
    for section in report.sections:
        blocks += _section(section)

    blocks.append(Text(f"\n{clean(report.tool)} · generated {report.generated_at.isoformat()}", style="dim"))
    return blocks


def _heading(title: str) -> RenderableType:
    return Group(Text(""), Rule(Text(title, style="bold"), align="left", characters="─"))


def _finding(f: Finding) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column("severity", no_wrap=True, width=8)
    grid.add_column("body", overflow="fold")
    lines: list[RenderableType] = [Text(clean(f.title), style="bold")]
    if f.summary:
        lines.append(Text(clean(f.summary)))
    shown, hidden = truncated(f.evidence, MAX_EVIDENCE)
    lines += [Text("seen: " + evidence_line(ev), style="dim") for ev in shown]
    if hidden:
        lines.append(Text(f"… +{hidden} more evidence items", style="dim"))
    grid.add_row(Text(severity_label(f.severity), style=_SEVERITY_STYLE[f.severity]), Group(*lines))
    return grid


def _section(section: Section) -> list[RenderableType]:
    out: list[RenderableType] = [_heading(clean(section.title))]
    if section.summary:
        out.append(Padding(Text(clean(section.summary)), (0, 0, 0, 2)))
    for chart in section.charts:
        out.append(Padding(_chart(chart), (0, 0, 0, 2)))
    for table in section.tables:
        out.append(Padding(_table(table), (0, 0, 0, 2)))
    return out


def _chart(chart: Chart) -> RenderableType:
    t = Table(
        title=Text(clean(chart.title), style="bold"),
        title_justify="left",
        box=None,
        show_header=False,
        pad_edge=False,
        padding=(0, 1),
    )
    # labels wrap between words at 40 columns; a longer word (a host, a package id) widens the
    # column rather than being cut, unless the terminal is too narrow for it
    t.add_column("label", overflow="fold", max_width=max([40, *(longest_word(clean(lb)) for lb, _ in chart.items)]))
    t.add_column("bar", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    peak = max((abs(v) for _, v in chart.items), default=0.0) or 1.0
    for label, value in chart.items:
        n = round(abs(value) / peak * BAR_WIDTH)
        t.add_row(Text(clean(label)), Text("█" * n or "▏", style="cyan"), Text(chart_value(value, chart.unit)))
    return t


def _table(table: ReportTable) -> RenderableType:
    rows: Sequence[tuple[str, ...]]
    rows, hidden = truncated(table.rows, MAX_TABLE_ROWS)
    return _WordTable(
        clean(table.title),
        [clean(c) for c in table.columns],
        [[clean(c) for c in row] for row in rows],
        f"… {hidden} more rows (see --format html or json)" if hidden else None,
    )


def longest_word(text: str) -> int:
    """The terminal width of the longest word of ``text`` (what a column needs to cut no word)."""
    return max((cell_len(w) for w in text.split()), default=0)


def fit_widths(natural: Sequence[int], floors: Sequence[int], budget: int, *, first: int = 0) -> list[int]:
    """Column widths from ``natural`` whose sum fits ``budget`` when the ``floors`` allow: the widest
    column above its floor (from index ``first`` on) gives up one character at a time. What still
    does not fit stays over budget; the caller decides what to give up next."""
    widths = list(natural)
    while sum(widths) > budget:
        above = [i for i in range(first, len(widths)) if widths[i] > floors[i]]
        if not above:
            break
        widths[max(above, key=lambda i: widths[i])] -= 1
    return widths


class _WordTable:
    """A boxed table whose columns are never narrower than their longest word while the terminal
    allows it (versions, host names, package ids and CVE ids stay whole); rich's own shrinking
    narrows the widest columns alike and cuts such words in the middle. A word wider than the
    whole terminal is the only thing folded."""

    def __init__(self, title: str, columns: list[str], rows: list[list[str]], caption: str | None) -> None:
        self.title = title
        self.columns = columns
        self.rows = [r + [""] * (len(columns) - len(r)) for r in rows]
        self.caption = caption

    def _widths(self, max_width: int) -> list[int]:
        cells = [self.columns, *self.rows]
        n = len(self.columns)
        natural = [max(max(cell_len(r[i]) for r in cells), 1) for i in range(n)]
        words = [max(max(longest_word(r[i]) for r in cells), 1) for i in range(n)]
        budget = max_width - 3 * n - 1  # one space of padding each side, n + 1 rules
        widths = fit_widths(natural, words, budget)
        return fit_widths(widths, [4] * n, budget)  # last resort: fold the widest columns

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = Table(title=Text(self.title, style="bold"), title_justify="left", show_lines=False)
        for col, width in zip(self.columns, self._widths(options.max_width), strict=True):
            t.add_column(Text(col), overflow="fold", width=width)
        for row in self.rows:
            t.add_row(*(Text(c) for c in row))
        if self.caption:
            t.caption = self.caption
        yield t


# ------------------------------------------------------------------------------------------------
# Formatter-table entries (see howsafe.report.formats) and the other commands' documents
# ------------------------------------------------------------------------------------------------


def report_text(report: Report, options: RenderOptions) -> str:
    return render_text(report, snapshot=options.snapshot, color=options.color, width=options.width)


def columns_text(rows: Sequence[Sequence[str]], width: int, *, header: Sequence[str] | None = None) -> list[str]:
    """Rows laid out in columns that fit ``width``: cells wrap between words, never inside one
    while the width allows every column its longest word (beyond that, a word longer than its
    column is folded). Cells must already be cleaned."""
    all_rows = [list(header)] if header else []
    all_rows += [list(r) for r in rows]
    if not all_rows:
        return []
    n = max(len(r) for r in all_rows)
    all_rows = [r + [""] * (n - len(r)) for r in all_rows]
    natural = [max(len(r[i]) for r in all_rows) for i in range(n)]
    words = [max(longest_word(r[i]) for r in all_rows) for i in range(n)]
    gap = 2
    budget = max(n * 8, width - gap * (n - 1))
    # Narrow the widest value column first, then the row names too; no column gets narrower than
    # its longest word (a version, a host, a package id stays whole) while the width allows it.
    # Only then are words folded, down to 8 columns.
    widths = fit_widths(natural, [max(12, w) for w in words], budget, first=1)
    widths = fit_widths(widths, [max(8, w) for w in words], budget)
    widths = fit_widths(widths, [8] * n, budget)
    out: list[str] = []
    for r in all_rows:
        cells = [textwrap.wrap(c, widths[i], break_on_hyphens=False) or [""] for i, c in enumerate(r)]
        for k in range(max(len(c) for c in cells)):
            parts = [(c[k] if k < len(c) else "").ljust(widths[i]) for i, c in enumerate(cells)]
            out.append((" " * gap).join(parts).rstrip())
    return out


def compare_text(cmp: Comparison, options: RenderOptions) -> str:
    rows = comparison_rows(cmp)
    lines = [f"howsafe compare, profile: {clean(cmp.profile_name)}", ""]
    lines += columns_text(rows, options.width)
    lines.append("")
    for col in cmp.devices:
        lines.append(f"{clean(col.label)}: {clean(col.headline)}")
    if cmp.differences:
        lines += ["", "What differs:"] + [f"- {clean(d)}" for d in cmp.differences]
    return "\n".join(lines) + "\n"


def vulns_text(doc: VulnsDoc, options: RenderOptions) -> str:
    from howsafe.vulns.match import data_line, one_line

    a = doc.assessment
    lines = [f"{clean(doc.device)}: {clean(one_line(a))}."]
    if a.open:
        lines.append("")
        rows = []
        for v in a.open:
            e = v.entry
            comp = (f"{e.vendor}: " if e.vendor and not e.component.startswith(e.vendor) else "") + e.component
            rows.append(
                [
                    clean(e.cve),
                    clean(e.severity_label),
                    clean(e.type or "-"),
                    clean(comp),
                    e.spl.isoformat(),
                    v.status.value,
                ]
            )
        lines += columns_text(
            rows, options.width, header=["CVE", "severity", "type", "component", "fixed in", "status"]
        )
    lines.append("")
    lines.append(clean(data_line(a)))
    return "\n".join(lines) + "\n"


def kb_text(entries: Sequence[dict[str, object]], options: RenderOptions) -> str:
    return "\n".join(_kb_entry(e) for e in entries)


def _kb_entry(obj: dict[str, object]) -> str:
    if obj["role"] == "unknown":
        return f"{clean(obj['id'])}: unknown (not in the knowledge base)\n"
    lines = [clean(obj["id"]) + (f"  ({clean(obj['label'])})" if obj.get("label") else "")]

    def row(name: str, value: object) -> None:
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            lines.append(f"  {name:<13}{clean(value)}")

    row("vendor", obj["vendor"])
    row("role", obj["role"])
    row("data", obj["data"])
    row("domains", obj["domains"])
    removal = str(obj["removal"])
    if obj.get("account_bound"):
        removal += " (account-bound: sign out first)"
    if obj.get("breaks"):
        removal += f" (breaks: {obj['breaks']})"
    row("removal", removal)
    row("why never", obj.get("never_reason"))
    row("override", obj.get("override_reason"))
    row("jurisdiction", obj["jurisdiction"])
    row("hosted", obj["hosted"])
    row("about", obj["description"])
    row("confidence", f"{obj['confidence']} (matched by {obj['matched_by']})")
    sources = obj.get("sources")
    for src in sources if isinstance(sources, list) else ():
        row("source", src)
    return "\n".join(lines) + "\n"


def apps_text(doc: AppsDoc, options: RenderOptions) -> str:
    apps = doc.apps
    lines: list[str] = []
    for a in apps:
        lines.append(clean(a.path))
        if a.error:
            lines.append(f"  error: {clean(a.error)}: {clean(a.error_detail)}")
            lines.append("")
            continue
        lines.append(f"  app:         {app_title(a)} (versionCode {a.version_code}, {clean(a.kind)})")
        if a.label and a.label.startswith("@0x"):
            lines.append(f"  label:       resource {clean(a.label)}")
        lines.append(f"  sdk:         min {a.min_sdk}, target {a.target_sdk}")
        lines.append(f"  signer:      {clean(', '.join(a.signer_sha256)) or 'unsigned'}")
        lines.append(f"  classes:     {a.classes_scanned} in {len(a.dex_files)} DEX file(s)")
        lines.append(f"  permissions: {len(a.permissions)}")
        for p in a.permissions:
            lines.append(f"    {clean(p)}")
        if not a.trackers:
            lines.append("  trackers:    none found")
        else:
            lines.append(f"  trackers:    {len(a.trackers)}")
            for h in a.trackers:
                ident = f"εxodus #{h.exodus_id}" if h.exodus_id is not None else ""
                if h.origin == "howsafe":
                    ident = f"{ident}, howsafe signature" if ident else "howsafe signature"
                cats = ", ".join(h.categories)
                lines.append(f"    - {clean(h.name)} [{ident}; {clean(cats)}; {clean(h.company or 'company unknown')}]")
                lines.append(f"      {h.class_count} classes, e.g. {clean(', '.join(h.classes[:3]))}")
                if h.confidence == "low":
                    lines.append(f"      doubtful: {clean(h.reason)}")
        for w in a.warnings:
            lines.append(f"  note: {clean(w)}")
        lines.append("")
    ok = [a for a in apps if a.error is None]
    n_tr = sum(1 for a in ok if a.trackers)
    lines.append(f"{len(apps)} inputs: {len(ok)} scanned, {n_tr} with trackers, {len(apps) - len(ok)} unreadable")
    return "\n".join(lines) + "\n"


def harden_text(plan: Plan, options: RenderOptions) -> str:
    """The plan step by step: why, what stops working, the phone commands and their inverses."""
    out: list[str] = [
        f"howsafe harden plan: {clean(plan.device)}",
        f"profile {clean(plan.profile)}, level {plan.level}; dry run: {PLAN_DRY_RUN}",
        "",
    ]
    n = 0
    for kind, heading, steps in plan_groups(plan):
        out.append(f"{heading}:")
        for s in steps:
            n += 1
            tag = f"[{s.level}] " if s.action else ""
            out.append(f" {n}. {tag}{clean(s.title)}")
            out.append(f"    why: {clean(s.reason)}")
            if s.collects:
                out.append(f"    collects: {clean(', '.join(s.collects))}")
            if s.breaks:
                out.append(f"    stops working: {clean(s.breaks)}")
            if s.removal:
                out.append(f"    removal level in the knowledge base: {clean(s.removal)}")
            if s.requires:
                out.append(f"    first: {clean(s.requires)}")
            if s.menu:
                label = "where" if kind == "setting" else "what to do"
                out.append(f"    {label}: {clean(s.menu)}")
            for c in s.action:
                out.append(f"    do:   {clean(adb_line(c))}")
            for c in s.undo:
                out.append(f"    undo: {clean(adb_line(c))}")
            out.append(f"    source: {clean('; '.join(s.source))}")
        out.append("")
    if not plan.steps:
        out.append("Nothing to do at this level for this source.")
        out.append("")
    if plan.held_back:
        out.append("Not offered at this level:")
        for h in plan.held_back:
            out.append(f" - [{h.level}] {clean(h.package)}: {clean(h.reason)}")
        out.append("")
    for note in plan.notes:
        out.append(f"note: {clean(note)}")
    if plan.phone_steps:
        out.append(clean(apply_hint(plan)))
    return "\n".join(out).rstrip() + "\n"


# Corpus statistics: cells bounded shorter than device strings (a corpus holds thousands of rows).
_CORPUS_CELL = 200
_CORPUS_EXAMPLE = 80


def corpus_text(st: CorpusStats, options: RenderOptions) -> str:
    """The corpus figures as plain lines: summary, then one block per table."""
    lines = [
        f"Corpus: {clean(st.source, limit=_CORPUS_CELL)}",
        f"  {st.apps} app(s): {st.apps_ok} read, {st.apps - st.apps_ok} not readable; "
        f"{st.distinct_packages} distinct package(s); {st.dex_bytes / 1e6:.1f} MB of DEX",
        f"  {st.apps_with_trackers} app(s) with at least one tracker "
        f"({100.0 * st.apps_with_trackers / max(st.apps_ok, 1):.1f}% of those read)",
    ]
    if st.snapshots:
        lines.append(f"  {st.snapshots} device snapshot(s)")
    if st.errors:
        lines.append("  errors: " + ", ".join(f"{clean(e, limit=_CORPUS_CELL)} {n}" for e, n in st.errors))

    def table(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
        lines.append("")
        lines.append(title)
        if not rows:
            lines.append("  (none)")
            return
        for r in rows:
            lines.append("  " + "  ".join(clean(r.get(c), limit=_CORPUS_CELL) for c in cols))

    table("Tracker prevalence (apps, % of apps read):", st.trackers, ["apps", "share", "tracker"])
    table("Per category:", st.categories, ["apps", "share", "category"])
    table(
        "Per signer (apps, with trackers, %, mean trackers, signer, packages):",
        st.signers,
        ["apps", "apps_with_trackers", "share", "mean_trackers", "signer", "packages"],
    )
    table("Permissions (apps, %):", st.permissions, ["apps", "share", "permission"])
    lines.append("")
    lines.append("Apps per tracker:")
    if not st.apps_per_tracker:
        lines.append("  (none)")
    for r in st.apps_per_tracker:
        examples = ", ".join(clean(x, limit=_CORPUS_EXAMPLE) for x in (r.get("examples") or []))
        lines.append(f"  {clean(r['tracker'], limit=_CORPUS_CELL)} ({r['apps']}): {examples}")
    if st.grades:
        table("Snapshot grades:", st.grades, ["snapshots", "grade"])
    if st.captures:
        lines.append("")
        lines.append(f"{st.captures} traffic capture(s), {st.captures_read} with hosts read")
        table(
            "Top hosts (MB, packets, flows, captures, owner, countries, host):",
            st.top_hosts,
            ["mb", "packets", "flows", "captures", "owner", "countries", "host"],
        )
        table(
            "Hosts by owner (MB, packets, hosts, captures, owner):",
            st.hosts_by_owner,
            ["mb", "packets", "hosts", "captures", "owner"],
        )
        table(
            "Hosts by server country (MB, packets, hosts, captures, country):",
            st.hosts_by_country,
            ["mb", "packets", "hosts", "captures", "country"],
        )
    return "\n".join(lines) + "\n"
