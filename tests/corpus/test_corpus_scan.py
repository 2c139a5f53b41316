"""`howsafe corpus scan` on a real Dask LocalCluster (2 worker processes) over a corpus built from
the fixture APKs: same rows as single-process `howsafe apps`, resumable after a kill, a worker
killed mid-task retried without duplicate rows."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
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


def _same_app(row: dict[str, Any], want: dict[str, Any]) -> None:
    got = dict(json.loads(row["report_json"]))
    assert got.pop("path") == row["path"]
    assert got == {k: v for k, v in want.items() if k != "path"}


def test_stale_rows_are_rescanned_and_superseded(
    corpus_dir: tuple[Path, list[Path]], client: Any, expected: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """An error row is not the last word: a dangling link fixed, a preallocated download completed in
    place (same size, same mtime), a file replaced by new content: the rerun scans them and the report
    counts the new rows only; content already done stays skipped (idempotent by sha256)."""
    from corpus.corpus_build import with_comment
    from howsafe.corpus.report import collect_stats

    _, paths = corpus_dir
    apks = [p for p in paths if p.is_file() and p.suffix == ".apk" and "malformed" not in p.parts]
    src = next(p for p in apks if p.name.startswith("trackers__many-trackers"))
    other = next(p for p in apks if not p.name.startswith("trackers__many-trackers"))
    data = src.read_bytes()
    corpus = tmp_path / "c"
    corpus.mkdir()
    target = tmp_path / "downloads" / "later.apk"
    target.parent.mkdir()
    (corpus / "linked.apk").symlink_to(target)  # dangling: the download is not there yet
    partial = corpus / "partial.apk"  # preallocated: full size, second half still zeros
    partial.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    stamp = 1_700_000_000_000_000_000
    os.utime(partial, ns=(stamp, stamp))
    changing = corpus / "changing.apk"
    changing.write_bytes(with_comment(data, b"v1"))
    (corpus / "broken.apk").write_bytes(b"not a zip at all")
    out = tmp_path / "r.parquet"

    first = scan_corpus(str(corpus), str(out), client=client, kb=bundled_kb())
    assert first.rows_written == 4
    by = {Path(r["path"]).name: r for r in _rows(out)}
    assert by["linked.apk"]["error"] == "unreadable" and by["linked.apk"]["key"].startswith("path:")
    assert by["partial.apk"]["error"] and by["partial.apk"]["sha256"]
    assert by["changing.apk"]["error"] is None and by["broken.apk"]["error"] == "not_a_zip"
    st = collect_stats(str(out))
    assert (st.apps, st.apps_ok) == (4, 1)

    shutil.copyfile(other, target)
    partial.write_bytes(data)
    os.utime(partial, ns=(stamp, stamp))  # completed in place, size and mtime as before
    changing.write_bytes(with_comment(data, b"v2"))
    second = scan_corpus(str(corpus), str(out), client=client, kb=bundled_kb())
    assert second.rows_written == 3 and second.already_done == 1  # broken.apk: hashed again, same content
    rows = _rows(out)
    assert len(rows) == 7 == len({r["key"] for r in rows})
    latest: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["scanned_at"]):
        latest[Path(r["path"]).name] = r
    _same_app(latest["linked.apk"], expected[str(other)])
    _same_app(latest["partial.apk"], expected[str(src)])
    assert latest["changing.apk"]["error"] is None and latest["changing.apk"]["sha256"] != by["changing.apk"]["sha256"]
    st = collect_stats(str(out))
    # the stale error rows of linked.apk and partial.apk are dropped; both contents of changing.apk count
    assert (st.apps, st.apps_ok, st.errors) == (5, 4, [("not_a_zip", 1)])

    third = scan_corpus(str(corpus), str(out), client=client, kb=bundled_kb())
    assert (third.rows_written, third.unchanged, third.already_done) == (0, 3, 1)


@contextlib.contextmanager
def _http_server(folder: Path, log_path: Path) -> Iterator[str]:
    """A real HTTP server (`python -m http.server`: another process, a TCP socket) serving ``folder``;
    its access log goes to ``log_path``."""
    with log_path.open("wb") as log_fh:
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder)],
            stdout=subprocess.PIPE,
            stderr=log_fh,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().decode()
            yield f"http://127.0.0.1:{int(line.split(' port ', 1)[1].split()[0])}"
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()


def test_workers_read_the_corpus_from_an_http_store(
    corpus_dir: tuple[Path, list[Path]], client: Any, tmp_path: Path
) -> None:
    """fsspec's HTTP store: the client lists the folder pages, each worker fetches the files it scans
    (each file once); the rows equal the local scan of the same folder, row for row."""
    _, paths = corpus_dir
    served = tmp_path / "served"
    (served / "apks").mkdir(parents=True)
    small = [p for p in paths if p.is_file() and p.suffix in (".apk", ".xapk") and p.stat().st_size < 200_000]
    files = [p for p in small if "malformed" not in p.parts][:4]
    files.append(next(p for p in paths if p.name == "not-a-zip.apk"))
    for p in files:
        shutil.copyfile(p, served / "apks" / p.name)
    split = next(p for p in paths if p.is_dir())
    shutil.copytree(split, served / "apks" / split.name)
    local_out, http_out, log_path = tmp_path / "local.parquet", tmp_path / "http.parquet", tmp_path / "access.log"
    scan_corpus(str(served / "apks"), str(local_out), client=client, batch_size=2, kb=bundled_kb())
    with _http_server(served, log_path) as base:
        summary = scan_corpus(f"{base}/apks/", str(http_out), client=client, batch_size=2, kb=bundled_kb())
    local = {r["path"][len(str(served)) :]: r for r in _rows(local_out)}
    remote = {r["path"][len(base) :]: r for r in _rows(http_out)}
    assert summary.listed == len(files) + 1 == len(remote)
    assert set(remote) == set(local)
    for rel, want in local.items():
        got = remote[rel]
        for col in ("sha256", "size", "package", "version_code", "permissions", "signer_sha256", "tracker_names"):
            assert got[col] == want[col], (rel, col)
        assert (got["error"], got["dex_bytes"]) == (want["error"], want["dex_bytes"]), rel
        if want["kind"] != "split_dir":  # a remote split set is scanned as one in-memory bundle of its parts
            g, w = json.loads(got["report_json"]), json.loads(want["report_json"])
            assert (g.pop("path"), w.pop("path")) == (base + rel, str(served) + rel)
            assert g == w, rel
    assert remote["/apks/not-a-zip.apk"]["error"] == "not_a_zip"

    # scanned in the worker processes, and each file fetched once: the client copied nothing
    ids = client.run(lambda: f"{socket.gethostname()}:{os.getpid()}")
    assert {r["worker"] for r in remote.values()} <= set(ids.values())
    assert f"{socket.gethostname()}:{os.getpid()}" not in ids.values()
    gets = [ln.split('"GET ', 1)[1].split(" ", 1)[0] for ln in log_path.read_text().splitlines() if '"GET ' in ln]
    wanted = [f"/apks/{p.name}" for p in files] + [f"/apks/{split.name}/{q.name}" for q in split.iterdir()]
    for name in wanted:
        assert gets.count(name) == 1, (name, gets)


def test_captures_scanned_on_the_cluster_equal_the_in_process_rows(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`corpus scan --captures` on the Dask workers: the same rows as the worker code run in process."""
    from conftest import FIXTURES
    from howsafe.cli import main

    src = tmp_path / "mixed"
    src.mkdir()
    for name in ("phone-wifi.pcapng", "hostile-truncated.pcap", "hostile-empty.pcap"):
        shutil.copyfile(FIXTURES / "captures" / name, src / name)
    shutil.copyfile(FIXTURES / "apk" / "trackers" / "single-jpush.apk", src / "app.apk")
    out = tmp_path / "r.parquet"
    args = ["corpus", "scan", str(src), "--out", str(out), "--scheduler", client.scheduler.address, "--captures"]
    assert main(args) == 0
    assert "4 new row(s)" in capsys.readouterr().err
    want = {
        r["path"]: r
        for r in scan_batch(list(list_items(str(src), captures=True)), TrackerSet.of(load_tracker_db(bundled_kb())))
    }
    got = {r["path"]: r for r in _rows(out)}
    assert set(got) == set(want)
    for path, w in want.items():
        for col in ("record", "kind", "sha256", "hosts", "error", "error_detail", "warnings", "report_json", "package"):
            assert got[path][col] == w.get(col), (path, col)
    assert got[str(src / "hostile-empty.pcap")]["error"] == "empty_file"
    assert main(args) == 0
    assert "0 new row(s)" in capsys.readouterr().err


