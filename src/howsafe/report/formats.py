"""Which formatter serves which document in which format: one table for every command.

Each format lives in one module (``text``, ``markdown``, ``html``, ``json_report``, ``sarif``, and
``shell`` for the harden plan's script);
entries name ``module:function`` and are imported on first use, so a command pays only for the
format it prints. A command's ``--format`` choices are :func:`formats_for` its document kind.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from howsafe.errors import ReportError
from howsafe.report.interface import Formatter, RenderOptions

_T = "howsafe.report.text"
_M = "howsafe.report.markdown"
_H = "howsafe.report.html"
_J = "howsafe.report.json_report"
_S = "howsafe.report.sarif"
_SH = "howsafe.report.shell"

TABLE: dict[str, dict[str, str]] = {
    "report": {
        "text": f"{_T}:report_text",
        "json": f"{_J}:report_json",
        "md": f"{_M}:report_md",
        "html": f"{_H}:report_html",
    },
    "compare": {
        "text": f"{_T}:compare_text",
        "json": f"{_J}:compare_json",
        "md": f"{_M}:compare_md",
        "html": f"{_H}:compare_html",
    },
    "vulns": {"text": f"{_T}:vulns_text", "json": f"{_J}:vulns_json", "md": f"{_M}:vulns_md"},
    "apps": {
        "text": f"{_T}:apps_text",
        "json": f"{_J}:apps_json",
        "html": f"{_H}:apps_html",
        "sarif": f"{_S}:apps_sarif",
    },
    "kb": {"text": f"{_T}:kb_text", "json": f"{_J}:kb_json"},
    "net": {
        "text": f"{_T}:report_text",
        "json": f"{_J}:net_json",
        "md": f"{_M}:report_md",
        "html": f"{_H}:report_html",
    },
    "harden": {
        "text": f"{_T}:harden_text",
        "json": f"{_J}:harden_json",
        "md": f"{_M}:harden_md",
        "html": f"{_H}:harden_html",
        "sh": f"{_SH}:harden_sh",
    },
    "corpus": {"text": f"{_T}:corpus_text", "json": f"{_J}:corpus_json", "html": f"{_H}:corpus_html"},
}
"""document kind -> format -> ``module:function`` of its formatter."""

ALIASES = {"markdown": "md"}


def formats_for(kind: str) -> tuple[str, ...]:
    """The ``--format`` choices of a document kind, in display order."""
    return tuple(TABLE[kind])


def formatter(kind: str, fmt: str) -> Formatter:
    """The formatter for ``kind`` in ``fmt`` (a :class:`ReportError` names the valid formats)."""
    fmt = ALIASES.get(fmt, fmt)
    try:
        target = TABLE[kind][fmt]
    except KeyError:
        choices = ", ".join(TABLE.get(kind, {}))
        raise ReportError(f"unknown {kind} format {fmt!r}; choose one of {choices}") from None
    module, _, name = target.partition(":")
    return cast(Formatter, getattr(importlib.import_module(module), name))


def render_as(kind: str, fmt: str, doc: Any, options: RenderOptions | None = None) -> str:
    """``doc`` (a document of ``kind``) as text in ``fmt``."""
    return formatter(kind, fmt)(doc, options or RenderOptions())
