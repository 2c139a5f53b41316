"""``howsafe apps``: scan APKs, split sets, bundles or folders of them for tracker SDKs."""

from __future__ import annotations

from pathlib import Path

import click

from howsafe import __version__
from howsafe.cli.common import progress_bar, refuse_output_over_inputs, text_width, write_output
from howsafe.errors import ExitCode, InputError
from howsafe.kb import KnowledgeBase
from howsafe.report.formats import formats_for

EXIT_OK = ExitCode.OK
EXIT_FINDINGS = ExitCode.FINDINGS
EXIT_ERROR = ExitCode.USAGE


@click.command()
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option("--adb", is_flag=True, help="Pull the phone's user-installed APKs over adb first, then scan them.")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option(
    "--pull-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --adb: where pulled APKs are kept (resumable; default: the user cache).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats_for("apps")),
    default="text",
    show_default=True,
    help="sarif: SARIF 2.1.0 for code scanning (one result per tracker or dangerous permission, the APK as artifact).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the result here.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for many apps (0 = one per CPU core; 1 = no workers).",
)
def apps(
    paths: tuple[Path, ...],
    adb: bool,
    serial: str | None,
    pull_dir: Path | None,
    fmt: str,
    output: Path | None,
    jobs: int,
) -> int:
    """Scan PATH... for tracker SDKs, requested permissions and signer certificates.

    PATH is an APK, a split-APK folder (base.apk + split_*.apk), an .apks/.xapk/.apkm bundle, a jar
    with DEX files, or a folder of those. Nothing is extracted to disk and nothing is sent anywhere.

    Exit code 0: no tracker found; 1: trackers found; 2: no input could be read.
    """
    from howsafe.apk import expand_inputs, scan_paths
    from howsafe.apk.trackerdb import load_tracker_db
    from howsafe.report.documents import AppsDoc
    from howsafe.report.formats import render_as
    from howsafe.report.interface import RenderOptions

    if adb:
        if paths:
            raise click.UsageError("give PATH... or --adb, not both")
        from howsafe.cli.collect import pull_apks_with_progress
        from howsafe.kb import user_cache_dir

        dest = pull_dir or user_cache_dir() / "apks"
        paths = tuple(pull_apks_with_progress(dest, serial=serial))
        if not paths:
            raise InputError("no APK could be pulled from the phone")
    elif not paths:
        raise click.UsageError("give PATH... (APKs, bundles or folders) or --adb")
    elif serial or pull_dir:
        raise click.UsageError("--serial and --pull-dir need --adb")
    refuse_output_over_inputs(output, *paths, pull_dir)
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
    kb = KnowledgeBase.default()
    db = load_tracker_db(kb)
    total = len(expand_inputs(list(paths)))
    if total == 0:
        raise InputError("no APK, bundle or jar found in the given paths")
    with progress_bar("Scanning apps", enabled=total > 1) as progress:
        task = progress.add_task("apps", total=total, item="")

        def observer(path: str, done: int, all_: int) -> None:
            progress.update(task, completed=done, total=all_, item=Path(path).name)

        results = scan_paths(list(paths), kb=kb, jobs=jobs, observer=observer)
    tool = f"howsafe {__version__}"
    dangerous = None
    if fmt == "sarif":
        from howsafe.kb.permissions import dangerous_permissions

        dangerous = dangerous_permissions(kb)
    doc = AppsDoc(apps=results, db=db, tool=tool, dangerous=dangerous)
    write_output(render_as("apps", fmt, doc, RenderOptions(width=text_width(), tool=tool)), output)
    if results and all(r.error for r in results):
        click.echo(
            f"howsafe: error: none of the {len(results)} input(s) could be read as an app (reasons in the report)",
            err=True,
        )
        return EXIT_ERROR
    return EXIT_FINDINGS if any(r.trackers for r in results) else EXIT_OK
