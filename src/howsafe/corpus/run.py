"""Run a corpus scan on Dask distributed: a LocalCluster of processes, or an existing scheduler.

The same code path for both: the client lists the items (names, sizes, dates; never the bytes),
sends the tracker list and the keys already done to every worker once, then submits batches of
items with a bounded number in flight and writes the rows as Parquet parts as batches complete.

Failure handling:
- a malformed file is a row with its error (the scanner never raises);
- a worker that dies mid-task (OOM, kill, lost node) is replaced and its tasks retried by Dask;
  a batch that keeps killing workers is split and each item retried alone, and an item that still
  fails becomes a row with ``error = "scan_failed"``: never a lost batch;
- each content is written once (rows are keyed by sha256), so retries and duplicate files never
  make duplicate rows, and a rerun after a kill completes the set.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from howsafe.corpus.inputs import CorpusItem, list_items
from howsafe.corpus.store import PartWriter, done_keys, remove_stale_temporaries
from howsafe.corpus.worker import Row, TrackerSet, item_key, scan_batch
from howsafe.kb import KnowledgeBase

log = logging.getLogger(__name__)

#: observer(done_items, total_items, dashboard_link_or_None): counts files, not named steps
CorpusProgress = Callable[[int, int, "str | None"], None]


@dataclass
class ScanSummary:
    """What a scan did (returned to the CLI and the tests)."""

    listed: int = 0
    unchanged: int = 0
    submitted: int = 0
    rows_written: int = 0
    already_done: int = 0
    duplicates: int = 0
    retried_alone: int = 0
    parts_written: int = 0
    seconds: float = 0.0
    workers: int = 0
    dashboard: str | None = None
    errors: dict[str, int] = field(default_factory=dict)


def _batches(items: Sequence[CorpusItem], size: int) -> Iterator[list[CorpusItem]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _failed_row(item: CorpusItem, exc: BaseException) -> Row:
    from howsafe.corpus.worker import _error_row

    return _error_row(item, None, "scan_failed", f"{type(exc).__name__}: {exc}"[:2000])


def scan_corpus(
    source: str,
    out: str,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    snapshots: bool = False,
    captures: bool = False,
    batch_size: int = 8,
    part_rows: int = 1000,
    flush_seconds: float = 30.0,
    kb: KnowledgeBase | None = None,
    observer: CorpusProgress | None = None,
) -> ScanSummary:
    """Scan every item of ``source`` into the Parquet dataset ``out`` (resuming a previous run)."""
    import distributed

    dist: Any = distributed  # untyped library: one Any at the boundary
    from howsafe.apk.trackerdb import load_tracker_db

    t0 = time.perf_counter()
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    summary = ScanSummary()
    stale = remove_stale_temporaries(out)
    if stale:
        log.info("removed %d half-written part(s) of a killed run", stale)
    keys, unchanged = done_keys(out)
    items: list[CorpusItem] = []
    for item in list_items(source, snapshots=snapshots, captures=captures):
        summary.listed += 1
        if (item.url, item.size, item.mtime) in unchanged and item.size:
            summary.unchanged += 1
            continue
        items.append(item)
    trackers = TrackerSet.of(load_tracker_db(kb or KnowledgeBase.default()))

    cluster = None
    own_client = client is None
    if client is None:
        if scheduler:
            client = dist.Client(scheduler)
        else:
            n = workers or os.cpu_count() or 1
            # loopback only, no dashboard server: a local scan opens no port beyond the machine
            cluster = dist.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
                silence_logs=logging.WARNING,
            )
            client = dist.Client(cluster)
    try:
        summary.workers = len(client.scheduler_info().get("workers", {}))
        summary.dashboard = client.dashboard_link if scheduler else None
        writer = PartWriter(out, part_rows=part_rows, flush_seconds=flush_seconds, written=keys)
        # keys of this scan's own: under fixed names, the release of a previous scan's copies (sent
        # on another channel than the scatter) could delete this scan's, and a scan sharing the
        # cluster could read another's done set
        run_id = uuid.uuid4().hex
        shared = client.scatter(
            {f"howsafe-trackers-{run_id}": trackers, f"howsafe-done-{run_id}": frozenset(keys)}, broadcast=True
        )
        tfut, dfut = shared[f"howsafe-trackers-{run_id}"], shared[f"howsafe-done-{run_id}"]
        total = len(items)
        inflight_max = max(4, 4 * max(summary.workers, 1))
        pending = dist.as_completed()
        owner: dict[Any, list[CorpusItem]] = {}
        batches = _batches(items, max(1, batch_size))
        done_items = 0

        def submit(batch: list[CorpusItem]) -> None:
            fut = client.submit(scan_batch, batch, tfut, dfut, pure=False, retries=1)
            owner[fut] = batch
            pending.add(fut)

        for _ in range(inflight_max):
            b = next(batches, None)
            if b is None:
                break
            submit(b)
            summary.submitted += len(b)
        if observer:
            observer(0, total, summary.dashboard)
        try:
            for fut in pending:
                batch = owner.pop(fut)
                try:
                    rows: list[Row] = fut.result()
                except Exception as exc:  # a crashed task must not lose its batch
                    rows = _retry_alone(client, batch, tfut, dfut, exc, summary)
                summary.already_done += len(batch) - len(rows)
                writer.add(rows)
                for r in rows:
                    if r.get("error"):
                        summary.errors[str(r["error"])] = summary.errors.get(str(r["error"]), 0) + 1
                done_items += len(batch)
                fut.release()
                if observer:
                    observer(done_items, total, summary.dashboard)
                nxt = next(batches, None)
                if nxt is not None:
                    submit(nxt)
                    summary.submitted += len(nxt)
        finally:
            writer.close()  # what is done is kept, even when interrupted
            summary.rows_written = writer.rows_written
            summary.duplicates = writer.duplicates
            summary.parts_written = writer.parts_written
    finally:
        if own_client:
            client.close()
            if cluster is not None:
                cluster.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _retry_alone(
    client: Any, batch: list[CorpusItem], tfut: Any, dfut: Any, first: BaseException, summary: ScanSummary
) -> list[Row]:
    """A batch whose task failed (its workers kept dying): each item on its own; still failing = a row."""
    log.warning("a batch of %d item(s) failed (%s); retrying each alone", len(batch), first)
    rows: list[Row] = []
    futs = [client.submit(scan_batch, [item], tfut, dfut, pure=False, retries=1) for item in batch]
    summary.retried_alone += len(batch)
    for item, fut in zip(batch, futs, strict=True):
        try:
            rows.extend(fut.result())
        except Exception as exc:
            row = _failed_row(item, exc)
            row["key"] = item_key(None, item.url)
            rows.append(row)
    return rows
