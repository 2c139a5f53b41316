"""``howsafe corpus``: scan APK (and snapshot) corpora on Dask, then report over the results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from howsafe.cli.common import write_output
from howsafe.errors import InputError
from howsafe.report.formats import formats_for, render_as

_EXTRA_HINT = "the corpus commands need the corpus extra: pip install 'howsafe[corpus]'"


def _require_extra() -> None:
    import importlib.util

    missing = [m for m in ("dask", "distributed", "pyarrow", "duckdb", "fsspec") if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"{_EXTRA_HINT} (missing: {', '.join(missing)})")


@click.group()
def corpus() -> None:
    """Scan thousands of APKs on a Dask cluster and report tracker prevalence."""


@corpus.command()
@click.argument("source")
@click.option("--out", "out", required=True, help="Results dataset (a folder of Parquet parts; local or fsspec URL).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of the local Dask cluster (default: one per CPU).",
)
@click.option("--scheduler", help="Address of an existing Dask scheduler (tcp://HOST:8786) instead of a local cluster.")
@click.option("--snapshots", is_flag=True, help="Also audit saved device snapshots (.json, androidqf/bugreport .zip).")
@click.option("--captures", is_flag=True, help="Also read traffic captures (.pcap, .pcapng): the hosts contacted.")
@click.option(
    "--batch", "batch_size", type=click.IntRange(min=1), default=8, show_default=True, help="Items per Dask task."
)
@click.option(
    "--part-rows",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Rows per Parquet part (memory stays at about one part).",
)
def scan(
    source: str,
    out: str,
    workers: int | None,
    scheduler: str | None,
    snapshots: bool,
    captures: bool,
    batch_size: int,
    part_rows: int,
) -> int:
    """Scan SOURCE (a folder, an fsspec URL such as s3://bucket/apks, or a manifest .txt/.csv of
    paths) into the Parquet dataset --out. A rerun skips what is done (by sha256) and resumes a
    killed run; a malformed file is a row with its error.

    Exit code 0 when the scan ran (unreadable files are rows, not failures); 2 on usage errors.
    """
    _require_extra()
    if workers and scheduler:
        raise click.UsageError("give --workers or --scheduler, not both")
    if "://" not in out and Path(out).is_file():
        raise click.UsageError(f"--out {out} is a file; the results are a folder of Parquet parts")
    from howsafe.corpus.run import scan_corpus
    from howsafe.kb import KnowledgeBase

    progress_state: dict[str, object] = {}

    from howsafe.cli.common import progress_bar

    with progress_bar("Scanning corpus") as progress:
        task = progress.add_task("corpus", total=None, item="")

        def observer(done: int, total: int, dashboard: str | None) -> None:
            if dashboard and not progress_state.get("told"):
                click.echo(f"Dask dashboard: {dashboard}", err=True)
                progress_state["told"] = True
            progress.update(task, completed=done, total=total, item="")

        summary = scan_corpus(
            source,
            out,
            workers=workers,
            scheduler=scheduler,
            snapshots=snapshots,
            captures=captures,
            batch_size=batch_size,
            part_rows=part_rows,
            kb=KnowledgeBase.default(),
            observer=observer,
        )
    errors = ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items())) or "none"
    click.echo(
        f"{summary.listed} item(s) listed, {summary.unchanged} unchanged since the last run, "
        f"{summary.rows_written} new row(s) in {summary.parts_written} part(s), "
        f"{summary.already_done + summary.duplicates} already done by content; errors: {errors}; "
        f"{summary.seconds:.1f} s on {summary.workers} worker(s) -> {out}",
        err=True,
    )
    sys.stderr.flush()
    return 0


@corpus.command()
@click.argument("results")
@click.option("--format", "fmt", type=click.Choice(formats_for("corpus")), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--top", type=click.IntRange(min=1, max=10_000), default=25, show_default=True, help="Rows per table.")
def report(results: str, fmt: str, output: Path | None, top: int) -> int:
    """Tracker prevalence (overall, per category, per signer), permissions, apps per tracker and,
    when captures were scanned, the top hosts (overall, by owner, by country) over a results
    dataset written by `howsafe corpus scan`."""
    _require_extra()
    from howsafe.corpus.report import collect_stats

    write_output(render_as("corpus", fmt, collect_stats(results, top=top)), output)
    return 0
