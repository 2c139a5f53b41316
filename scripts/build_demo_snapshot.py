#!/usr/bin/env python3
"""Build the demo snapshot shipped in the package (``howsafe audit --demo``) from real public data.

Source: the firmware dump of a Redmi Note 13 Pro 5G (garnet, 2312DRA50G) on HyperOS 2 Global,
OS2.0.205.0.VNRMIXM, Android 15, security patch 2025-11-01, published in
https://github.com/SLEZxE-dumps/redmi_garnet_dump at commit
1890e4cf51c7782a69e6442243ed08865d8ca3b9, as converted in the shared test fixtures
(``fixtures/devices/redmi-garnet-OS2.0.205.0.VNRMIXM``: build.prop files merged into getprop form,
the image's preinstalled APK list as ``pm list packages`` output).

Nothing is invented: the snapshot is exactly what ``howsafe collect`` reads from that folder, with
the local path replaced by the public origin. Runtime facts a firmware image cannot hold
(settings, boot state, processes ...) are listed in ``missing``.

Usage: python scripts/build_demo_snapshot.py [FIXTURE_FOLDER]   (re-run after parser changes)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from msgspec.structs import replace

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared"))
FOLDER = "redmi-garnet-OS2.0.205.0.VNRMIXM"
ORIGIN = "https://github.com/SLEZxE-dumps/redmi_garnet_dump/tree/1890e4cf51c7782a69e6442243ed08865d8ca3b9"
TOOL = "firmware image (build.prop files and preinstalled APK list), converted by the howsafe test fixtures"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO / "src"))
    from howsafe.sources import load_path, snapshot_to_json
    from howsafe.sources.snapshot import snapshot_from_json

    folder = Path(argv[1]) if len(argv) > 1 else SHARED / "fixtures" / "devices" / FOLDER
    snapshot = load_path(folder, redact=True)
    source = replace(snapshot.source, location=ORIGIN, tool=TOOL)
    snapshot = replace(snapshot, source=source)
    out = REPO / "src" / "howsafe" / "sources" / "demo" / "redmi-note-13-pro-5g-hyperos2-global.json"
    text = snapshot_to_json(snapshot)
    snapshot_from_json(text, location=str(out))  # must load back
    out.write_text(text, encoding="utf-8")
    print(
        f"wrote {out.relative_to(REPO)}: {len(snapshot.packages or ())} packages, "
        f"{len(json.loads(text)['properties'])} properties"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
