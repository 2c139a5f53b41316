"""Build the shipped bulletin database from the bulletin HTML pages (see scripts/build_bulletin_db.py).

Kept in the package (not only in the script) so a test can rebuild the database from the same
pages and compare it with the shipped file: the data can never drift from its builder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from howsafe.model import Severity
from howsafe.vulns.bulletin_html import classify, parse_folder
from howsafe.vulns.components import components, vendor_prefixing
from howsafe.vulns.db import ABSENT, COMPLETE, PARTIAL, VulnDB
from howsafe.vulns.model import ComponentKind, VulnEntry
from howsafe.vulns.versions import parse_versions

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
    entries = [msgspec.structs.replace(e, name=STAGEFRIGHT) if e.cve in named else e for e in entries]
    bulletins = tuple(sorted(p.stem for p in asb_folder.glob("20??-??-??.html")))
    return VulnDB.build(
        entries,
        covers_until=max(e.spl for e in entries),
        bulletins=bulletins,
        source=SOURCE,
        licence=LICENCE,
        generated=f"asb-html {bulletins[0]}..{bulletins[-1]}",
        named={STAGEFRIGHT: named},
        months={b[:7]: COMPLETE for b in bulletins},
    )


# --- 2019-04 .. 2024-09: bulletin facts compiled from public scrapes (android_bulletins.json) ---

FACTS_SOURCE = (
    "Android Security Bulletins, source.android.com: facts per CVE for 2019-04 .. 2024-09 compiled "
    "from public scrapes of the bulletin pages (sources and their priority in SOURCES.md)"
)
FACTS_LICENCE = "facts from Android Security Bulletins, source.android.com (page content CC BY 4.0)"
# Sources whose rows hold a month's full bulletin tables; a month known only from CVE records that
# cite the bulletin (vulnrichment) or from a one-release subset (sam8k) is partial.
FULL_TABLE_SOURCES = frozenset({"aosp_mirror", "zhangxinwu", "agentfabulous", "msu_capstone"})
_TYPES = frozenset({"RCE", "EoP", "ID", "DoS"})


def _facts_classify(component: str | None, versions: str = "") -> tuple[ComponentKind, str | None, str]:
    """(group, vendor, component label) of a facts row. Without a component (CVE records), the
    "updated versions" cell tells kernel ("Android kernel") and chip ("Android SoC") rows apart
    from platform rows (AOSP versions)."""
    if not component:
        low = versions.strip().lower()
        if low == "android kernel":
            return ComponentKind.KERNEL, None, "kernel (component not stated in the source)"
        if low == "android soc":
            return ComponentKind.VENDOR, None, "chip component (vendor not stated in the source)"
        return ComponentKind.SYSTEM, None, "platform (component not stated in the source)"
    maker = vendor_prefixing(component)
    if maker is not None:
        return ComponentKind.VENDOR, maker, component
    kind, vendor = classify(component)
    return kind, vendor, component


def _facts_spl(row: dict[str, Any], kind: ComponentKind, pixel: bool) -> dt.date:
    """The row's patch level; when the source gave none, the source's own rule: platform -01,
    kernel/SoC/vendor (and Pixel bulletins) -05."""
    if row.get("spl"):
        return dt.date.fromisoformat(str(row["spl"]))
    month = dt.date.fromisoformat(str(row["bulletin"]))
    late = pixel or kind in (ComponentKind.KERNEL, ComponentKind.VENDOR)
    return month.replace(day=5 if late else 1)


def facts_entries(rows: Iterable[dict[str, Any]]) -> list[VulnEntry]:
    """VulnEntry rows from android_bulletins.json (Android and Pixel bulletins; release, Wear and
    Chromecast bulletins are not monthly phone patch levels and are skipped)."""
    out: list[VulnEntry] = []
    for row in rows:
        kind_name = row.get("bulletin_kind")
        if kind_name not in ("asb", "pixel"):
            continue
        component = row.get("component")
        if component and component.strip().lower() in components().not_phone:
            continue
        pixel = kind_name == "pixel"
        kind, vendor, label = _facts_classify(component, str(row.get("updated_versions") or ""))
        sev_word = str(row.get("severity") or "").strip().lower()
        severity = components().severity.get(sev_word)
        vtype = str(row.get("type") or "")
        bulletin = str(row["bulletin"])
        out.append(
            VulnEntry(
                cve=str(row["cve"]),
                bulletin=f"pixel/{bulletin}" if pixel else bulletin,
                spl=_facts_spl(row, kind, pixel),
                severity=severity or Severity.MEDIUM,
                rated=severity is not None,
                type=vtype if vtype in _TYPES else "",
                kind=kind,
                component=label,
                vendor=vendor,
                versions=parse_versions(str(row.get("updated_versions") or "")),
                references="; ".join(row.get("sources") or ()),
                pixel_only=pixel,
            )
        )
    return out


def facts_months(rows: Iterable[dict[str, Any]], first: str, last: str) -> dict[str, str]:
    """Per Android bulletin month from ``first`` to ``last`` ("YYYY-MM"): complete, partial or absent."""
    sources: dict[str, set[str]] = {}
    for row in rows:
        if row.get("bulletin_kind") != "asb":
            continue
        month = str(row["bulletin"])[:7]
        sources.setdefault(month, set()).update(row.get("sources") or ())
    months: dict[str, str] = {}
    y, m = int(first[:4]), int(first[5:7])
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        seen = sources.get(key)
        months[key] = ABSENT if not seen else COMPLETE if seen & FULL_TABLE_SOURCES else PARTIAL
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def build(asb_folder: Path, stagefright_json: Path, facts_json: Path | None = None) -> VulnDB:
    """The shipped database: the 2015-08 .. 2019-03 pages plus, when given, the 2019-04 .. 2024-09 facts."""
    html_db = build_from_html(asb_folder, stagefright_json)
    if facts_json is None:
        return html_db
    doc = json.loads(facts_json.read_text(encoding="utf-8"))
    rows = [r for r in doc["rows"] if str(r.get("bulletin", ""))[:7] > html_db.bulletins[-1][:7]]
    extra = facts_entries(rows)
    entries = list(html_db.entries) + extra
    months = {m: COMPLETE for m in (b[:7] for b in html_db.bulletins)}
    last = max(str(r["bulletin"])[:7] for r in rows if r.get("bulletin_kind") == "asb")
    months.update(facts_months(rows, _next(html_db.bulletins[-1][:7]), last))
    asb = sorted({f"{m}-01" for m, st in months.items() if st != ABSENT})
    return VulnDB.build(
        entries,
        covers_until=max(e.spl for e in entries),
        bulletins=tuple(asb),
        source=f"{SOURCE}; {FACTS_SOURCE}",
        licence=f"{LICENCE}; {FACTS_LICENCE}",
        generated=(
            f"asb-html {html_db.bulletins[0]}..{html_db.bulletins[-1]}; "
            f"facts {_next(html_db.bulletins[-1][:7])}..{last}"
        ),
        named=html_db.named,
        months=months,
    )


def _next(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"
