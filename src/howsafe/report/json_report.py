"""The JSON report: the stable, documented contract of ``--format json`` (docs/report-format.md).

It is exactly the Report record serialised by ``howsafe.model.to_json``, so ``howsafe schema`` (the
record's JSON Schema) always describes it and ``howsafe.model.from_json`` reads it back unchanged. Device
strings keep their values verbatim: escaping is the job of whatever displays them, except that the
characters a terminal could obey are written as ``\\u`` escapes (``sanitize.json_text``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from howsafe.report.interface import RenderOptions
from howsafe.report.sanitize import json_text

if TYPE_CHECKING:  # the models are only annotations here: `apps --format json` never imports howsafe.model
    from howsafe.compare import Comparison
    from howsafe.corpus.report import CorpusStats
    from howsafe.harden.model import Plan
    from howsafe.model import Report
    from howsafe.report.documents import AppsDoc, NetDoc, VulnsDoc


def render_json(report: Report) -> str:
    from howsafe.model import to_json

    return json_text(to_json(report, indent=2)) + "\n"


def report_json(report: Report, options: RenderOptions) -> str:
    return render_json(report)


def _dump(doc: object) -> str:
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def compare_json(cmp: Comparison, options: RenderOptions) -> str:
    return _dump(asdict(cmp))


def vulns_json(doc: VulnsDoc, options: RenderOptions) -> str:
    from howsafe.vulns.match import data_line, one_line

    a = doc.assessment
    return _dump(
        {
            "device": {
                "release": a.device.release,
                "sdk": a.device.sdk,
                "security_patch": a.device.spl.isoformat() if a.device.spl else None,
                "vendor_security_patch": a.device.vendor_spl.isoformat() if a.device.vendor_spl else None,
                "pre_bulletin": a.device.pre_bulletin,
                "build_date": a.device.build_date.isoformat() if a.device.build_date else None,
                "brand": a.device.brand,
                "soc_vendor": a.device.soc_vendor,
            },
            "data_covers_until": a.covers_until.isoformat(),
            "data_coverage": {
                "published_through": a.coverage.through if a.coverage else a.covers_until.strftime("%Y-%m"),
                "months_missing": list(a.coverage.absent) if a.coverage else [],
                "months_partial": list(a.coverage.partial) if a.coverage else [],
                "note": data_line(a),
            },
            "days_behind": a.days_behind,
            "bulletins_behind": a.bulletins_behind,
            "summary": one_line(a),
            "counts": a.counts,
            "vulns": [
                {
                    "id": v.entry.cve,
                    "aliases": list(v.entry.aliases),
                    "name": v.entry.name,
                    "severity": v.entry.severity_label,
                    "type": v.entry.type,
                    "component": v.entry.component,
                    "component_group": v.entry.kind.value,
                    "vendor": v.entry.vendor,
                    "bulletin": v.entry.bulletin,
                    "fixed_spl": v.entry.spl.isoformat(),
                    "status": v.status.value,
                    "reason": v.reason,
                    "url": v.entry.url,
                    "references": v.entry.references,
                    "fixes": list(v.entry.fixes),
                }
                for v in a.open
            ],
        }
    )


APPS_SCHEMA = "howsafe.apps/1"
KB_SCHEMA = "howsafe.kb-lookup/1"


def apps_json(doc: AppsDoc, options: RenderOptions) -> str:
    db = doc.db
    return _dump(
        {
            "schema": APPS_SCHEMA,
            "tool": doc.tool,
            "tracker_db": {
                "exodus_version": db.exodus_version,
                "exodus_trackers": db.exodus_count,
                "total_trackers": len(db.trackers),
                "licence": "εxodus list: ODbL-1.0 (© Exodus Privacy); howsafe additions: Apache-2.0",
            },
            "apps": [a.to_json() for a in doc.apps],
        }
    )


def kb_json(entries: Sequence[dict[str, object]], options: RenderOptions) -> str:
    """One JSON document for every look-up: ``{"schema": ..., "packages": [...]}``."""
    return _dump({"schema": KB_SCHEMA, "packages": list(entries)})


def net_json(doc: NetDoc, options: RenderOptions) -> str:
    from howsafe.model import to_builtins

    return _dump(
        {
            "network": doc.network.to_dict(),
            "findings": [to_builtins(f) for f in doc.report.findings],
            "verdict": to_builtins(doc.report.verdict),
        }
    )


def harden_json(plan: Plan, options: RenderOptions) -> str:
    """The plan in its versioned format (``"format": "howsafe-harden-plan"``)."""
    return json_text(json.dumps(plan.to_json(), indent=1, ensure_ascii=False)) + "\n"


def corpus_json(st: CorpusStats, options: RenderOptions) -> str:
    from howsafe import __version__

    doc = {"tool": f"howsafe {__version__}", **asdict(st)}
    doc["errors"] = [{"error": e, "rows": n} for e, n in st.errors]
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str)) + "\n"
