"""Read OSV records of the ``Android`` ecosystem (osv.dev export) into VulnEntry rows.

The format, as in OSV's real ASB-A-* / PUB-A-* records:

* ``affected[].package.name`` is an AOSP project ("platform/frameworks/base"), the kernel
  (":linux_kernel:", "kernel/common") or a vendor component (a name carrying the SoC vendor, such
  as ":linux_kernel:Qualcomm" or "Qualcomm");
* ``affected[].ranges[].events`` are ``introduced "12:0"`` / ``fixed "12:2022-01-01"``: the part
  before the colon is the Android release (empty for the kernel), the part after it the patch level;
* ``affected[].versions`` lists releases ("12", "12L", or "Kernel");
* ``affected[].ecosystem_specific`` carries ``spl``, ``severity`` (Critical/High/Moderate/Low) and
  ``type`` (RCE, EoP, ID, DoS);
* ``aliases`` hold the CVE ids; a record with several CVEs yields one entry per CVE, each naming
  the others and the OSV id as aliases, so the matcher counts every CVE once.

Records of other ecosystems are skipped; a malformed Android record raises ValueError (an update
must fail whole rather than half-import).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from howsafe.errors import CorruptInputError, TooLargeError
from howsafe.model import Severity
from howsafe.vulns.bulletin_html import classify, find_vendor
from howsafe.vulns.components import components
from howsafe.vulns.model import ComponentKind, VulnEntry
from howsafe.vulns.versions import normalise_release

ECOSYSTEM = "Android"
MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_EVENT = re.compile(r"^([0-9A-Za-z.]*):(.*)$")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _component(name: str) -> tuple[ComponentKind, str | None, bool]:
    """(kind, vendor, pixel_only) of an OSV Android package name."""
    low = name.lower()
    pixel = "pixel" in low
    vendor = find_vendor(name.replace(":", " ").replace("_", " "))
    if vendor is not None:
        return ComponentKind.VENDOR, vendor, pixel
    if "linux_kernel" in low or low.startswith("kernel"):
        return ComponentKind.KERNEL, None, pixel
    if low.startswith("platform/frameworks/av"):
        return ComponentKind.MEDIA, None, pixel
    if low.startswith("platform/frameworks/base"):
        return ComponentKind.FRAMEWORK, None, pixel
    if low.startswith("platform/system") or low.startswith("platform/packages/modules"):
        return ComponentKind.SYSTEM, None, pixel
    kind, vend = classify(name.replace("/", " "), [f"/{name}/"])
    return kind, vend, pixel


def _release_fixes(aff: Mapping[str, Any]) -> dict[str | None, dt.date]:
    """release -> fixed SPL from the ECOSYSTEM ranges; key None for release-less (kernel) ranges."""
    out: dict[str | None, dt.date] = {}
    for rng in aff.get("ranges") or ():
        if not isinstance(rng, dict) or rng.get("type") != "ECOSYSTEM":
            continue
        for ev in rng.get("events") or ():
            if not isinstance(ev, dict) or "fixed" not in ev:
                continue
            m = _EVENT.match(str(ev["fixed"]))
            if m is None:
                raise ValueError(f"unreadable fixed event {ev['fixed']!r}")
            spl = _date(m.group(2))
            if spl is None:
                raise ValueError(f"fixed event without a patch level: {ev['fixed']!r}")
            release = normalise_release(m.group(1)) if m.group(1) else None
            if m.group(1) and release is None:
                raise ValueError(f"fixed event with an unknown release: {ev['fixed']!r}")
            prev = out.get(release)
            out[release] = spl if prev is None else min(prev, spl)
    return out


def read_record(rec: Mapping[str, Any]) -> list[VulnEntry]:
    """Entries of one OSV record ([] when it has no Android-ecosystem package)."""
    rid = rec.get("id")
    if not isinstance(rid, str) or not rid:
        raise ValueError("OSV record without an id")
    aliases = [a for a in rec.get("aliases") or () if isinstance(a, str)]
    cves = [a for a in aliases if _CVE.match(a)] or ([rid] if _CVE.match(rid) else [])
    keys = cves or [rid]
    refs = [r.get("url", "") for r in rec.get("references") or () if isinstance(r, dict)]
    advisory = next((u for u in refs if "/security/bulletin/" in u), "")
    out: list[VulnEntry] = []
    for aff in rec.get("affected") or ():
        pkg = aff.get("package") or {}
        if pkg.get("ecosystem") != ECOSYSTEM:
            continue
        name = str(pkg.get("name", ""))
        es = aff.get("ecosystem_specific") or {}
        sev = components().severity.get(str(es.get("severity", "")).strip().lower(), Severity.MEDIUM)
        vtype = str(es.get("type", "") or "")
        kind, vendor, pixel = _component(name)
        fixes = tuple(str(u) for u in es.get("fixes") or () if isinstance(u, str))
        per_release = _release_fixes(aff)
        if not per_release:
            spl = _date(str(es.get("spl", "")))
            if spl is None:
                continue  # no fix information: nothing to compare a device against
            listed = [normalise_release(str(v)) for v in aff.get("versions") or () if str(v).lower() != "kernel"]
            releases = tuple(r for r in listed if r)
            per_spl: dict[dt.date, tuple[str, ...] | None] = {spl: releases or None}
        else:
            per_spl = {}
            for release, spl in per_release.items():
                if release is None:
                    per_spl[spl] = None
                elif spl not in per_spl or per_spl[spl] is not None:
                    current = per_spl.get(spl) or ()
                    per_spl[spl] = (*current, release)
        for spl, rels in per_spl.items():
            for cve in keys:
                others = tuple(dict.fromkeys([rid, *[a for a in aliases if a != cve]]))
                out.append(
                    VulnEntry(
                        cve=cve,
                        bulletin=f"osv:{rid}",
                        spl=spl,
                        severity=sev,
                        type=vtype,
                        kind=kind,
                        component=name,
                        vendor=vendor,
                        versions=rels,
                        references=advisory,
                        fixes=fixes,
                        pixel_only=pixel,
                        aliases=tuple(a for a in others if a != cve),
                    )
                )
    return out


def read_records(records: Iterable[Mapping[str, Any]]) -> list[VulnEntry]:
    out: list[VulnEntry] = []
    for rec in records:
        if not isinstance(rec, Mapping):
            raise ValueError("OSV record is not an object")
        out.extend(read_record(rec))
    return out


def read_json(data: bytes) -> list[VulnEntry]:
    """One OSV record, or a JSON list of records."""
    doc = json.loads(data)
    return read_records(doc if isinstance(doc, list) else [doc])


def read_zip(data: bytes) -> list[VulnEntry]:
    """OSV's ``<ecosystem>/all.zip`` export: one JSON record per member, read in memory with bounds."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptInputError(f"OSV export is not a zip file: {exc}") from exc
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise TooLargeError(f"OSV export has {len(infos)} members (limit {MAX_MEMBERS})")
    total = 0
    out: list[VulnEntry] = []
    for info in infos:
        if not info.filename.endswith(".json"):
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            raise TooLargeError(f"OSV export member {info.filename!r} is too large")
        with zf.open(info) as fh:
            raw = fh.read(MAX_MEMBER_BYTES + 1)
        total += len(raw)
        if len(raw) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise TooLargeError("OSV export inflates beyond the safety bound")
        try:
            out.extend(read_json(raw))
        except (ValueError, TypeError, AttributeError) as exc:
            raise CorruptInputError(f"OSV record {info.filename!r} is malformed: {exc}") from exc
    return out
