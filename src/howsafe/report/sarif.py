"""SARIF 2.1.0 for ``howsafe apps``: app developers gate their own builds in code scanning.

One result per tracker SDK found in an APK and one per dangerous permission it requests, each with
the APK as the artifact. Rules are the trackers (named as in the εxodus list or howsafe's own
signatures) and the dangerous permissions. Strings are stored verbatim (the JSON encoder escapes
them); code-scanning front ends display them as text.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from howsafe import __version__
from howsafe.report.documents import AppsDoc
from howsafe.report.interface import RenderOptions
from howsafe.report.sanitize import json_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://reports.exodus-privacy.eu.org/en/trackers/"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def apps_sarif(doc: AppsDoc, options: RenderOptions) -> str:
    rules: dict[str, dict[str, object]] = {}
    artifacts: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    dangerous = doc.dangerous or {}
    for app in doc.apps:
        if app.error is not None:
            continue
        index = len(artifacts)
        uri = quote(app.path.replace("\\", "/"))
        artifacts.append({"location": {"uri": uri}})
        location = [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}]
        who = app.package or app.path
        for hit in app.trackers:
            rule_id = f"tracker/{_slug(hit.name)}"
            if rule_id not in rules:
                rule: dict[str, object] = {
                    "id": rule_id,
                    "name": hit.name,
                    "shortDescription": {"text": f"Tracker SDK: {hit.name}"},
                    "fullDescription": {
                        "text": f"{hit.name} ({hit.company or 'company unknown'}; {', '.join(hit.categories)})"
                    },
                    "defaultConfiguration": {"level": "warning"},
                    "properties": {"tags": ["privacy", "tracker", *hit.categories]},
                }
                if hit.exodus_id is not None:
                    rule["helpUri"] = f"{INFO_URI}{hit.exodus_id}/"
                rules[rule_id] = rule
            results.append(
                {
                    "ruleId": rule_id,
                    "level": "note" if hit.confidence == "low" else "warning",
                    "message": {
                        "text": f"{who} contains the {hit.name} tracker SDK ({hit.class_count} classes, e.g. "
                        f"{', '.join(hit.classes[:3])})"
                        + (f"; doubtful: {hit.reason}" if hit.confidence == "low" else "")
                    },
                    "locations": location,
                }
            )
        for perm in app.permissions:
            if perm not in dangerous:
                continue
            rule_id = f"permission/{perm}"
            if rule_id not in rules:
                rules[rule_id] = {
                    "id": rule_id,
                    "name": perm.rsplit(".", 1)[-1],
                    "shortDescription": {"text": f"Dangerous permission {perm}"},
                    "fullDescription": {"text": f"{perm} gives access to {dangerous[perm]}."},
                    "defaultConfiguration": {"level": "note"},
                    "properties": {"tags": ["privacy", "permission"]},
                }
            results.append(
                {
                    "ruleId": rule_id,
                    "level": "note",
                    "message": {"text": f"{who} requests {perm} ({dangerous[perm]})"},
                    "locations": location,
                }
            )
    doc_out = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "howsafe",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "artifacts": artifacts,
                "results": results,
            }
        ],
    }
    return json_text(json.dumps(doc_out, indent=2, ensure_ascii=False)) + "\n"
