"""``howsafe vulns``: the known vulnerabilities still open on a device (like pip-audit, for a phone).

Exit code: 0 nothing open, 1 open vulnerabilities found, 2 input error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from howsafe.cli.common import load_source, refuse_output_over_inputs, text_width, write_output
from howsafe.errors import ExitCode
from howsafe.kb import KnowledgeBase
from howsafe.report.documents import VulnsDoc
from howsafe.report.formats import formats_for, render_as
from howsafe.report.interface import RenderOptions
from howsafe.vulns.db import load_db
from howsafe.vulns.match import assess


@click.command()
@click.argument("source", required=False)
@click.option("--adb", is_flag=True, help="Read the phone attached over adb (read-only).")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option("--demo", is_flag=True, help="Use the bundled sample device.")
@click.option("--format", "fmt", type=click.Choice(formats_for("vulns")), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the list here.")
def vulns(source: str | None, adb: bool, serial: str | None, demo: bool, fmt: str, output: Path | None) -> int:
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
    write_output(
        render_as("vulns", fmt, VulnsDoc(device=name, assessment=a), RenderOptions(width=text_width())), output
    )
    if a.device.level is None:
        return ExitCode.NOT_ENOUGH_EVIDENCE
    stale = a.device.spl is not None and a.device.spl >= a.covers_until
    return ExitCode.FINDINGS if a.open or stale else ExitCode.OK
