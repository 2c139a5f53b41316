"""``howsafe audit``: the main job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from howsafe.cli.common import (
    FORMATS,
    chosen_profile,
    load_source,
    progress_bar,
    refuse_output_over_inputs,
    text_width,
    write_output,
)
from howsafe.engine import Auditor
from howsafe.errors import ExitCode
from howsafe.kb import KnowledgeBase
from howsafe.score import available_profiles, load_profile


@click.command()
@click.argument("source", required=False)
@click.option("--adb", is_flag=True, help="Read the phone attached over adb (read-only).")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option("--demo", is_flag=True, help="Audit the bundled sample device (real public data).")
@click.option(
    "--profile",
    "profile_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Threat profile (default: the one saved by `howsafe profile`, else everyday).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option(
    "--capture",
    "captures",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Traffic capture or DNS log of this phone (pcap, pcapng, PCAPdroid, Pi-hole, ...).",
)
@click.option(
    "--apks",
    "apk_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="APK files or folders of this phone's apps to scan for trackers.",
)
@click.option(
    "--iocs",
    "ioc_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="STIX2 indicator file or folder (in addition to stored collections).",
)
@click.option("--no-redact", is_flag=True, help="Keep serial numbers, IMEI and account names.")
@click.option(
    "--country",
    default=None,
    metavar="CC",
    help="Your home country (ISO code such as DE): 'foreign jurisdiction' is relative to it "
    "(default: the one saved by `howsafe profile --country`).",
)
def audit(
    source: str | None,
    adb: bool,
    serial: str | None,
    demo: bool,
    profile_id: str | None,
    fmt: str,
    output: Path | None,
    captures: tuple[Path, ...],
    apk_paths: tuple[Path, ...],
    ioc_paths: tuple[Path, ...],
    no_redact: bool,
    country: str | None,
) -> int:
    """Audit SOURCE (a snapshot JSON, an androidqf dump, a bugreport zip or a folder of adb
    outputs), the phone attached with --adb, or the bundled --demo device.

    Exit code 0: nothing at or above the profile's threshold; 1: findings; 2: input error;
    3: not enough evidence for a verdict (no security patch level or no package list).
    """
    refuse_output_over_inputs(output, source, *captures, *apk_paths, *ioc_paths)
    snapshot = load_source(source, adb=adb, serial=serial, demo=demo, redact=not no_redact)
    profile = load_profile(chosen_profile(profile_id))
    kb = KnowledgeBase.default()
    extras: dict[str, object] = {}
    home = _home_country(country)
    if home:
        extras["options"] = {"country": home}
    if apk_paths:
        from howsafe.apk import scan_paths

        extras["apps"] = scan_paths(list(apk_paths), kb=kb, jobs=0)
    if captures:
        from howsafe.net import analyse_captures

        extras["network"] = analyse_captures(list(captures), kb=kb, snapshot=snapshot)
    from howsafe.iocs.locate import configured

    if configured(ioc_paths):  # without any indicators, neither the STIX reader nor SQLite is loaded
        from howsafe.iocs.store import load_indicator_set

        extras["iocs"] = load_indicator_set(list(ioc_paths))
    else:
        extras["iocs"] = None

    with progress_bar("Auditing") as progress:
        task = progress.add_task("checks", total=None, item="")

        def observer(step: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, item=step)

        auditor = Auditor(kb, observer=observer)
        report = auditor.run(auditor.context(snapshot, **extras), profile)

    from howsafe.report import render

    color = output is None and sys.stdout.isatty()
    write_output(render(report, fmt, snapshot=snapshot, color=color, width=text_width()), output)
    if report.verdict.evidence_missing:  # no verdict without a patch level and a package list
        return ExitCode.NOT_ENOUGH_EVIDENCE
    return ExitCode.FINDINGS if profile.exceeded_by(report.findings) else ExitCode.OK


def _home_country(option: str | None) -> str | None:
    """``--country``, else the country saved by ``howsafe profile --country``, else None."""
    from howsafe.score.jurisdiction import normalise_country
    from howsafe.score.saved import saved_country

    if option is not None:
        return normalise_country(option)
    return saved_country()
