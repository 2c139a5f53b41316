"""Benchmark: `howsafe corpus scan` throughput on Dask with 1 and 2 workers, and exodus-core on the same files.

Usage (from the repository root, the shared test data beside it)::

    pip install -e '.[corpus]'
    python bench/bench_corpus.py [--fixtures ../shared/fixtures/apk] [--real-copies 25] [--copies 28]
                                 [--runs 3] [--exodus-python PATH/TO/venv/bin/python] [--json out.json]

The corpus is generated from the fixture set: every valid input repacked into copies that differ only
by their ZIP comment (distinct sha256, identical content to scan), the hostile files once each; with
the defaults that is 505 inputs (100 copies of the 4 real APKs). Reported:

- per worker count (a LocalCluster of processes, 1 thread each, started before timing): wall time of
  the scan into a fresh Parquet dataset (listing, hashing, scanning, writing), median of ``--runs``;
  APKs/s and MB of DEX/s (the DEX bytes inflated, from the rows); the scaling efficiency
  ``rate(2) / (2 * rate(1))``; the cluster start-up time;
- exodus-core 1.3.15 (a separate interpreter given by ``--exodus-python``, which needs ``exodus-core``
  and Debian's ``dexdump``) over each DISTINCT source file once, in one process (imports and signature
  compilation paid once), and howsafe single-process over the same files: the per-file ratio, and the
  projected exodus-core time of the whole corpus (each copy costs what its source costs). The 2 GB
  deflate bomb is left out for exodus-core (it takes 16.7 s and 2.1 GB RSS per truth.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from howsafe.apk import scan_paths  # noqa: E402
from howsafe.corpus.run import scan_corpus  # noqa: E402
from howsafe.corpus.store import existing_parts  # noqa: E402
from howsafe.kb import KnowledgeBase  # noqa: E402

EOCD = b"PK\x05\x06"
BOMB = "zipbomb-deflate-2g.apk"


def with_comment(data: bytes, comment: bytes) -> bytes:
    at = data.rfind(EOCD)
    old = struct.unpack_from("<H", data, at + 20)[0]
    assert at >= 0 and at + 22 + old == len(data)
    return data[: at + 20] + struct.pack("<H", len(comment)) + comment


def build(fixtures: Path, dest: Path, *, real_copies: int, copies: int) -> dict[str, Path]:
    """Write the corpus; returns {corpus path: source fixture path}."""
    truth = json.loads((fixtures / "truth.json").read_text(encoding="utf-8"))["entries"]
    dest.mkdir(parents=True)
    made: dict[str, Path] = {}
    for key, entry in sorted(truth.items()):
        src = fixtures / key.rstrip("/")
        stem = key.rstrip("/").replace("/", "__")
        if entry["kind"] == "malformed":
            target = dest / "malformed" / src.name
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(src, target)
            made[str(target)] = src
            continue
        n = real_copies if key.startswith("apks/") else copies
        for i in range(n):
            if src.is_dir():
                d = dest / f"{stem}-{i}"
                d.mkdir()
                for part in sorted(src.iterdir()):
                    data = part.read_bytes()
                    if part.name == "base.apk":
                        data = with_comment(data, f"c{i}".encode())
                    (d / part.name).write_bytes(data)
                made[str(d)] = src
            else:
                target = dest / f"{stem.rsplit('.', 1)[0]}-{i}{src.suffix}"
                target.write_bytes(with_comment(src.read_bytes(), f"c{i}".encode()))
                made[str(target)] = src
    return made


def rows_of(out: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for p in existing_parts(str(out)):
        rows.extend(pq.read_table(p, columns=["path", "dex_bytes", "error", "sha256"]).to_pylist())
    return rows


def bench_workers(corpus: Path, n: int, runs: int, kb: KnowledgeBase, work: Path) -> dict[str, Any]:
    import distributed

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
    )
    client = distributed.Client(cluster)
    startup = time.perf_counter() - t0
    times: list[float] = []
    cpus: list[float] = []
    rows: list[dict[str, Any]] = []
    try:
        # warm the workers (imports, tracker automaton) on a tiny run, as a long-lived cluster would be
        warm = work / f"warm-{n}"
        scan_corpus(str(corpus / "malformed"), str(warm), client=client, kb=kb)
        for r in range(runs):
            out = work / f"out-{n}-{r}"
            before = sum(client.run(_worker_cpu).values()) + _self_cpu()
            t = time.perf_counter()
            scan_corpus(str(corpus), str(out), client=client, kb=kb, batch_size=8, part_rows=1000)
            times.append(time.perf_counter() - t)
            cpus.append(sum(client.run(_worker_cpu).values()) + _self_cpu() - before)
            rows = rows_of(out)
    finally:
        client.close()
        cluster.close()
    med = statistics.median(times)
    cpu = statistics.median(cpus)
    dex = sum(r["dex_bytes"] or 0 for r in rows)
    return {
        "workers": n,
        "startup_s": startup,
        "times_s": times,
        "median_s": med,
        "rows": len(rows),
        "apks_per_s": len(rows) / med,
        "dex_mb": dex / 1e6,
        "dex_mb_per_s": dex / 1e6 / med,
        "cpu_s": cpus,
        "cpu_median_s": cpu,
        "apks_per_cpu_s": len(rows) / cpu,
        "dex_mb_per_cpu_s": dex / 1e6 / cpu,
        "errors": sum(1 for r in rows if r["error"]),
    }


def _worker_cpu() -> float:
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def _self_cpu() -> float:
    """The client's own CPU (listing, scheduling, Parquet writing) plus the scheduler thread's."""
    return _worker_cpu()


def bench_exodus(py: str, fixtures: Path, sources: list[Path]) -> dict[str, dict[str, Any]]:
    runner = REPO / "bench" / "corpus_exodus_run.py"
    targets = [s for s in sources if s.name != BOMB]
    proc = subprocess.run(
        [py, str(runner), str(fixtures / "exodus_trackers.json"), *map(str, targets)],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    out: dict[str, dict[str, Any]] = {}
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        out[rec["path"]] = rec
    if not out:
        raise SystemExit(f"exodus-core run failed: {proc.stderr[-2000:]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", type=Path, default=REPO.parent / "shared" / "fixtures" / "apk")
    ap.add_argument("--real-copies", type=int, default=25)
    ap.add_argument("--copies", type=int, default=28)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--exodus-python", default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="build the corpus here and keep it")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="howsafe-bench-corpus-"))
    corpus = args.keep or work / "corpus"
    try:
        if not corpus.exists():
            made = build(args.fixtures, corpus, real_copies=args.real_copies, copies=args.copies)
        else:
            made = {}
        kb = KnowledgeBase()
        n_items = sum(1 for _ in corpus.iterdir()) + sum(1 for _ in (corpus / "malformed").iterdir()) - 1
        print(f"corpus: {n_items} inputs in {corpus}", flush=True)
        results: dict[str, Any] = {"inputs": n_items, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
        per = [bench_workers(corpus, n, args.runs, kb, work) for n in (1, 2)]
        results["workers"] = per
        for p in per:
            print(
                f"{p['workers']} worker(s): median {p['median_s']:.2f} s of {[round(t, 2) for t in p['times_s']]}"
                f" -> {p['apks_per_s']:.1f} APKs/s, {p['dex_mb_per_s']:.1f} MB DEX/s "
                f"({p['rows']} rows, {p['errors']} error rows, {p['dex_mb']:.0f} MB DEX); "
                f"CPU {p['cpu_median_s']:.1f} s = {p['apks_per_cpu_s']:.1f} APKs per CPU-s, "
                f"{p['dex_mb_per_cpu_s']:.0f} MB DEX per CPU-s; "
                f"cluster start {p['startup_s']:.1f} s",
                flush=True,
            )
        eff = per[1]["apks_per_s"] / (2 * per[0]["apks_per_s"])
        results["scaling_efficiency"] = eff
        results["load_after"] = os.getloadavg()
        print(
            f"scaling efficiency 1 -> 2 workers: {eff:.2f} (load average before {results['load_before'][0]:.1f}, "
            f"after {results['load_after'][0]:.1f} on {os.cpu_count()} CPUs)",
            flush=True,
        )

        if args.exodus_python and made:
            sources = sorted(set(made.values()))
            ex = bench_exodus(args.exodus_python, args.fixtures, sources)
            # howsafe single-process on the same distinct files, same interpreter-warm conditions
            scan_paths(sources[:1], kb=kb)
            hs: dict[str, float] = {}
            for s in sources:
                t = time.perf_counter()
                scan_paths([s], kb=kb)
                hs[str(s)] = time.perf_counter() - t
            timed = [s for s in sources if str(s) in ex and "seconds" in ex[str(s)]]
            ex_total = sum(ex[str(s)]["seconds"] for s in timed)
            hs_total = sum(hs[str(s)] for s in timed)
            counts: dict[str, int] = {}
            for src in made.values():
                counts[str(src)] = counts.get(str(src), 0) + 1
            projected = sum(ex[k]["seconds"] * c for k, c in counts.items() if k in ex and "seconds" in ex[k])
            covered = sum(c for k, c in counts.items() if k in ex and "seconds" in ex[k])
            results["exodus"] = {
                "distinct_files": len(timed),
                "exodus_s": ex_total,
                "howsafe_s": hs_total,
                "ratio": ex_total / hs_total,
                "projected_corpus_s": projected,
                "projected_items": covered,
                "skipped": [k for k, v in ex.items() if "skipped" in v] + [BOMB],
                "errors": {k: v["error"] for k, v in ex.items() if "error" in v},
            }
            one = per[0]
            print(
                f"exodus-core over the {len(timed)} distinct files (one process): {ex_total:.2f} s; "
                f"howsafe single-process: {hs_total:.2f} s -> {ex_total / hs_total:.1f}x",
                flush=True,
            )
            print(
                f"exodus-core projected over {covered} corpus inputs: {projected:.1f} s = "
                f"{covered / projected:.2f} APKs/s vs howsafe 1 worker {one['apks_per_s']:.1f} APKs/s",
                flush=True,
            )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
