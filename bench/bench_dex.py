"""Benchmark: howsafe's DEX tracker scan vs exodus-core 1.3.15, against the inflate-only floor.

Usage (from the repository root, the shared test data beside it)::

    python bench/bench_dex.py [--fixtures ../shared/fixtures/apk] [--runs 5] [--json out.json]

Needs ``pip install exodus-core==1.3.15 deflate isal pyahocorasick`` and Debian's ``dexdump``
(``apt-get install dexdump``). Everything runs offline: exodus-core gets the same tracker list
from the fixture set's ``exodus_trackers.json`` (see ``bench/apk_exodus_run.py``).

Reported, per real APK (``apks/``):
- inflate-only time of its DEX members with libdeflate, zlib and ISA-L (best of N): the floor any
  scanner must pay;
- howsafe's in-process scan time (manifest, every DEX class table, signers, matching; best of N)
  and its ratio to the libdeflate inflate-only time (target <= 2x);
- whole-process wall time and peak RSS of ``howsafe apps`` and of exodus-core, one process each;
- the matcher alone: Aho-Corasick (pyahocorasick) vs the combined-regex fallback.
Then agreement with exodus-core on every valid input of the set, each difference explained by
the set's truth.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from howsafe.apk import scan_paths  # noqa: E402
from howsafe.apk.dex import class_names  # noqa: E402
from howsafe.apk.matcher import Matcher  # noqa: E402
from howsafe.apk.scan import _DEX_RE  # noqa: E402
from howsafe.apk.trackerdb import load_tracker_db  # noqa: E402
from howsafe.apk.zipread import INFLATER_NAME, ZipArchive  # noqa: E402
from howsafe.kb import KnowledgeBase  # noqa: E402


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def dex_members(path: Path) -> list[tuple[bytes, int]]:
    zf = ZipArchive(path.read_bytes())
    out = []
    for name, m in zf.members.items():
        if _DEX_RE.fullmatch(name):
            lo = m.local_offset
            nlen = int.from_bytes(zf.buf[lo + 26 : lo + 28], "little")
            xlen = int.from_bytes(zf.buf[lo + 28 : lo + 30], "little")
            start = lo + 30 + nlen + xlen
            out.append((bytes(zf.buf[start : start + m.compressed_size]), m.size))
    return out


def inflaters() -> dict[str, Callable[[bytes, int], object]]:
    fns: dict[str, Callable[[bytes, int], object]] = {
        "zlib": lambda d, n: zlib.decompressobj(-15).decompress(d, n),
    }
    try:
        import deflate

        fns["libdeflate"] = lambda d, n: deflate.deflate_decompress(d, n)
    except ImportError:
        pass
    try:
        from isal import isal_zlib

        fns["isal"] = lambda d, n: isal_zlib.decompressobj(-15).decompress(d, n)
    except ImportError:
        pass
    return fns


def run_process(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one child process.

    Peak RSS comes from GNU time when present: ``wait4`` on a child forked from this (large)
    process would also count the pages it shared with us before ``exec``.
    """
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        full = [gnu_time, "-f", "%M", "-o", rss_file.name, *cmd] if gnu_time else cmd
        t = time.perf_counter()
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO, check=False)
        wall = time.perf_counter() - t
        rss = float(rss_file.read().strip().splitlines()[-1]) / 1024 if gnu_time else float("nan")
    return wall, rss, proc.stdout.decode(errors="replace")


def exodus(db: Path, target: Path) -> dict[str, Any]:
    runner = str(REPO / "bench" / "apk_exodus_run.py")
    wall, rss, out = run_process([sys.executable, runner, str(db), str(target)])
    line = next((x for x in out.splitlines() if x.startswith("{")), None)
    res: dict[str, Any] = json.loads(line) if line else {"ids": None, "error": True}
    res.update(wall=wall, rss=rss)
    return res


