"""Benchmark: howsafe's adb client vs adbutils, over the same replay adb server on 127.0.0.1.

Both clients run the same shell commands against howsafe's replay server (recorded outputs of a
Redmi Note 13 Pro 5G), so the figures compare client overhead only: a real phone adds its own
command time on top of either. Also times a whole ``collect_adb`` (all allowlisted commands plus
parsing) and ``import`` of each client.

Usage: python bench/bench_adb.py [--rounds 20] [--out docs/benchmarks/adb.md]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from howsafe.sources.adb import collect_adb
from howsafe.sources.adb_transport import AdbServerTransport
from howsafe.sources.replay import ReplayServer, bundled_recording_dir

COMMANDS = ["getprop", "pm list packages -f -i -U -u", "pm list packages -s", "settings list global"]


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)]
    return min(runs) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import adbutils  # peer

    with ReplayServer(bundled_recording_dir("redmi-garnet")) as srv:
        ours = AdbServerTransport(port=srv.port)
        peer = adbutils.AdbClient(host="127.0.0.1", port=srv.port).device("replay-garnet")
        n = args.rounds * len(COMMANDS)
        for cmd in COMMANDS:  # same answers (adbutils strips the trailing newline)
            assert ours.shell("replay-garnet", cmd).stdout.rstrip("\n") == peer.shell(cmd)
        t = time.perf_counter()
        for _ in range(args.rounds):
            for cmd in COMMANDS:
                ours.shell("replay-garnet", cmd)
        ours_ms = (time.perf_counter() - t) * 1000 / n
        t = time.perf_counter()
        for _ in range(args.rounds):
            for cmd in COMMANDS:
                peer.shell(cmd)
        peer_ms = (time.perf_counter() - t) * 1000 / n
        t = time.perf_counter()
        for _ in range(args.rounds):
            snap = collect_adb(transport=AdbServerTransport(port=srv.port))
        collect_ms = (time.perf_counter() - t) * 1000 / args.rounds
    assert snap.packages is not None

    lines = [
        "## adb client (collect --adb)",
        "",
        f"Command: `python bench/bench_adb.py --rounds {args.rounds}`. Both clients talk to howsafe's "
        "replay adb server on 127.0.0.1 (recorded Redmi Note 13 Pro 5G), so this is client overhead only.",
        "",
        "| step | howsafe | adbutils " + adbutils.__version__ + " | peer / howsafe |",
        "|---|---|---|---|",
        f"| one shell command (mean of {n}) | {ours_ms:.2f} ms | {peer_ms:.2f} ms | {peer_ms / ours_ms:.0f}× |",
        "| import the client (with the howsafe.sources package) | "
        f"{import_ms('howsafe.sources.adb_transport'):.0f} ms | "
        f"{import_ms('adbutils'):.0f} ms | - |",
        f"| whole `collect_adb` (all allowlisted commands + parsing, {len(snap.packages)} packages) | "
        f"{collect_ms:.1f} ms | - | - |",
        "",
        "adbutils also starts `adb start-server` (a bundled binary) when no server answers, and its "
        "exit-code variant `shell2` sends `CMD; echo X4EXIT:$?` rather than the command itself.",
    ]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
