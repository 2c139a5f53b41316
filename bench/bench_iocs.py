"""Benchmark: loading and matching large STIX2 indicator collections.

Compares, in one run:
- reading a bundle: howsafe's small reader vs the ``stix2`` library (``stix2.parse``), same file;
- matching hosts: howsafe's suffix-indexed lookup vs a loop over every domain indicator
  (the naive approach), same hosts, same answers asserted;
- the compiled index of the store (issue 13): the bundle set is stored with ``add_to_store`` (which
  compiles it), then fresh processes measure "ready to match" (open + 1,000 lookups) and peak RSS,
  against reading the same bundles into memory (the path without the index), same run;
- a bundle given at audit time (``--iocs FILE``): compiled on first use into the cache dir, then
  "ready to match" in fresh processes against reading it, same run (``--adhoc-only`` runs just this).

The bundle is synthetic (generated here, realistic shape: one malware object, N indicators each
with an ``indicates`` relationship), so the benchmark needs no network.

Usage: python bench/bench_iocs.py [--indicators 300000] [--hosts 100000] [--out docs/benchmarks/iocs.md] [--adhoc-only]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from howsafe.iocs import IocType, build_set
from howsafe.iocs.stix import read_bundle


def make_bundle(n: int, path: Path, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    mal = f"malware--{uuid.UUID(int=rnd.getrandbits(128), version=4)}"
    objects: list[dict[str, object]] = [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": mal,
            "created": "2026-01-01T00:00:00Z",
            "modified": "2026-01-01T00:00:00Z",
            "name": "BenchFamily",
            "is_family": False,
        }
    ]
    domains = []
    for i in range(n):
        d = f"{rnd.getrandbits(40):x}-{i}.{rnd.choice(['com', 'net', 'info', 'xyz', 'top'])}"
        domains.append(d)
        iid = f"indicator--{uuid.UUID(int=rnd.getrandbits(128), version=4)}"
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": iid,
                "created": "2026-01-01T00:00:00Z",
                "modified": "2026-01-01T00:00:00Z",
                "indicator_types": ["malicious-activity"],
                "pattern": f"[domain-name:value='{d}']",
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": "2026-01-01T00:00:00Z",
            }
        )
        objects.append(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": f"relationship--{uuid.UUID(int=rnd.getrandbits(128), version=4)}",
                "created": "2026-01-01T00:00:00Z",
                "modified": "2026-01-01T00:00:00Z",
                "relationship_type": "indicates",
                "source_ref": iid,
                "target_ref": mal,
            }
        )
    path.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}))
    return domains


_READY = """
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from howsafe.iocs.store import build_set, load_indicator_set
mode, where, hosts_file = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
hosts = json.loads(hosts_file.read_text())
t1 = time.perf_counter()
if mode == "compiled":
    iset = load_indicator_set(directory=where, env={})
elif mode == "adhoc":  # `audit --iocs FILE`: the bundle's compiled index in the cache dir
    iset = load_indicator_set([where], include_stored=False, env={}, cache=Path(sys.argv[4]))
else:
    iset = build_set([where])
