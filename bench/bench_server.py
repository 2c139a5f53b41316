"""Fleet server benchmark: ingest rate and dashboard latency with many devices, SQLite vs PostgreSQL.

Usage:
    python bench/bench_server.py [--devices 10000] [--requests 200] [--backends sqlite,postgresql]
                                 [--out docs/benchmarks/server.md]

Devices are generated from the real fixture devices (``../shared/fixtures/devices``): each one is a
real device's snapshot with its own label and a security patch level drawn from 2016..2026, so the
audits (every profile) differ as they would in a fleet. Ingest goes through the real path
(``store.ingest.ingest``: validation, audit for every profile, one transaction per snapshot).
Page latency is measured over HTTP against a real ``howsafe serve`` (uvicorn) on loopback, logged
in with a session cookie: the fleet overview (``/``), device pages (``/devices/ID``, random ids)
and the API's ``/api/v1/fleet``. PostgreSQL runs as a throwaway cluster (Debian's binaries).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from http.cookiejar import CookieJar
from pathlib import Path

from msgspec.structs import replace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
SHARED = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared"))
DEVICES = SHARED / "fixtures" / "devices"


def real_snapshots() -> list[bytes]:
    from howsafe.sources import load_path

    out = []
    for folder in sorted(p for p in DEVICES.iterdir() if p.is_dir()):
        try:
            out.append(load_path(folder, redact=True))
        except Exception as exc:  # a fixture the loader refuses is left out, and said
            print(f"skipping {folder.name}: {exc}", file=sys.stderr)
    return out  # type: ignore[return-value]


def fleet_bodies(n: int, seed: int = 12) -> list[tuple[str, bytes]]:
    from howsafe.sources import snapshot_to_json

    rng = random.Random(seed)
    bases = real_snapshots()
    out = []
    for i in range(n):
        base = bases[i % len(bases)]
        patch = dt.date(rng.randint(2016, 2026), 6, 5)
        props = dict(base.properties) | {
            "ro.build.version.security_patch": patch.isoformat(),
            "ro.fleet.asset_tag": f"asset-{i}",
        }
        snap = replace(base, properties=props, device=replace(base.device, security_patch=patch))
        out.append((f"fleet-{i:05d} {base.device.model or ''}", snapshot_to_json(snap).encode()))
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def start_server(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "howsafe", "serve", "--db", db_url, "--port", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(log.read_text())


def measure_pages(url: str, token: str, device_ids: list[int], requests: int) -> dict[str, list[float]]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"token": token, "csrf": csrf}).encode()
    opener.open(urllib.request.Request(url + "/login", data=data, method="POST")).read()
    rng = random.Random(7)
    timings: dict[str, list[float]] = {
        "overview": [],
        "device": [],
        "api_fleet": [],
        "devices_list": [],
        "overview_cold": [],
    }
    for _ in range(3):  # warm-up
        opener.open(url + "/").read()
    for i in range(requests):
        t = time.perf_counter()
        body = opener.open(url + "/").read()
        timings["overview"].append(time.perf_counter() - t)
        assert b"device-count" in body
        t = time.perf_counter()
        opener.open(f"{url}/devices/{rng.choice(device_ids)}").read()
        timings["device"].append(time.perf_counter() - t)
        if i % 4 == 0:
            t = time.perf_counter()
            opener.open(f"{url}/devices?page={rng.randint(1, 50)}").read()
            timings["devices_list"].append(time.perf_counter() - t)
            req = urllib.request.Request(url + "/api/v1/fleet", headers={"Authorization": f"Bearer {token}"})
            t = time.perf_counter()
            urllib.request.urlopen(req).read()
            timings["api_fleet"].append(time.perf_counter() - t)
    # the first overview after an upload recomputes the summary (it is cached until the store changes)
    from howsafe.sources import load_path, snapshot_to_json

    snap = load_path(sorted(p for p in DEVICES.iterdir() if p.is_dir())[0], redact=True)
    for i in range(max(3, requests // 20)):
        props = dict(snap.properties) | {"ro.fleet.cold": str(i)}
        body = snapshot_to_json(replace(snap, properties=props)).encode()
        req = urllib.request.Request(
            url + "/api/v1/snapshots?label=cold", data=body, method="POST", headers={"Authorization": f"Bearer {token}"}
        )
        urllib.request.urlopen(req).read()
        t = time.perf_counter()
        opener.open(url + "/").read()
        timings["overview_cold"].append(time.perf_counter() - t)
    return timings


def memo_auditor_class() -> type:
    from howsafe.store.ingest import FleetAuditor

    class MemoAuditor(FleetAuditor):
        """Reuses the audit of an identical device state (same fixture, same patch level); the rows
        are still written one snapshot per transaction. Used only to fill the fleet quickly."""

        def __init__(self) -> None:
            super().__init__()
            self.memo: dict[tuple[object, ...], dict] = {}

        def audit(self, snapshot):  # type: ignore[no-untyped-def]
            d = snapshot.device
            key = (d.build_fingerprint, d.model, d.device, d.security_patch, len(snapshot.packages or ()))
            if key not in self.memo:
                self.memo[key] = super().audit(snapshot)
            return self.memo[key]

    return MemoAuditor


def run_backend(
    name: str, db_url: str, bodies: list[tuple[str, bytes]], requests: int, tmp: Path, args_sample: int
) -> dict:
    MemoAuditor = memo_auditor_class()
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from howsafe.store.db import make_engine, migrate
    from howsafe.store.ingest import FleetAuditor, ingest
    from howsafe.store.models import Device
    from howsafe.store.tokens import create_token

    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine) as session, session.begin():
        up = create_token(session, org=f"bench-{name}", role="admin")
    with Session(engine) as session:
        from howsafe.store.tokens import authenticate

        who = authenticate(session, up.secret)
        assert who is not None
    fleet = FleetAuditor()
    sample = min(len(bodies), args_sample)
    t0 = time.perf_counter()
    for label, body in bodies[:sample]:
        ingest(engine, fleet, org_id=who.org_id, body=body, label=label)
    ingest_s = time.perf_counter() - t0
    memo = MemoAuditor()
    t0 = time.perf_counter()
    for label, body in bodies[sample:]:
        ingest(engine, memo, org_id=who.org_id, body=body, label=label)
    fill_s = time.perf_counter() - t0
    with Session(engine) as session:
        ids = list(session.scalars(select(Device.id).where(Device.org_id == who.org_id)))
    engine.dispose()
    proc, url = start_server(db_url, tmp / f"serve-{name}.log")
    try:
        timings = measure_pages(url, up.secret, ids, requests)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "backend": name,
        "devices": len(ids),
        "ingest_s": ingest_s,
        "ingest_rate": sample / ingest_s,
        "sample": sample,
        "fill_rate": (len(bodies) - sample) / fill_s if fill_s else 0.0,
        "timings": timings,
    }


def render(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmark: fleet server (howsafe serve), SQLite vs PostgreSQL",
        "",
        f"Measured {dt.date.today().isoformat()} on the project's 2-core development VM (shared with other jobs",
        "while measuring), CPython 3.11, SQLite from the Python build, PostgreSQL from Debian's package as a",
        "throwaway cluster on a Unix socket (fsync off, as in the tests). No peer tool runs a fleet of privacy",
        "audits (MVT has no server), so the two databases are measured against each other in the same run.",
        "",
        f"Input: {args.devices:,} devices generated from the real fixture devices (each a real device's snapshot",
        "with its own label and asset tag and a random security patch level, June of 2016..2026), ingested",
        "through the real upload path (validation, audit for all four profiles, one transaction per snapshot).",
        f"The ingest rate is that of the first {args.ingest_sample} snapshots, each audited in full. The rest of the",
        "fleet is filled through the same path except that the audit of an identical device state (same",
        "fixture, same patch level) is reused, so that 10,000 devices fit in a few minutes (fill rate below).",
        "Page timings: a logged-in",
        f"client over HTTP on loopback against `howsafe serve`, {args.requests} requests per page, after 3 warm-up",
        "requests; device pages pick random devices.",
        "",
        "### How to reproduce",
        "",
        "```sh",
        "pip install -e '.[server]'; apt-get install postgresql",
        f"python bench/bench_server.py --devices {args.devices} --requests {args.requests}",
        "```",
        "",
        "| database | ingest, full audit (snapshots/s) | fill, audits reused (/s) | overview p50 | overview p95 "
        "| device page p50 | device page p95 "
        "| devices list p95 | /api/v1/fleet p95 | overview right after an upload (median) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t = r["timings"]

        def ms(v: float) -> str:
            return f"{v * 1000:.0f} ms"

        lines.append(
            f"| {r['backend']} | {r['ingest_rate']:.1f} ({r['sample']} in {r['ingest_s']:.0f} s) "
            f"| {r['fill_rate']:.0f} "
            f"| {ms(statistics.median(t['overview']))} | {ms(pct(t['overview'], 95))} "
            f"| {ms(statistics.median(t['device']))} | {ms(pct(t['device'], 95))} "
            f"| {ms(pct(t['devices_list'], 95))} | {ms(pct(t['api_fleet'], 95))} "
            f"| {ms(statistics.median(t['overview_cold']))} |"
        )
    lines += [
        "",
        "Target: overview p95 ≤ 200 ms at 10,000 devices. The fleet summary behind the overview is",
        "cached per org until the store changes (any new audit row, from an upload or a re-audit, in any",
        "process); the last column is the first overview after an upload, which recomputes it.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument(
        "--ingest-sample",
        type=int,
        default=400,
        help="snapshots ingested with a full audit each, to measure the ingest rate",
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    bodies = fleet_bodies(args.devices)
    results = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="howsafe-bench-")))
        for name in args.backends.split(","):
            if name == "sqlite":
                url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            else:
                from fleet.pg import postgres_cluster

                url = stack.enter_context(postgres_cluster())
            print(f"{name}: ingesting {len(bodies)} snapshots", file=sys.stderr)
            results.append(run_backend(name, url, bodies, args.requests, tmp, args.ingest_sample))
            print(render(results, args), file=sys.stderr)
    text = render(results, args)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
