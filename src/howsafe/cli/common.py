"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from howsafe.errors import InputError, ReportError

if TYPE_CHECKING:  # imported lazily: rich and the audit's modules cost a large part of start-up
    from rich.console import Console

    from howsafe.model import Snapshot

FORMATS = ("text", "json", "md", "html")  # the audit report's formats (howsafe.report.formats)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


class ProgressLike(Protocol):
    """What the commands use of a progress bar (``rich.progress.Progress`` or :class:`NoProgress`)."""

    def add_task(self, description: str, *, total: float | None = ..., **fields: Any) -> Any: ...

    def update(self, task_id: Any, **kwargs: Any) -> None: ...


class NoProgress:
    """A progress bar that shows nothing (stderr is not a terminal): rich is never imported."""

    def add_task(self, description: str, *, total: float | None = None, **fields: Any) -> int:
        return 0

    def update(self, task_id: Any, **kwargs: Any) -> None:
        return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[ProgressLike]:
    """A progress bar on stderr (hidden when stderr is not a terminal).

    The item shown beside the bar (an adb step, a package id, an APK's file name) may come from
    the phone or the disk: it is shown through the sanitiser, as plain text (no rich markup).
    """
    if not enabled or not _stderr_is_terminal():
        yield NoProgress()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    from howsafe.report.sanitize import clean

    class ItemColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(clean(task.fields.get("item", "")))

    console = stderr_console()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        ItemColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled or not console.is_terminal,
    ) as progress:
        yield progress


def load_source(source: str | None, *, adb: bool, serial: str | None, demo: bool, redact: bool) -> Snapshot:
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


def refuse_output_over_inputs(output: Path | None, *inputs: Path | str | None) -> None:
    """Refuse an ``-o`` that would overwrite the user's own evidence, before any work starts.

    ``-o`` equal to an input file (or a hard link to it), or an existing file inside an input
    folder (a dump's getprop.txt), would be replaced by the report: the input would be lost.
    """
    if output is None:
        return
    target = output.resolve()
    for given in inputs:
        if given is None:
            continue
        src = Path(given).resolve()
        same = target == src
        if not same and output.exists() and src.exists():
            try:
                same = os.path.samefile(output, src)
            except OSError:
                same = False
        inside = src.is_dir() and output.exists() and target.is_relative_to(src)
        if same or inside:
            raise click.UsageError(f"-o {output} would overwrite the input {given}; write the report elsewhere")


def text_width() -> int:
    """Columns for the text formats: ``COLUMNS`` when set, else the terminal's, else 100."""
    import shutil

    return max(40, shutil.get_terminal_size(fallback=(100, 24)).columns)


def chosen_profile(profile_id: str | None) -> str:
    """``--profile``, else the profile saved by ``howsafe profile``, else everyday.

    A saved file naming an unknown profile (hand-edited, or from a newer version) gets a message
    that says where it came from and how to fix it, not a bare "unknown profile".
    """
    if profile_id is not None:
        return profile_id
    from howsafe.score import available_profiles
    from howsafe.score.saved import config_path, saved_profile

    saved = saved_profile()
    if saved is None:
        return "everyday"
    if saved not in available_profiles():
        raise InputError(
            f"the profile saved in {config_path()} ({saved!r}) is unknown; "
            "pick one with `howsafe profile --set NAME` or pass --profile"
        )
    return saved


def write_output(text: str, output: Path | None, *, confirm: bool = True) -> None:
    """Write to ``output`` atomically (never leave a half-written report), or to stdout.

    A written file is confirmed on stderr (``howsafe: wrote FILE (N bytes)``) unless ``confirm`` is
    false (the caller then says it in its own summary line).

    A symlink is followed (its target gets the report); a device or FIFO (``/dev/stdout``,
    ``/dev/null``) is written in place, never replaced by a regular file.
    """
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        target = output.resolve() if output.is_symlink() else output
        if target.exists() and not target.is_file():
            with target.open("w", encoding="utf-8") as fh:
                fh.write(text)
            return  # a device or FIFO: no "wrote" line (it would only be noise next to /dev/stdout)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc
    from howsafe.fsio import atomic_write

    atomic_write(target, text)
    if confirm:
        _confirm(output, text)


def _confirm(output: Path, text: str) -> None:
    """Say on stderr what was written where (stdout stays for the document itself)."""
    from howsafe.report.sanitize import clean

    size = len(text.encode("utf-8"))
    click.echo(f"howsafe: wrote {clean(output)} ({size:,} bytes)", err=True)
