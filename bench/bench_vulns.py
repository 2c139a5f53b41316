"""Benchmark: the audit's vulnerability step on the shipped bulletin database (target <= 50 ms).

Times, on real device dumps from ../shared/fixtures/devices:
- loading the shipped database (gzipped JSON, ~3,000 rows) cold;
- matching one device against the loaded database (``assess``);
- the whole step as an audit runs it: a fresh knowledge base, the six ``updates.*`` checks and the
  open-CVE report section (database and lifecycle loads included);
- for scale, the alternative the prebuilt database avoids: parsing the 64 bulletin HTML pages.

Usage: python bench/bench_vulns.py [--rounds 30] [--out docs/benchmarks/vulns.md]
(HOWSAFE_SHARED points at the shared data folder when it is not ../shared beside the checkout.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from howsafe.checks import all_checks
from howsafe.checks.updates import open_cve_section
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.sources import load_path
from howsafe.vulns.bulletin_html import parse_folder
from howsafe.vulns.db import DB_NAME, load_db, load_file
from howsafe.vulns.match import assess

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared"))
DEVICES = {
    "LeEco Le X620 (6.0, SPL 2017-01-05)": "leeco-le_x6-1497177565",
    "ZTE Axon 7 (6.0.1, SPL 2017-07-01)": "zte-ailsa_ii-20170812.110941",
    "Xiaomi MI MAX 2 (7.1.1, SPL 2019-03-01)": "xiaomi-oxygen-V11.0.2.0.NDDCNXM",
}
TODAY = dt.date(2026, 11, 30)


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    db_path = KnowledgeBase().find(DB_NAME)
    assert db_path is not None
    checks = all_checks(lambda c: c.id.startswith("updates."))
    rows: list[tuple[str, str, float, float, str]] = []

    med, p95 = timed(lambda: load_file(db_path), args.rounds)
    rows.append(("load shipped DB (cold)", "-", med, p95, f"{db_path.stat().st_size // 1024} KiB"))
    db = load_db(KnowledgeBase())
    for label, folder in DEVICES.items():
        snap = load_path(SHARED / "fixtures" / "devices" / folder)
        a = assess(db, snap, TODAY)
        med, p95 = timed(lambda snap=snap: assess(db, snap, TODAY), args.rounds)  # type: ignore[misc]
        rows.append(("match (DB loaded)", label, med, p95, f"{len(a.open)} open CVEs"))

        def step(snap=snap) -> None:  # type: ignore[no-untyped-def]
            au = Auditor(KnowledgeBase(), checks, clock=lambda: dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC))
            ctx = au.context(snap)
            au.findings(ctx)
            open_cve_section(ctx)

        med, p95 = timed(step, args.rounds)
        rows.append(("whole vulnerability step (cold KB)", label, med, p95, "6 checks + section"))
    asb = SHARED / "data" / "vulns" / "asb-html"
    med, p95 = timed(lambda: parse_folder(asb), max(3, args.rounds // 10))
    rows.append(("alternative: parse the bulletin HTML", "-", med, p95, "64 pages"))

    lines = [
        "# Vulnerability step benchmark",
        "",
        f"Command: `python bench/bench_vulns.py --rounds {args.rounds} --out docs/benchmarks/vulns.md`",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        "(shared with other jobs).",
        "",
        "Target: the audit's vulnerability step <= 50 ms on the shipped database.",
        "",
        "| what | device | median ms | p95 ms | note |",
        "|---|---|---:|---:|---|",
    ]
    lines += [f"| {w} | {d} | {m:.2f} | {p:.2f} | {n} |" for w, d, m, p, n in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
