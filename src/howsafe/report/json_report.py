"""The JSON report: the stable, documented contract of ``--format json`` (docs/report-format.md).

It is exactly the Report model serialised by pydantic, so ``howsafe schema`` (the model's JSON
Schema) always describes it and ``Report.model_validate_json`` reads it back unchanged. Device
strings are stored verbatim: escaping is the job of whatever displays them.
"""

from __future__ import annotations

from howsafe.model import Report


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"
