"""Build the shipped bulletin database from the bulletin HTML pages (see scripts/build_bulletin_db.py).

Kept in the package (not only in the script) so a test can rebuild the database from the same
pages and compare it with the shipped file: the data can never drift from its builder.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from howsafe.vulns.bulletin_html import parse_folder
from howsafe.vulns.db import VulnDB

SOURCE = (
    "Android Security Bulletins and Pixel/Nexus bulletins 2015-08 .. 2019-03, AOSP documentation "
    "(source.android.com/security/bulletin), facts extracted by scripts/build_bulletin_db.py"
)
LICENCE = "Apache-2.0"
STAGEFRIGHT = "StageFright"


def stagefright_cves(path: Path) -> tuple[str, ...]:
    """CVE ids of the StageFright family, from the derived list beside the bulletins."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    cves: list[str] = []
    for rows in doc["groups"].values():
        for row in rows:
            if row["cve"] not in cves:
                cves.append(row["cve"])
    return tuple(cves)


def build_from_html(asb_folder: Path, stagefright_json: Path) -> VulnDB:
    """Parse every bulletin page under ``asb_folder`` and name the StageFright CVEs."""
    entries = parse_folder(asb_folder)
    if not entries:
        raise ValueError(f"no bulletin rows found under {asb_folder}")
    named = stagefright_cves(stagefright_json)
    entries = [replace(e, name=STAGEFRIGHT) if e.cve in named else e for e in entries]
    bulletins = tuple(sorted(p.stem for p in asb_folder.glob("20??-??-??.html")))
    return VulnDB.build(
        entries,
        covers_until=max(e.spl for e in entries),
        bulletins=bulletins,
        source=SOURCE,
        licence=LICENCE,
        generated=f"asb-html {bulletins[0]}..{bulletins[-1]}",
        named={STAGEFRIGHT: named},
    )
