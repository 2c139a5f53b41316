"""Benchmark: whole-process time of `howsafe --version`, `howsafe apps` and `howsafe audit` against their floors/peers.

Usage (from the repository root, the shared test data beside it)::

    python bench/bench_startup.py [--runs 9] [--mvt PATH/TO/venv/bin/mvt-android] [--json out.json] [--instructions]

Cases, each run as a separate process, alternating with its peer inside every round so that both
see the same machine load; medians of ``--runs`` rounds, wall time and CPU time (user + sys of the
process and its children, which a loaded shared machine disturbs far less than wall time):

- ``howsafe --version`` against ``python -c pass`` (the interpreter alone). Target: <= 60 ms.
- ``howsafe apps`` on the real APKs of the fixture set (``apks/``, one process, ``--jobs 1``) against
  the libdeflate inflate-only time of the same DEX members, twice: as a whole process
  (``bench/inflate_only.py``: the interpreter, ``deflate``, the ZIP directories and the inflation, no
  howsafe import: the whole-process peer) and, stricter, in process (the inflation
  alone). Target: <= 2x + 50 ms; both verdicts are printed.
- ``howsafe audit`` of an androidqf acquisition built from a real 222-package Xiaomi listing
  (``xiaomi-vince`` fixture: its getprop and ``pm list packages -f``) against MVT's
  ``mvt-android check-androidqf -n`` on the same folder (MVT installed in its own venv, given by
  ``--mvt``; it has no indicators downloaded, so both only parse and check). Target: <= 0.5x.

Bytecode: before timing, the script compiles howsafe's sources (``compileall`` on ``src/howsafe``,
writing ``__pycache__``), as ``pip install`` does for users, so that no case pays for compiling
modules from source (MVT's virtual environment, installed by pip, has its bytecode too). It does
so even when ``PYTHONDONTWRITEBYTECODE`` is set, and runs the cases with that variable unset.

Compiled knowledge: an audit keeps the validated vendor package files and vulnerability database
in the user's cache folder (``howsafe.kb.compiled``); the first audit after an install or a
``kb update`` builds them. One untimed audit runs before the rounds, so the figures are those of
every later run (the first run costs about what an audit cost before the copy existed).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from howsafe.apk.scan import _DEX_RE  # noqa: E402
from howsafe.apk.zipread import ZipArchive  # noqa: E402

SHARED = REPO.parent / "shared"
DEVICE = SHARED / "fixtures" / "devices" / "xiaomi-vince-V10.2.3.0.OEGMIXM"
APKS = SHARED / "fixtures" / "apk" / "apks"


def ensure_bytecode() -> None:
    """Compile howsafe's modules to ``__pycache__`` (what ``pip install`` does) so no run compiles source."""
    if not compileall.compile_dir(str(REPO / "src" / "howsafe"), quiet=1):
        raise SystemExit("compileall failed")


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, cpu) seconds of one process run to completion, output discarded."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = 0
    return wall, usage.ru_utime + usage.ru_stime


def instructions(cmd: list[str], env: dict[str, str]) -> int | None:
    """Instructions one run executes, counted by ``valgrind --tool=callgrind`` (None without valgrind).

    A count does not depend on what else the machine runs, so it compares two programs on a shared,
    loaded machine where CPU time drifts by 10-30% between rounds (valgrind itself slows the run
    ~50x; only the count is used). It weighs pure-Python work and C library work alike, so it is a
    proxy for CPU time, reported beside it, not instead of it."""
    if shutil.which("valgrind") is None:
        return None
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    return None


