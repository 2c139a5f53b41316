"""``howsafe net CAPTURE...``: who the phone talks to, who owns it, which country, how many bytes.

Runs the network checks alone on the captures (and on ``--snapshot`` when given, for app names and
the device header) and prints a report: text, JSON (the full NetworkReport plus findings), Markdown
or HTML with the hosts / countries / apps tables and bar charts.
"""

from __future__ import annotations

from pathlib import Path

import click

from howsafe.cli.common import (
    FORMATS,
    chosen_profile,
    progress_bar,
    refuse_output_over_inputs,
    text_width,
    write_output,
)
from howsafe.errors import ExitCode
from howsafe.kb import KnowledgeBase
from howsafe.model import Device, Missing, Snapshot, SourceInfo, SourceKind
from howsafe.report.sanitize import clean
from howsafe.score import available_profiles, load_profile


def _placeholder_snapshot(captures: tuple[Path, ...]) -> Snapshot:
    return Snapshot(
        source=SourceInfo(kind=SourceKind.SNAPSHOT, location="capture only", files=tuple(map(str, captures))),
        device=Device(),
        missing=(Missing(item="device", reason="only traffic captures were given (use --snapshot)"),),
    )


@click.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--snapshot", "snapshot_path", help="Snapshot, dump or bugreport of the same phone (app names).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--profile",
    "profile_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Threat profile used to weigh the findings (default: the saved one, else everyday).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
def net(
    captures: tuple[Path, ...], snapshot_path: str | None, fmt: str, profile_id: str | None, output: Path | None
) -> int:
    """Analyse traffic captures and DNS logs: pcap / pcapng (Ethernet, raw IP, Linux cooked),
    PCAPdroid pcap, pcapng and CSV, Pi-hole FTL database, AdGuard Home querylog.json, NextDNS CSV.

    Countries are where the server IP is registered (RIR data), not where the server stands.
    Exit code 0: nothing at or above the profile's threshold; 1: findings; 2: input error.
    """
    refuse_output_over_inputs(output, *captures, snapshot_path)
    from howsafe.engine import Auditor
    from howsafe.net import analyse_captures

    kb = KnowledgeBase.default()
    snapshot: Snapshot | None = None
    if snapshot_path:
        from howsafe.cli.common import load_source

        snapshot = load_source(snapshot_path, adb=False, serial=None, demo=False, redact=True)
    with progress_bar("Reading captures") as progress:
        task = progress.add_task("net", total=len(captures), item="")

        def observer(step: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, item=step)

        report_net = analyse_captures(list(captures), kb=kb, snapshot=snapshot, observer=observer)

    for err in report_net.errors:
        click.echo(f"howsafe: warning: {clean(err.error)}", err=True)

    from howsafe.checks import all_checks

    profile = load_profile(chosen_profile(profile_id))
    auditor = Auditor(kb, checks=all_checks(lambda c: c.id.startswith("network.")))

    snap = snapshot or _placeholder_snapshot(captures)
    report = auditor.run(auditor.context(snap, network=report_net), profile)
    from howsafe.report.documents import NetDoc
    from howsafe.report.formats import render_as
    from howsafe.report.interface import RenderOptions

    doc: object = NetDoc(report=report, network=report_net) if fmt == "json" else report
    options = RenderOptions(snapshot=snapshot, width=text_width())
    write_output(render_as("net", fmt, doc, options), output)
    return ExitCode.FINDINGS if profile.exceeded_by(report.findings) else ExitCode.OK
