"""Reporters: lay out a Report (and optionally the Snapshot's device details) in one format.

``render(report, fmt)`` is the only entry point other parts need. Reporters are pure: they never
score or judge, they only arrange what the engine decided, so every format tells the same story in
the same order (verdict, area grades, top actions, problems with evidence, what was not checked,
device details, knowledge used, detail sections). Formats: ``text`` (rich, for terminals),
``json`` (the stable schema documented in docs/report-format.md), ``md`` and ``html`` (a
self-contained page with inline SVG charts and a strict Content-Security-Policy).
"""

from __future__ import annotations

from howsafe.errors import ReportError
from howsafe.model import Report, Snapshot

FORMATS = ("text", "json", "md", "html")

__all__ = ["FORMATS", "render"]


def render(
    report: Report,
    fmt: str,
    *,
    snapshot: Snapshot | None = None,
    color: bool = False,
    width: int = 100,
) -> str:
    """The report as a string in ``fmt`` (``text``, ``json``, ``md`` or ``html``).

    ``snapshot`` adds a device details table (fingerprint, ROM, patch level, package counts) to
    the human formats; ``color`` and ``width`` only affect ``text``.
    """
    if fmt == "text":
        from howsafe.report.text import render_text

        return render_text(report, snapshot=snapshot, color=color, width=width)
    if fmt == "json":
        from howsafe.report.json_report import render_json

        return render_json(report)
    if fmt in ("md", "markdown"):
        from howsafe.report.markdown import render_markdown

        return render_markdown(report, snapshot=snapshot)
    if fmt == "html":
        from howsafe.report.html import render_html

        return render_html(report, snapshot=snapshot)
    raise ReportError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
