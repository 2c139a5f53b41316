"""`howsafe corpus scan` on a real Dask LocalCluster (2 worker processes) over a corpus built from
the fixture APKs: same rows as single-process `howsafe apps`, resumable after a kill, a worker
killed mid-task retried without duplicate rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from apk.apk_truth import bundled_kb
from corpus.corpus_build import build
from howsafe.apk import scan_paths
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.corpus.inputs import list_items
from howsafe.corpus.run import scan_corpus
from howsafe.corpus.store import existing_parts
from howsafe.corpus.worker import TrackerSet, scan_batch

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("corpus")
    return root, build(root / "apks", copies=4)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def expected(corpus_dir: tuple[Path, list[Path]]) -> dict[str, dict[str, Any]]:
    """The single-process `howsafe apps` result of every app, by path."""
    _, paths = corpus_dir
    reports = scan_paths(paths, kb=bundled_kb(), jobs=1)
    return {r.path: json.loads(json.dumps(r.to_json())) for r in reports}


def _rows(out: Path) -> list[dict[str, Any]]:
    parts = existing_parts(str(out))
    rows: list[dict[str, Any]] = []
    for p in parts:
        rows.extend(pq.read_table(p).to_pylist())
    return rows


def test_rows_equal_single_process_apps(
    corpus_dir: tuple[Path, list[Path]], client: Any, expected: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    root, paths = corpus_dir
    out = tmp_path / "results.parquet"
    summary = scan_corpus(str(root / "apks"), str(out), client=client, batch_size=4, part_rows=16, kb=bundled_kb())
    rows = _rows(out)
    assert summary.listed == len(paths) == len(rows) == summary.rows_written
    assert summary.parts_written == len(existing_parts(str(out))) > 1
    assert len({r["key"] for r in rows}) == len(rows)
    by_path = {r["path"]: r for r in rows}
    assert set(by_path) == set(expected)
    for path, want in expected.items():
        row = by_path[path]
        assert json.loads(row["report_json"]) == want, path
        assert row["error"] == want["error"]
        assert row["tracker_names"] == [t["name"] for t in want["trackers"]]
        assert row["permissions"] == want["permissions"]
    errors = {r["error"] for r in rows if r["error"]}
    assert {"zip_bomb", "not_a_zip", "empty_file", "nesting_too_deep"} <= errors
    ok = [r for r in rows if not r["error"]]
    assert all(len(r["sha256"]) == 64 for r in ok)
    assert all(r["dex_bytes"] > 0 and r["dex_count"] >= 1 for r in ok if r["kind"] in ("apk", "split_dir"))
    assert all(r["dex_bytes"] is None for r in rows if r["error"])  # a bomb inflated nothing

    # a rerun skips everything (unchanged files are not even read) and writes nothing
    again = scan_corpus(str(root / "apks"), str(out), client=client, batch_size=4, part_rows=16, kb=bundled_kb())
    assert again.rows_written == 0 and again.unchanged + again.already_done == len(paths)
    assert len(_rows(out)) == len(rows)

    # a moved copy is recognised by content: skipped without a new row
    moved = tmp_path / "moved"
    moved.mkdir()
    src = next(p for p in paths if p.name.startswith("trackers__many-trackers"))
    (moved / "renamed.apk").write_bytes(src.read_bytes())
    third = scan_corpus(str(moved), str(out), client=client, kb=bundled_kb())
    assert (third.rows_written, third.already_done) == (0, 1)


def test_worker_killed_mid_task_is_retried_without_duplicates(
    corpus_dir: tuple[Path, list[Path]], client: Any, expected: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    root, paths = corpus_dir
    out = tmp_path / "results.parquet"
    pids: dict[str, int] = client.run(os.getpid)
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy and busy[0] in pids:
                time.sleep(0.05)  # inside the task
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
                return
            time.sleep(0.01)

    t = threading.Thread(target=killer)
    t.start()
    summary = scan_corpus(str(root / "apks"), str(out), client=client, batch_size=6, part_rows=16, kb=bundled_kb())
    t.join()
    assert killed, "no worker was busy long enough to be killed"
    rows = _rows(out)
    assert len(rows) == len(paths) == len({r["key"] for r in rows})
    assert {r["path"] for r in rows} == set(expected)
    assert not any(r["error"] == "scan_failed" for r in rows)
    for r in rows:
        assert json.loads(r["report_json"]) == expected[r["path"]]
    assert summary.rows_written == len(paths)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker


def test_kill_mid_run_then_rerun_gives_the_complete_set_once(
    corpus_dir: tuple[Path, list[Path]], client: Any, expected: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    root, paths = corpus_dir
    out = tmp_path / "results.parquet"
    cmd = [
        sys.executable,
        "-m",
        "howsafe",
        "corpus",
        "scan",
        str(root / "apks"),
        "--out",
        str(out),
        "--workers",
        "2",
        "--batch",
        "1",
        "--part-rows",
        "3",
    ]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not existing_parts(str(out)):
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    proc.stderr.close() if proc.stderr else None
    first = _rows(out)
    assert 0 < len(first) < len(paths), "the kill must land mid-run"
    # a half-written part left by the kill is cleaned, not read
    (out / ".tmp-part-killed-00000.parquet").write_bytes(b"PAR1 half written")
    summary = scan_corpus(str(root / "apks"), str(out), client=client, batch_size=4, part_rows=16, kb=bundled_kb())
    rows = _rows(out)
    assert len(rows) == len(paths) == len({r["key"] for r in rows})
    assert {r["path"] for r in rows} == set(expected)
    assert summary.rows_written == len(paths) - len(first)
    assert not list(out.glob(".tmp-*"))


def test_object_store_urls_read_by_workers_give_the_same_rows(
    corpus_dir: tuple[Path, list[Path]], expected: dict[str, dict[str, Any]]
) -> None:
    """fsspec URLs: an in-memory object store holding a few of the files, listed and scanned through fsspec."""
    import fsspec

    _, paths = corpus_dir
    fs = fsspec.filesystem("memory")
    chosen = [p for p in paths if p.is_file() and p.suffix in (".apk", ".xapk") and p.stat().st_size < 200_000][:6]
    chosen.append(next(p for p in paths if p.is_dir()))
    for p in chosen:
        if p.is_dir():
            for part in p.iterdir():
                fs.pipe(f"/bucket/{p.name}/{part.name}", part.read_bytes())
        else:
            fs.pipe(f"/bucket/{p.name}", p.read_bytes())
    items = list(list_items("memory://bucket"))
    assert len(items) == len(chosen)
    rows = scan_batch(items, TrackerSet.of(load_tracker_db(bundled_kb())))
    for row, item in zip(rows, items, strict=True):
        local = next(p for p in chosen if p.name == item.url.rsplit("/", 1)[-1])
        want = dict(expected[str(local)])
        got = json.loads(row["report_json"])
        assert got["path"] == item.url
        for k in ("package", "version_code", "permissions", "signer_sha256", "trackers", "classes_scanned", "error"):
            assert got[k] == want[k], (item.url, k)


def test_cli_on_an_existing_scheduler_prints_the_dashboard_and_resumes(
    corpus_dir: tuple[Path, list[Path]], client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--scheduler tcp://HOST:PORT`: the same code path on an existing cluster (here the test's own)."""
    from howsafe.cli import main

    root, _ = corpus_dir
    src = root / "apks" / "malformed"
    out = tmp_path / "r.parquet"
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    assert main(["corpus", "scan", str(src), "--out", str(out), "--scheduler", address]) == 0
    err = capsys.readouterr().err
    assert "Dask dashboard: http" in err and "13 new row(s)" in err
    assert main(["corpus", "scan", str(src), "--out", str(out), "--scheduler", address]) == 0
    assert "0 new row(s)" in capsys.readouterr().err
    assert len(_rows(out)) == 13


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from howsafe.cli import main

    assert (
        main(
            [
                "corpus",
                "scan",
                str(tmp_path),
                "--out",
                str(tmp_path / "o"),
                "--workers",
                "2",
                "--scheduler",
                "tcp://127.0.0.1:1",
            ]
        )
        == 2
    )
    assert "not both" in capsys.readouterr().err
    blocker = tmp_path / "file.parquet"
    blocker.write_bytes(b"x")
    assert main(["corpus", "scan", str(tmp_path), "--out", str(blocker)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["corpus", "scan", str(tmp_path / "missing"), "--out", str(tmp_path / "o2"), "--workers", "1"]) == 2
    assert "no such file" in capsys.readouterr().err