hits = sum(1 for h in hosts if iset.lookup_domain(h))
t2 = time.perf_counter()
try:  # VmHWM is this process's own peak (ru_maxrss survives exec and would show the parent's)
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ready": t2 - t1, "process": t2 - t0, "hits": hits, "n": len(iset), "rss_mb": hwm / 1024}))
"""


def _ready(mode: str, where: Path, hosts_file: Path, *extra: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _READY, mode, str(where), str(hosts_file), *extra],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def compiled_rows(big: Path, domains: list[str], tmp: Path, runs: int) -> list[str]:
    """Build the compiled index of a store holding ``big``; time "ready to match" in fresh
    processes against reading the bundle into memory, interleaved, medians of ``runs``."""
    from howsafe.iocs.store import add_to_store

    store = tmp / "store"
    _, t_build = timed(lambda: add_to_store([big], directory=store))
    rnd = random.Random(5)
    hosts = [f"cdn{i}." + rnd.choice(domains) if i % 10 == 0 else f"host{i}.example.org" for i in range(1000)]
    hosts_file = tmp / "hosts.json"
    hosts_file.write_text(json.dumps(hosts))
    comp: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    for _ in range(runs):
        comp.append(_ready("compiled", store, hosts_file))
        plain.append(_ready("bundles", big, hosts_file))
    assert {r["hits"] for r in comp} == {r["hits"] for r in plain}
    assert {r["n"] for r in comp} == {r["n"] for r in plain} == {len(domains)}

    def med(rs: list[dict[str, float]], k: str) -> float:
        return statistics.median(r[k] for r in rs)

    c_ready, p_ready = med(comp, "ready"), med(plain, "ready")
    c_rss, p_rss = med(comp, "rss_mb"), med(plain, "rss_mb")
    db = store / ".compiled.sqlite"
    return [
        f"| compile {len(domains):,} indicators on `iocs add` (once; index {db.stat().st_size / 1e6:.0f} MB) | "
        f"{t_build * 1000:.0f} ms | - | - |",
        f"| ready to match: open + 1,000 lookups, {len(domains):,} indicators (median of {runs} fresh processes) | "
        f"compiled index: {c_ready * 1000:.0f} ms, peak RSS {c_rss:.0f} MB "
        f"(whole process {med(comp, 'process') * 1000:.0f} ms) | "
        f"bundles read into memory: {p_ready * 1000:.0f} ms, peak RSS {p_rss:.0f} MB | "
        f"{p_ready / c_ready:,.0f}× time, {p_rss / c_rss:.1f}× memory |",
    ]


def adhoc_rows(big: Path, domains: list[str], tmp: Path, runs: int) -> list[str]:
    """A bundle given at audit time (``--iocs FILE`` / ``$MVT_STIX2``): the first use compiles it into
    the cache dir, later ones open that index; against reading the bundle, interleaved, fresh processes."""
    cache = tmp / "cache"
    rnd = random.Random(5)
    hosts = [f"cdn{i}." + rnd.choice(domains) if i % 10 == 0 else f"host{i}.example.org" for i in range(1000)]
    hosts_file = tmp / "hosts-adhoc.json"
    hosts_file.write_text(json.dumps(hosts))
    first = _ready("adhoc", big, hosts_file, str(cache))
    comp: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    for _ in range(runs):
        comp.append(_ready("adhoc", big, hosts_file, str(cache)))
        plain.append(_ready("bundles", big, hosts_file))
    assert {r["hits"] for r in comp} == {r["hits"] for r in plain} == {first["hits"]}
    assert {r["n"] for r in comp} == {r["n"] for r in plain} == {len(domains)}

    def med(rs: list[dict[str, float]], k: str) -> float:
        return statistics.median(r[k] for r in rs)

    c_ready, p_ready = med(comp, "ready"), med(plain, "ready")
    c_rss, p_rss = med(comp, "rss_mb"), med(plain, "rss_mb")
    return [
        f"| `--iocs FILE`, first use: compile {len(domains):,} indicators into the cache dir | "
        f"{first['ready'] * 1000:.0f} ms | - | - |",
        f"| `--iocs FILE`, later uses: ready to match, {len(domains):,} indicators (median of {runs} fresh "
        f"processes) | compiled index: {c_ready * 1000:.0f} ms, peak RSS {c_rss:.0f} MB | "
        f"bundle read into memory: {p_ready * 1000:.0f} ms, peak RSS {p_rss:.0f} MB | "
        f"{p_ready / c_ready:,.0f}× time, {p_rss / c_rss:.1f}× memory |",
    ]


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    rv = fn()
    return rv, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indicators", type=int, default=300_000)
    ap.add_argument(
        "--stix2-indicators",
        type=int,
        default=20_000,
        help="bundle size for the stix2-library comparison (it is much slower)",
    )
    ap.add_argument("--hosts", type=int, default=100_000)
    ap.add_argument("--naive-hosts", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per variant (median quoted)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--adhoc-only", action="store_true", help="only the --iocs FILE compiled-index comparison")
    a = ap.parse_args()
    rows: list[str] = []
    if a.adhoc_only:
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / "big.stix2"
            domains = make_bundle(a.indicators, big)
            print("\n".join(["| step | howsafe | peer | peer / howsafe |", "|---|---|---|---|"]))
            print("\n".join(adhoc_rows(big, domains, Path(tmp), a.runs)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.stix2"
        make_bundle(a.stix2_indicators, small)
        (_, inds, _), t_ours_small = timed(lambda: read_bundle(small))
        assert len(inds) == a.stix2_indicators
        try:
            import stix2

            parsed, t_lib = timed(lambda: stix2.parse(small.read_text(), allow_custom=True))
            lib_n = sum(1 for o in parsed.objects if o.type == "indicator")
            assert lib_n == a.stix2_indicators
            rows.append(
                f"| read {a.stix2_indicators:,} indicators | {t_ours_small * 1000:.0f} ms | "
                f"stix2 {stix2.__version__}: {t_lib * 1000:.0f} ms | {t_lib / t_ours_small:.1f}× |"
            )
        except ImportError:
            rows.append(
                f"| read {a.stix2_indicators:,} indicators | {t_ours_small * 1000:.0f} ms | stix2 not installed | - |"
            )

        big = Path(tmp) / "big.stix2"
        domains = make_bundle(a.indicators, big)
        iset, t_load = timed(lambda: build_set([big]))
        assert len(iset) == a.indicators
        rows.append(
            f"| read + index {a.indicators:,} indicators ({big.stat().st_size / 1e6:.0f} MB) | "
            f"{t_load * 1000:.0f} ms | - | - |"
        )

        rnd = random.Random(3)
        hosts = [f"cdn{i}." + rnd.choice(domains) if i % 10 == 0 else f"host{i}.example.org" for i in range(a.hosts)]
        hits, t_match = timed(lambda: sum(1 for h in hosts if iset.lookup_domain(h)))
        per_host_ours = t_match / a.hosts
        values = [i.value for by in iset._index[IocType.DOMAIN].values() for i in by]
        sample = hosts[: a.naive_hosts]

        def naive() -> int:
            return sum(1 for h in sample if any(h == d or h.endswith("." + d) for d in values))

        naive_hits, t_naive = timed(naive)
        assert naive_hits == sum(1 for h in sample if iset.lookup_domain(h))
        per_host_naive = t_naive / len(sample)
        rows.append(
            f"| match {a.hosts:,} hosts ({hits:,} hits) | {t_match * 1000:.0f} ms "
            f"({per_host_ours * 1e6:.2f} µs/host) | naive loop: {per_host_naive * 1e3:.1f} ms/host "
            f"(measured on {len(sample)} hosts) | {per_host_naive / per_host_ours:,.0f}× |"
        )
        rows.extend(compiled_rows(big, domains, Path(tmp), a.runs))
        rows.extend(adhoc_rows(big, domains, Path(tmp), a.runs))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = "\n".join(
        [
            "| step | howsafe | peer | peer / howsafe |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Peak RSS of the whole benchmark process: {rss:.0f} MB.",
        ]
    )
    print(text)
    if a.out:
        a.out.write_text(
            "## Indicators of compromise (STIX2)\n\n"
            "Command: `python bench/bench_iocs.py --out docs/benchmarks/iocs.md` "
            f"(defaults: {a.indicators:,} synthetic domain indicators, {a.hosts:,} hosts).\n\n" + text + "\n"
        )


if __name__ == "__main__":
    main()
