"""Render scan results as text, JSON or a self-contained HTML page (no computation here).

Everything shown in HTML is escaped: app labels, package names and class names come from the
APK and are attacker-controlled.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from howsafe.apk.model import AppReport
from howsafe.apk.trackerdb import TrackerDB

JSON_SCHEMA = "howsafe.apps/1"


def to_json(apps: Sequence[AppReport], db: TrackerDB, tool: str) -> str:
    doc = {
        "schema": JSON_SCHEMA,
        "tool": tool,
        "tracker_db": {
            "exodus_version": db.exodus_version,
            "exodus_trackers": db.exodus_count,
            "total_trackers": len(db.trackers),
            "licence": "εxodus list: ODbL-1.0 (© Exodus Privacy); howsafe additions: Apache-2.0",
        },
        "apps": [a.to_json() for a in apps],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _title(a: AppReport) -> str:
    label = a.label if a.label and not a.label.startswith("@0x") else None
    name = a.package or "(no manifest)"
    ver = f" {a.version_name}" if a.version_name else ""
    return f"{label} — {name}{ver}" if label else f"{name}{ver}"


def to_text(apps: Sequence[AppReport]) -> str:
    lines: list[str] = []
    for a in apps:
        lines.append(a.path)
        if a.error:
            lines.append(f"  error: {a.error}: {a.error_detail}")
            lines.append("")
            continue
        lines.append(f"  app:         {_title(a)} (versionCode {a.version_code}, {a.kind})")
        if a.label and a.label.startswith("@0x"):
            lines.append(f"  label:       resource {a.label}")
        lines.append(f"  sdk:         min {a.min_sdk}, target {a.target_sdk}")
        lines.append(f"  signer:      {', '.join(a.signer_sha256) or 'unsigned'}")
        lines.append(f"  classes:     {a.classes_scanned} in {len(a.dex_files)} DEX file(s)")
        lines.append(f"  permissions: {len(a.permissions)}")
        for p in a.permissions:
            lines.append(f"    {p}")
        if not a.trackers:
            lines.append("  trackers:    none found")
        else:
            lines.append(f"  trackers:    {len(a.trackers)}")
            for h in a.trackers:
                ident = f"εxodus #{h.exodus_id}" if h.exodus_id is not None else ""
                if h.origin == "howsafe":
                    ident = f"{ident}, howsafe signature" if ident else "howsafe signature"
                cats = ", ".join(h.categories)
                lines.append(f"    - {h.name} [{ident}; {cats}; {h.company or 'company unknown'}]")
                lines.append(f"      {h.class_count} classes, e.g. {', '.join(h.classes[:3])}")
                if h.confidence == "low":
                    lines.append(f"      doubtful: {h.reason}")
        for w in a.warnings:
            lines.append(f"  note: {w}")
        lines.append("")
    ok = [a for a in apps if a.error is None]
    n_tr = sum(1 for a in ok if a.trackers)
    lines.append(
        f"{len(apps)} inputs: {len(ok)} scanned, {n_tr} with trackers, {len(apps) - len(ok)} unreadable"
    )
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
.err{color:#a00} .low{color:#a60} code{font-size:.9em} .muted{color:#666}
"""


def to_html(apps: Sequence[AppReport], db: TrackerDB, tool: str) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Trackers in apps — {e(tool)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Trackers in apps</h1><p class='muted'>{e(tool)}; εxodus tracker list {e(db.exodus_version)} "
        f"({db.exodus_count} trackers, ODbL-1.0 © Exodus Privacy) plus "
        f"{len(db.trackers) - db.exodus_count} howsafe signatures.</p>",
        "<table><tr><th>App</th><th>Trackers</th><th>Classes</th></tr>",
    ]
    for a in apps:
        cell = f"<span class='err'>error: {e(a.error)}</span>" if a.error else str(len(a.trackers))
        out.append(f"<tr><td>{e(_title(a) if not a.error else a.path)}</td><td>{cell}</td>"
                   f"<td>{a.classes_scanned}</td></tr>")
    out.append("</table>")
    for a in apps:
        out.append(f"<h2>{e(_title(a) if not a.error else a.path)}</h2><p class='muted'>{e(a.path)}</p>")
        if a.error:
            out.append(f"<p class='err'>{e(a.error)}: {e(a.error_detail or '')}</p>")
            continue
        out.append(f"<p>Signer SHA-256: <code>{e(', '.join(a.signer_sha256) or 'unsigned')}</code><br>"
                   f"{a.classes_scanned} classes; {len(a.permissions)} permissions requested</p>")
        if a.trackers:
            out.append("<table><tr><th>Tracker</th><th>Company</th><th>Categories</th><th>Evidence</th></tr>")
            for h in a.trackers:
                ident = f" (εxodus #{h.exodus_id})" if h.exodus_id is not None else ""
                note = ""
                if h.confidence == "low":
                    note = f"<br><span class='low'>doubtful: {e(h.reason)}</span>"
                out.append(
                    f"<tr><td>{e(h.name)}{ident}</td><td>{e(h.company or '')}</td>"
                    f"<td>{e(', '.join(h.categories))}</td><td>{h.class_count} classes, e.g. "
                    f"<code>{e(', '.join(h.classes[:3]))}</code>{note}</td></tr>"
                )
            out.append("</table>")
        else:
            out.append("<p>No known tracker SDK found.</p>")
        if a.permissions:
            out.append("<details><summary>Permissions</summary><ul>")
            out.extend(f"<li><code>{e(p)}</code></li>" for p in a.permissions)
            out.append("</ul></details>")
    out.append("</body></html>\n")
    return "\n".join(out)