def test_scans_one_after_another_on_one_cluster_each_get_their_own_shared_data(
    corpus_dir: tuple[Path, list[Path]], client: Any, expected: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """Scans run back to back on one cluster (a `--scheduler` shared by a team, or one client used
    twice): each scan's shared data (tracker set, already-done keys) is its own. With shared names,
    a scan could lose its data to the release of the previous scan's (a hang, or every row
    `scan_failed`), or read the previous scan's done set and skip apps it never scanned."""
    root, paths = corpus_dir
    half = tmp_path / "half"
    (half / "apks").mkdir(parents=True)
    singles = sorted(p for p in paths if p.is_file() and "malformed" not in p.parts)
    for p in singles[: len(singles) // 2]:
        shutil.copyfile(p, half / "apks" / p.name)
    for n in range(4):
        resumed, fresh = tmp_path / f"resumed-{n}.parquet", tmp_path / f"fresh-{n}.parquet"
        scan_corpus(str(half / "apks"), str(resumed), client=client, batch_size=4, kb=bundled_kb())
        before = {r["key"] for r in _rows(resumed)}
        again = scan_corpus(str(root / "apks"), str(resumed), client=client, batch_size=4, kb=bundled_kb())
        summary = scan_corpus(str(root / "apks"), str(fresh), client=client, batch_size=4, kb=bundled_kb())
        fresh_rows = _rows(fresh)
        assert summary.already_done == 0
        assert {r["path"] for r in fresh_rows} == set(expected)
        for r in fresh_rows:
            assert r["error"] != "scan_failed", r["path"]
            assert json.loads(r["report_json"]) == expected[r["path"]]
        keys = {r["key"] for r in fresh_rows}
        assert before < keys
        assert {r["key"] for r in _rows(resumed)} == keys
        assert again.rows_written == len(keys - before)
