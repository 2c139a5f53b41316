"""``howsafe compare A B [C ...]``: phones side by side for one threat profile.

Thin glue: the comparison itself is :mod:`howsafe.compare`, its formats are in ``howsafe.report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from howsafe import __version__
from howsafe.apk.model import AppReport
from howsafe.cli.common import chosen_profile, load_source, refuse_output_over_inputs, text_width, write_output
from howsafe.kb import KnowledgeBase
from howsafe.model import Snapshot
from howsafe.report.formats import formats_for, render_as
from howsafe.report.interface import RenderOptions
from howsafe.score import available_profiles

COMPARE_FORMATS = formats_for("compare")


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="FIRST SECOND [MORE]...")
@click.option(
    "--profile",
    "profile_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Threat profile (default: the one saved by `howsafe profile`, else everyday).",
)
@click.option("--format", "fmt", type=click.Choice(COMPARE_FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the comparison here.")
@click.option(
    "--apks-first",
    "apks_first",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="APK files or folders of FIRST's apps, scanned for trackers.",
)
@click.option(
    "--apks-second",
    "apks_second",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="APK files or folders of SECOND's apps, scanned for trackers.",
)
@click.option("--no-redact", is_flag=True, help="Keep serial numbers, IMEI and account names.")
def compare(
    sources: tuple[str, ...],
    profile_id: str | None,
    fmt: str,
    output: Path | None,
    apks_first: tuple[Path, ...],
    apks_second: tuple[Path, ...],
    no_redact: bool,
) -> int:
    """Compare two or more phones side by side: each SOURCE is a snapshot, a dump or a device folder.

    Shows grades per area, update status, vendor data flows and trackers for one threat profile;
    on updates a newer patch level always ranks better, and an unknown end of support never ranks
    better than a known one.
    """
    if len(sources) < 2:
        raise click.UsageError("give at least two phones to compare")
    refuse_output_over_inputs(output, *sources, *apks_first, *apks_second)
    from howsafe.compare import compare_snapshots

    snaps: Sequence[Snapshot] = [
        load_source(src, adb=False, serial=None, demo=False, redact=not no_redact) for src in sources
    ]
    profile_id = chosen_profile(profile_id)
    kb = KnowledgeBase.default()
    scans: list[Sequence[AppReport] | None] = [None] * len(snaps)
    for i, paths in enumerate((apks_first, apks_second)):
        if paths:
            from howsafe.apk import scan_paths

            scans[i] = scan_paths(list(paths), kb=kb)
    cmp = compare_snapshots(snaps, profile_id, kb=kb, apps=scans)
    options = RenderOptions(width=text_width(), tool=f"howsafe {__version__}")
    write_output(render_as("compare", fmt, cmp, options), output)
    return 0
