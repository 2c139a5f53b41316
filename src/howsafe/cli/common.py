"""Options and helpers shared by several subcommands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from howsafe.errors import ReportError
from howsafe.model import Snapshot

FORMATS = ("text", "json", "html", "md")


def stderr_console() -> Console:
    return Console(stderr=True)


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    console = stderr_console()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled or not console.is_terminal,
    ) as progress:
        yield progress


def load_source(
    source: str | None, *, adb: bool, serial: str | None, demo: bool, redact: bool
) -> Snapshot:
    """Resolve the SOURCE/--adb/--demo trio into a Snapshot."""
    chosen = sum(bool(x) for x in (source, adb, demo))
    if chosen != 1:
        raise click.UsageError("give exactly one of SOURCE, --adb or --demo")
    if demo:
        from howsafe.sources import demo_snapshot

        return demo_snapshot()
    if adb:
        from howsafe.sources.adb import collect_adb

        with progress_bar("Reading phone") as progress:
            task = progress.add_task("adb", total=None, item="")

            def observer(step: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, item=step)

            return collect_adb(serial=serial, redact=redact, observer=observer)
    from howsafe.sources import load_path

    assert source is not None
    return load_path(Path(source), redact=redact)


def write_output(text: str, output: Path | None) -> None:
    """Write to ``output`` atomically (never leave a half-written report), or to stdout."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    tmp = output.with_name(output.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc
