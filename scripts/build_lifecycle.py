#!/usr/bin/env python3
"""Build src/howsafe/kb/data/lifecycle/lifecycle.json from endoflife.date pages and kernel lifetimes.

Usage:
    python scripts/build_lifecycle.py LIFECYCLE_DIR [-o OUTPUT]

LIFECYCLE_DIR holds endoflife/products/<product>.md (endoflife-date/endoflife.date, MIT) and
kernel-lifetimes.xml (AOSP kernel/configs, Apache-2.0). Deterministic output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from howsafe.vulns.lifecycle import build_lifecycle, dumps_lifecycle

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/howsafe/kb/data/lifecycle/lifecycle.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("lifecycle_dir", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    products = {}
    for md in sorted((args.lifecycle_dir / "endoflife" / "products").glob("*.md")):
        products[md.stem] = md.read_bytes()
    kernel = (args.lifecycle_dir / "kernel-lifetimes.xml").read_text(encoding="utf-8")
    doc = build_lifecycle(products, kernel)
    tmp = args.output.with_name(args.output.name + ".part")
    tmp.write_text(dumps_lifecycle(doc), encoding="utf-8")
    tmp.replace(args.output)
    print(
        f"{len(doc['android'])} Android releases, "
        f"{sum(len(v) for v in doc['devices'].values())} devices, {len(doc['kernel'])} kernel branches"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
