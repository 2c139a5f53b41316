#!/usr/bin/env python3
"""Build src/howsafe/kb/data/vulns/bulletins.json.gz from saved Android Security Bulletin pages.

Usage:
    python scripts/build_bulletin_db.py ASB_HTML_DIR STAGEFRIGHT_JSON [--facts FACTS_JSON] [-o OUTPUT]

ASB_HTML_DIR holds the monthly pages named YYYY-MM-DD.html (and pixel/YYYY-MM-DD.html) as found
under en/security/bulletin/ in the AOSP documentation sources (Apache-2.0). FACTS_JSON is the
per-CVE bulletin fact table for the months after the pages (android_bulletins.json, 2019-04 ..
2024-09, with its SOURCES.md and COUNTS.md). The output is deterministic: running it twice on the
same inputs gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from howsafe.vulns.build import build
from howsafe.vulns.db import dumps

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/howsafe/kb/data/vulns/bulletins.json.gz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    ap.add_argument("asb_html", type=Path)
    ap.add_argument("stagefright_json", type=Path)
    ap.add_argument("--facts", type=Path, default=None, help="android_bulletins.json (2019-04 onwards)")
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    db = build(args.asb_html, args.stagefright_json, args.facts)
    data = dumps(db)
    tmp = args.output.with_name(args.output.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(args.output)
    print(
        f"{len(db.entries)} entries, {len({e.cve for e in db.entries})} CVEs, "
        f"covers until {db.covers_until}, {len(data)} bytes -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
