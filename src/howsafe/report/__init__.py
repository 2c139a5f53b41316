"""Reporters: lay out a Report (and optionally the Snapshot's device details) in one format.

``render(report, fmt)`` is the only entry point other parts need. Reporters are pure: they never
score or judge, they only arrange what the engine decided, so every format tells the same story in
the same order (verdict, area grades, top actions, problems with evidence, what was not checked,
device details, knowledge used, detail sections). The formatter interface and the table of
formats per document kind are in ``interface.py`` and ``formats.py``. Formats: ``text`` (rich, for terminals),
``json`` (the stable schema documented in docs/report-format.md), ``md`` and ``html`` (a
self-contained page with inline SVG charts and a strict Content-Security-Policy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe.report.formats import formats_for, render_as
from howsafe.report.interface import Formatter, RenderOptions

if TYPE_CHECKING:  # not at run time: `howsafe apps` renders without the Snapshot/Report records
    from howsafe.model import Report, Snapshot

FORMATS = formats_for("report")

__all__ = ["FORMATS", "Formatter", "RenderOptions", "formats_for", "render", "render_as"]


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
    return render_as("report", fmt, report, RenderOptions(snapshot=snapshot, color=color, width=width))
