"""``howsafe collect``: read a phone (adb) or a dump and write its Snapshot as JSON."""

from __future__ import annotations

from pathlib import Path

import click

from howsafe.cli.common import load_source, refuse_output_over_inputs, write_output
from howsafe.model import Snapshot
from howsafe.report.sanitize import clean, json_text


def summary_line(snapshot: Snapshot) -> str:
    """One line for stderr: which device, how many packages, what the source lacked.

    The device's names, its ROM and the missing items come from the dump: the line is passed
    through the sanitiser whole, so it cannot carry a terminal escape or a bidi override.
    """
    d = snapshot.device
    name = d.display_name()
    rom = " ".join(x for x in (d.rom, d.rom_version) if x)
    android = f"Android {d.android_release}" if d.android_release else ""
    spl = f"patch {d.security_patch.isoformat()}" if d.security_patch else ""
    what = ", ".join(x for x in (rom, android, spl) if x)
    pkgs = "no package list" if snapshot.packages is None else f"{len(snapshot.packages)} packages"
    items = list(dict.fromkeys(m.item for m in snapshot.missing))
    if not items:
        lacking = "complete"
    else:
        shown = ", ".join(items[:6]) + (f" and {len(items) - 6} more" if len(items) > 6 else "")
        lacking = f"missing: {shown}"
    head = f"{name} ({what})" if what else name
    skipped = snapshot.source.skipped
    entries = "entry" if len(skipped) == 1 else "entries"
    unread = f"; {len(skipped)} dump {entries} not read (source.skipped)" if skipped else ""
    return clean(f"{head}; {pkgs}; {lacking}{unread}; {'redacted' if snapshot.redacted else 'NOT redacted'}")


@click.command()
@click.argument("dump", required=False)
@click.option("--adb", is_flag=True, help="Read the phone attached over adb (read-only commands only).")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the snapshot JSON here (atomically); default: stdout.",
)  # fmt: skip
@click.option("--no-redact", is_flag=True, help="Keep serial numbers, IMEI, phone numbers and account names.")
@click.option(
    "--apks", "apks_dir", type=click.Path(file_okay=False, path_type=Path),
    help="With --adb: also pull the user-installed APKs (all splits) into this folder, resumable.",
)  # fmt: skip
@click.option("--all-apks", is_flag=True, help="With --apks: pull system apps too, not only user-installed ones.")
@click.option("--push", "push_url", metavar="URL", help="Also upload the (redacted) snapshot to this fleet server.")
@click.option("--token", envvar="HOWSAFE_TOKEN", help="With --push: uploader token (or HOWSAFE_TOKEN).")
@click.option("--label", help="With --push: the device's name on the server.")
def collect(
    dump: str | None,
    adb: bool,
    serial: str | None,
    output: Path | None,
    no_redact: bool,
    apks_dir: Path | None,
    all_apks: bool,
    push_url: str | None = None,
    token: str | None = None,
    label: str | None = None,
) -> int:
    """Read DUMP (an androidqf acquisition folder or zip, an Android bugreport zip, a folder of
    saved adb outputs, or a saved snapshot) or the phone attached with --adb, and write its
    Snapshot JSON.

    Identifiers are redacted unless --no-redact is given. What the source lacked is listed in
    the snapshot's `missing` and in the summary line on stderr.
    """
    if serial and not adb:
        raise click.UsageError("--serial needs --adb")
    if all_apks and apks_dir is None:
        raise click.UsageError("--all-apks needs --apks DIR")
    if apks_dir is not None and not adb:
        raise click.UsageError("--apks needs --adb (to scan APKs you already have: howsafe apps PATH)")
    if push_url and not token:
        raise click.UsageError("--push needs --token (or HOWSAFE_TOKEN)")
    if push_url and no_redact:
        raise click.UsageError("--push always sends a redacted snapshot: drop --no-redact")
    refuse_output_over_inputs(output, dump, apks_dir)
    snapshot = load_source(dump, adb=adb, serial=serial, demo=False, redact=not no_redact)
    from howsafe.sources import snapshot_to_json

    write_output(json_text(snapshot_to_json(snapshot)), output, confirm=False)
    wrote = f"wrote {clean(output)}: " if output is not None else ""
    click.echo(f"howsafe: {wrote}{summary_line(snapshot)}", err=True)
    if push_url and token:
        from howsafe.cli.push import describe, push_snapshot

        pushed = push_snapshot(snapshot, server=push_url, token=token, label=label)
        click.echo(f"howsafe: pushed: {describe(pushed)}", err=True)
    if apks_dir is not None:
        pull_apks_with_progress(apks_dir, serial=serial, third_party_only=not all_apks)
        target = output if output is not None else "SNAPSHOT"
        click.echo(f"howsafe: scan them with: howsafe audit {clean(target)} --apks {clean(apks_dir)}", err=True)
    return 0


def pull_apks_with_progress(dest: Path, *, serial: str | None, third_party_only: bool = True) -> list[Path]:
    """Pull installed APKs with a progress bar; returns one folder per complete package."""
    from howsafe.cli.common import progress_bar
    from howsafe.sources.adb_pull import pull_apks

    with progress_bar("Pulling APKs") as progress:
        task = progress.add_task("apks", total=None, item="")

        def observer(step: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None, item=step)

        result = pull_apks(dest, serial=serial, observer=observer, third_party_only=third_party_only)
    for failure in result.failures:
        click.echo(f"howsafe: warning: {clean(failure.package)}: {clean(failure.reason)}", err=True)
    click.echo(
        f"howsafe: {len(result.packages)} apps in {clean(dest)} ({result.files_pulled} files pulled, "
        f"{result.files_reused} already there, {len(result.failures)} failed)",
        err=True,
    )
    return result.scan_paths()
