"""``howsafe vulns``: the known vulnerabilities still open on a device (like pip-audit, for a phone).

Exit code: 0 nothing open, 1 open vulnerabilities found, 2 input error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from howsafe.cli.common import load_source, refuse_output_over_inputs, write_output
from howsafe.errors import EXIT_NOT_ENOUGH_EVIDENCE
from howsafe.kb import KnowledgeBase
from howsafe.vulns.db import load_db
from howsafe.vulns.match import assess, data_line, one_line
from howsafe.vulns.model import Assessment


def render_text(a: Assessment, device: str) -> str:
    lines = [f"{device}: {one_line(a)}."]
    if a.open:
        lines.append("")
        lines.append(f"{'CVE':<17} {'severity':<9} {'type':<4} {'component':<34} {'fixed in':<10} status")
        for v in a.open:
            e = v.entry
            comp = (
                f"{e.vendor}: " if e.vendor and not e.component.startswith(e.vendor) else ""
            ) + e.component
            lines.append(
                f"{e.cve:<17} {e.severity_label:<9} {e.type or '-':<4} {comp[:34]:<34} "
                f"{e.spl.isoformat():<10} {v.status.value}"
            )
    lines.append("")
    lines.append(data_line(a))
    return "\n".join(lines) + "\n"


def render_json(a: Assessment) -> str:
    doc = {
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
    return json.dumps(doc, indent=2) + "\n"


@click.command()
@click.argument("source", required=False)
@click.option("--adb", is_flag=True, help="Read the phone attached over adb (read-only).")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option("--demo", is_flag=True, help="Use the bundled sample device.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the list here.")
def vulns(
    source: str | None, adb: bool, serial: str | None, demo: bool, fmt: str, output: Path | None
) -> int:
    """List the known vulnerabilities still open on SOURCE (snapshot JSON or dump), --adb or --demo.

    Exit code 0: none open; 1: open vulnerabilities found, or the bundled data is older than the
    phone's patch level (it cannot vouch for the phone: run `howsafe kb update`); 2: input error;
    3: the source has no security patch level, so open and fixed CVEs cannot be told apart.
    """
    refuse_output_over_inputs(output, source)
    snapshot = load_source(source, adb=adb, serial=serial, demo=demo, redact=True)
    a = assess(load_db(KnowledgeBase.default()), snapshot, dt.date.today())
    d = snapshot.device
    name = " ".join(x for x in (d.display_name(), f"Android {d.android_release}" if d.android_release else "") if x)
    write_output(render_json(a) if fmt == "json" else render_text(a, name), output)
    if a.device.level is None:
        return EXIT_NOT_ENOUGH_EVIDENCE
    stale = a.device.spl is not None and a.device.spl >= a.covers_until
    return 1 if a.open or stale else 0