def howsafe_process(target: Path) -> tuple[float, float]:
    wall, rss, _ = run_process(
        [sys.executable, "-m", "howsafe", "apps", str(target), "--format", "json", "--jobs", "1"]
    )
    return wall, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", type=Path, default=REPO.parent / "shared" / "fixtures" / "apk")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    fx: Path = args.fixtures
    truth = json.loads((fx / "truth.json").read_text(encoding="utf-8"))["entries"]
    db_file = fx / "exodus_trackers.json"
    kb = KnowledgeBase()
    db = load_tracker_db(kb)
    matchers = {"ahocorasick": Matcher(db, engine="ahocorasick"), "regex": Matcher(db, engine="regex")}
    infl = inflaters()
    results: dict[str, Any] = {"inflater_in_use": INFLATER_NAME, "apks": [], "agreement": []}

    base_wall, base_rss = howsafe_process(fx / "malformed" / "not-a-zip.apk")
    results["baseline_process"] = {"wall_s": base_wall, "rss_mib": base_rss}
    print(f"# howsafe DEX scan benchmark (inflater in use: {INFLATER_NAME}, best of {args.runs})\n")
    print(
        f"Baseline `howsafe apps` process (interpreter + imports, one unreadable file): "
        f"{base_wall:.2f} s, {base_rss:.0f} MiB peak RSS.\n"
    )
    hdr = (
        "| APK | DEX MB (largest) | classes | "
        + " | ".join(f"{k} ms" for k in infl)
        + " | howsafe ms | x libdeflate | AC match ms | regex match ms | howsafe proc s / MiB (+over base)"
        + " | exodus-core s / MiB | speed-up |"
    )
    print(hdr)
    print("|" + "|".join("---" for _ in range(hdr.count("|") - 1)) + "|")
    tot = {"inflate": 0.0, "howsafe": 0.0, "exodus": 0.0, "howsafe_proc": 0.0}
    for apk in sorted((fx / "apks").glob("*.apk")):
        members = dex_members(apk)
        size = sum(n for _, n in members)
        t_inf = {k: best(lambda f=f, ms=members: [f(d, n) for d, n in ms], args.runs) for k, f in infl.items()}
        kb_scan = KnowledgeBase()
        scan_paths([apk], kb=kb_scan)  # warm: tracker DB and automaton built once per KB
        t_scan = best(lambda apk=apk, k=kb_scan: scan_paths([apk], kb=k), args.runs)
        zf = ZipArchive(apk.read_bytes())
        names = [c for n in zf.members if _DEX_RE.fullmatch(n) for c in class_names(zf.read(n))]
        pkg = truth[f"apks/{apk.name}"]["package"]
        t_match = {
            k: best(lambda m=m, ns=names, pk=pkg: m.match(ns, pk), max(1, args.runs // 2)) for k, m in matchers.items()
        }
        hp_wall, hp_rss = howsafe_process(apk)
        ex = exodus(db_file, apk)
        floor = t_inf.get("libdeflate", t_inf["zlib"])
        row = {
            "apk": apk.name,
            "dex_bytes": size,
            "classes": len(names),
            "inflate_s": t_inf,
            "howsafe_s": t_scan,
            "ratio_to_libdeflate": t_scan / floor,
            "match_s": t_match,
            "howsafe_process_s": hp_wall,
            "howsafe_process_rss_mib": hp_rss,
            "exodus_process_s": ex["wall"],
            "exodus_rss_mib": ex["rss"],
            "exodus_timing": ex.get("timing"),
        }
        results["apks"].append(row)
        tot["inflate"] += floor
        tot["howsafe"] += t_scan
        tot["exodus"] += ex["wall"]
        tot["howsafe_proc"] += hp_wall
        print(
            f"| {apk.name} | {size / 1e6:.1f} ({max(n for _, n in members) / 1e6:.1f}) | {len(names)} | "
            + " | ".join(f"{v * 1e3:.1f}" for v in t_inf.values())
            + f" | {t_scan * 1e3:.1f} | {t_scan / floor:.2f} | {t_match['ahocorasick'] * 1e3:.1f}"
            f" | {t_match['regex'] * 1e3:.0f} | {hp_wall:.2f} / {hp_rss:.0f} (+{hp_rss - base_rss:.0f})"
            f" | {ex['wall']:.2f} / {ex['rss']:.0f}"
            f" | {ex['wall'] / t_scan:.0f}x |"
        )
    print(
        f"\nTotal over the real APKs: inflate-only {tot['inflate'] * 1e3:.0f} ms, howsafe scan "
        f"{tot['howsafe'] * 1e3:.0f} ms ({tot['howsafe'] / tot['inflate']:.2f}x inflate), "
        f"exodus-core {tot['exodus']:.2f} s ({tot['exodus'] / tot['howsafe']:.0f}x slower than the "
        f"in-process scan; {tot['exodus'] / tot['howsafe_proc']:.1f}x slower process for process)."
    )
    results["totals"] = tot

    print("\n## Agreement with exodus-core 1.3.15 (same tracker list)\n")
    print("| input | howsafe (εxodus ids) | exodus-core | agree | why they differ (truth.json) |")
    print("|---|---|---|---|---|")
    keys = sorted(k for k, e in truth.items() if e["kind"] != "malformed")
    reports = scan_paths([fx / k for k in keys], kb=kb)
    agree = 0
    for key, rep in zip(keys, reports, strict=True):
        ours = sorted(h.exodus_id for h in rep.trackers if h.origin == "exodus" and h.exodus_id is not None)
        ex = exodus(db_file, fx / key)
        same = ours == ex["ids"]
        agree += same
        diffs = truth[key].get("exodus_core", {}).get("differences") or {}
        why = "; ".join(f"{tid}: {reason}" for tid, reason in diffs.items())
        truth_ok = ours == sorted(truth[key]["tracker_ids"])
        results["agreement"].append({"input": key, "howsafe": ours, "exodus": ex["ids"], "truth_ok": truth_ok})
        print(f"| {key} | {ours} | {ex['ids']} | {'yes' if same else 'no'} | {why or '-'} |")
    print(
        f"\nhowsafe agrees with exodus-core on {agree}/{len(keys)} inputs; "
        f"howsafe matches truth.json on {sum(r['truth_ok'] for r in results['agreement'])}/{len(keys)}."
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
