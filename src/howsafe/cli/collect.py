"""``howsafe collect``: read a phone (adb) or a dump and write its Snapshot as JSON."""

from __future__ import annotations

from pathlib import Path

import click

from howsafe.cli.common import load_source, write_output
from howsafe.model import Snapshot


def summary_line(snapshot: Snapshot) -> str:
    """One line for stderr: which device, how many packages, what the source lacked."""
    d = snapshot.device
    label = d.marketname or d.model
    if d.brand and label and label.lower().startswith(d.brand.lower()):
        name = label
    else:
        name = " ".join(x for x in (d.brand, label) if x) or "unknown device"
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
    return f"{head}; {pkgs}; {lacking}; {'redacted' if snapshot.redacted else 'NOT redacted'}"


@click.command()
@click.argument("dump", required=False)
@click.option("--adb", is_flag=True, help="Read the phone attached over adb (read-only commands only).")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the snapshot JSON here (atomically); default: stdout.",
)  # fmt: skip
@click.option("--no-redact", is_flag=True, help="Keep serial numbers, IMEI, phone numbers and account names.")
def collect(dump: str | None, adb: bool, serial: str | None, output: Path | None, no_redact: bool) -> int:
    """Read DUMP (an androidqf acquisition folder or zip, an Android bugreport zip, a folder of
    saved adb outputs, or a saved snapshot) or the phone attached with --adb, and write its
    Snapshot JSON.

    Identifiers are redacted unless --no-redact is given. What the source lacked is listed in
    the snapshot's `missing` and in the summary line on stderr.
    """
    if serial and not adb:
        raise click.UsageError("--serial needs --adb")
    snapshot = load_source(dump, adb=adb, serial=serial, demo=False, redact=not no_redact)
    from howsafe.sources import snapshot_to_json

    write_output(snapshot_to_json(snapshot), output)
    click.echo(f"howsafe: {summary_line(snapshot)}", err=True)
    return 0