def build_androidqf(dest: Path) -> Path:
    """An androidqf acquisition folder from the real 222-package listing of the vince fixture."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "getprop.txt").write_text((DEVICE / "getprop.txt").read_text(encoding="utf-8"), encoding="utf-8")
    packages = []
    for line in (DEVICE / "packages-f.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("package:"):
            continue
        path, name = line[len("package:") :].rsplit("=", 1)
        system = not path.startswith("/data/")
        packages.append(
            {
                "name": name,
                "files": [{"path": path}],
                "installer": "null",
                "uid": 0,
                "disabled": False,
                "system": system,
                "third_party": not system,
            }
        )
    (dest / "packages.json").write_text(json.dumps(packages), encoding="utf-8")
    (dest / "acquisition.json").write_text(
        json.dumps({"uuid": "bench", "androidqf_version": "v1.7.0", "started": "2024-05-01T10:00:00.000Z"}),
        encoding="utf-8",
    )
    return dest


def inflate_floor(runs: int) -> float:
    """Median in-process time to inflate every DEX member of the real APKs with libdeflate."""
    import deflate

    members = []
    for apk in sorted(APKS.glob("*.apk")):
        zf = ZipArchive(apk.read_bytes())
        for name, m in zf.members.items():
            if _DEX_RE.fullmatch(name):
                lo = m.local_offset
                nlen = int.from_bytes(zf.buf[lo + 26 : lo + 28], "little")
                xlen = int.from_bytes(zf.buf[lo + 28 : lo + 30], "little")
                start = lo + 30 + nlen + xlen
                members.append((bytes(zf.buf[start : start + m.compressed_size]), m.size))
    times = []
    for _ in range(runs):
        t = time.process_time()
        for data, size in members:
            deflate.deflate_decompress(data, size)
        times.append(time.process_time() - t)
    return statistics.median(times)


def rounds(cases: dict[str, list[str]], runs: int) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in cases}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(runs):
        for name, cmd in cases.items():
            w, c = run_once(cmd, env)
            res[name]["wall"].append(w)
            res[name]["cpu"].append(c)
    return {
        k: {
            "wall_median": statistics.median(v["wall"]),
            "cpu_median": statistics.median(v["cpu"]),
            "wall": v["wall"],
            "cpu": v["cpu"],
        }
        for k, v in res.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--mvt", default=None, help="path of mvt-android (in its own venv)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="also count the instructions of one run of each audit case with valgrind's callgrind",
    )
    args = ap.parse_args()
    hs = [str(Path(sys.executable).parent / "howsafe")]
    ensure_bytecode()
    with tempfile.TemporaryDirectory(prefix="howsafe-bench-startup-") as tmp:
        dump = build_androidqf(Path(tmp) / "androidqf")
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "howsafe --version": [*hs, "--version"],
            "howsafe apps (4 real APKs)": [*hs, "apps", str(APKS), "--jobs", "1", "--format", "json", "-o", os.devnull],
            "inflate-only process (4 real APKs)": [sys.executable, str(REPO / "bench" / "inflate_only.py"), str(APKS)],
            "howsafe audit (androidqf, 222 packages)": [*hs, "audit", str(dump), "--format", "json", "-o", os.devnull],
        }
        if args.mvt:
            cases["mvt-android check-androidqf"] = [args.mvt, "check-androidqf", "-n", str(dump)]
        run_once(cases["howsafe audit (androidqf, 222 packages)"])  # builds the compiled knowledge if missing
        res = rounds(cases, args.runs)
        floor = inflate_floor(args.runs)
        counts: dict[str, int | None] = {}
        if args.instructions:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            for name in ("python -c pass", "howsafe audit (androidqf, 222 packages)", "mvt-android check-androidqf"):
                if name in cases:
                    counts[name] = instructions(cases[name], env)
    out: dict[str, Any] = {
        "load_before": os.getloadavg(),
        "runs": args.runs,
        "cases": res,
        "libdeflate_inflate_cpu_s": floor,
    }
    for k, v in res.items():
        print(f"{k:45s} wall {v['wall_median'] * 1000:7.0f} ms   cpu {v['cpu_median'] * 1000:7.0f} ms")
    apps = res["howsafe apps (4 real APKs)"]["cpu_median"]
    whole = res["inflate-only process (4 real APKs)"]["cpu_median"]
    for label, fl in (("whole process", whole), ("in process", floor)):
        target = 2 * fl + 0.050
        verdict = "met" if apps <= target else "NOT met"
        print(
            f"libdeflate inflate-only ({label}, cpu): {fl * 1000:.0f} ms -> apps target {target * 1000:.0f} ms; "
            f"apps cpu {apps * 1000:.0f} ms = {(apps - 0.050) / fl:.2f}x floor + 50 ms ({verdict})"
        )
        out[f"apps_over_floor_{label.replace(' ', '_')}"] = (apps - 0.050) / fl
    if args.mvt:
        a, m = res["howsafe audit (androidqf, 222 packages)"], res["mvt-android check-androidqf"]
        out["audit_over_mvt_cpu"] = a["cpu_median"] / m["cpu_median"]
        out["audit_over_mvt_wall"] = a["wall_median"] / m["wall_median"]
        ratio_cpu, ratio_wall = out["audit_over_mvt_cpu"], out["audit_over_mvt_wall"]
        print(f"audit / MVT: cpu {ratio_cpu:.2f}x, wall {ratio_wall:.2f}x (target <= 0.5)")
    if counts:
        out["instructions"] = counts
        for k, n in counts.items():
            print(f"{k:45s} {n / 1e6:,.0f}M instructions" if n else f"{k:45s} (not counted)")
        a_n, m_n = counts.get("howsafe audit (androidqf, 222 packages)"), counts.get("mvt-android check-androidqf")
        if a_n and m_n:
            out["audit_over_mvt_instructions"] = a_n / m_n
            print(f"audit / MVT: instructions {a_n / m_n:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
