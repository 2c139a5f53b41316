"""Which known vulnerabilities are still open on a device, and how far behind it is.

Rules (each one tested in tests/vulns/test_match.py):

* an entry is open when its patch level is later than the device's SPL; SPLs compare as dates, so
  a ``-05`` SPL includes that month's ``-01`` fixes, and ``2016-04-02`` sits between them;
* an entry with release tokens applies only to the releases it lists (howsafe.vulns.versions);
* Pixel/Nexus bulletin entries apply only to Google devices;
* SoC vendor entries (Qualcomm, MediaTek, NVIDIA ...) apply when the device's SoC vendor is that
  vendor; when the SoC vendor is unknown they are "possibly affected"; when it is another vendor
  they do not apply. Phone-maker entries (HTC, LG ...) apply to that brand only. Part-maker entries
  (Broadcom Wi-Fi, Synaptics touch ...) are "possibly affected": no property says which parts a
  phone has;
* when ``ro.vendor.build.security_patch`` is older than the platform level, vendor (SoC, part
  maker), kernel and Pixel rows are counted against the vendor level: those fixes ship in the
  vendor image, which the vendor level describes;
* a CVE listed several times counts once, with the worst severity among the rows that apply;
  rows whose source gave no severity are counted as "unrated", never as a severity.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from howsafe.kb.soc import soc_vendor_for
from howsafe.model import Severity, Snapshot
from howsafe.parse.numbers import strict_int
from howsafe.vulns.components import oem_brands, vendor_role
from howsafe.vulns.db import VulnDB
from howsafe.vulns.model import (
    UNRATED,
    Assessment,
    ComponentKind,
    DeviceFacts,
    MatchStatus,
    OpenVuln,
    VendorRole,
    VulnEntry,
)
from howsafe.vulns.versions import normalise_release, versions_match

_SOC_KEYS = (
    "ro.soc.manufacturer",
    "ro.soc.model",
    "ro.hardware",
    "ro.board.platform",
    "ro.hardware.chipname",
)


def soc_vendor_of(snapshot: Snapshot) -> tuple[str | None, str | None]:
    """(vendor, evidence) from the device's SoC properties; (None, None) when nothing says."""
    d = snapshot.device
    candidates: list[tuple[str, str | None]] = [
        ("ro.soc.manufacturer", d.soc_manufacturer),
        ("ro.soc.model", d.soc_model),
        ("ro.hardware", d.hardware),
    ]
    candidates += [(k, snapshot.properties.get(k)) for k in _SOC_KEYS]
    for key, value in candidates:
        if not value:
            continue
        vendor = soc_vendor_for(value)
        if vendor is not None:
            return vendor.bulletin, f"{key}={value.strip()}"
    return None, None


def build_date_of(snapshot: Snapshot) -> dt.date | None:
    """The build's date from ``ro.build.date.utc`` (seconds since 1970), None when absent or odd."""
    seconds = strict_int((snapshot.properties.get("ro.build.date.utc") or "").strip(), max_digits=12)
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def is_pre_bulletin(release: str | None, spl: dt.date | None) -> bool:
    """Android <= 5.1.1 without a patch level: the property arrived with the 2015-10 patches."""
    if spl is not None or release is None or release == "12L":
        return False
    major = strict_int(release.split(".")[0], max_digits=9)
    return major is not None and major < 6


def facts_of(snapshot: Snapshot) -> DeviceFacts:
    d = snapshot.device
    vendor, evidence = soc_vendor_of(snapshot)
    release = normalise_release(d.android_release, d.sdk)
    return DeviceFacts(
        pre_bulletin=is_pre_bulletin(release, d.security_patch),
        build_date=build_date_of(snapshot),
        release=release,
        sdk=d.sdk,
        spl=d.security_patch,
        brand=d.brand,
        manufacturer=d.manufacturer,
        soc_vendor=vendor,
        soc_evidence=evidence,
        vendor_spl=d.vendor_security_patch,
    )


def is_google(facts: DeviceFacts) -> bool:
    names = {(facts.brand or "").lower(), (facts.manufacturer or "").lower()}
    return "google" in names


def applies(entry: VulnEntry, facts: DeviceFacts) -> tuple[MatchStatus, str] | None:
    """Whether ``entry`` concerns this device (ignoring the SPL), and why; None when it does not."""
    if facts.level is not None and entry.spl <= level_for(entry, facts):
        return None
    if entry.pixel_only and not is_google(facts):
        return None
    if entry.versions is not None and (facts.release is None or not versions_match(entry.versions, facts.release)):
        return None
    if entry.vendor is None:
        if entry.kind is ComponentKind.VENDOR:  # a chip row whose source names no vendor
            return MatchStatus.POSSIBLE, "chip component; the data does not name its vendor"
        return MatchStatus.AFFECTED, ""
    role = vendor_role(entry.vendor)
    if role is VendorRole.SOC:
        if facts.soc_vendor is None:
            return MatchStatus.POSSIBLE, f"{entry.vendor} component; this device's SoC vendor is unknown"
        if facts.soc_vendor != entry.vendor:
            return None
        return MatchStatus.AFFECTED, f"{entry.vendor} SoC ({facts.soc_evidence})"
    if role is VendorRole.OEM:
        names = {(facts.brand or "").lower(), (facts.manufacturer or "").lower()}
        if names & oem_brands(entry.vendor):
            return MatchStatus.AFFECTED, f"{entry.vendor} device"
        return None
    return MatchStatus.POSSIBLE, f"{entry.vendor} part; no property shows whether this device has it"


VENDOR_SIDE = frozenset({ComponentKind.VENDOR, ComponentKind.KERNEL})


def level_for(entry: VulnEntry, facts: DeviceFacts) -> dt.date:
    """The patch level an entry is compared with: the vendor level for vendor-side rows."""
    assert facts.level is not None
    if entry.kind in VENDOR_SIDE or entry.pixel_only:
        return facts.vendor_level or facts.level
    return facts.level


def months_between(earlier: dt.date, later: dt.date) -> int:
    return max(0, (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month))


def bulletins_behind(spl: dt.date, today: dt.date) -> int:
    """Monthly bulletins published after the device's patch level, up to ``today``.

    Google has published one Android Security Bulletin every month since August 2015, so the
    calendar is the months whose ``-01`` level is later than the SPL. A ``-01`` SPL is also missing
    the ``-05`` half of its own month, which is counted as a (partial) bulletin too.
    """
    if spl > today:
        return 0
    behind = months_between(spl, today)
    if spl.day < 5:
        behind += 1
    return behind


def _worse(a: OpenVuln, b: OpenVuln) -> OpenVuln:
    """Keep the row that makes the CVE worse: affected over possible, then higher severity."""
    ka = (a.status is MatchStatus.AFFECTED, a.entry.severity.rank, -a.entry.spl.toordinal())
    kb = (b.status is MatchStatus.AFFECTED, b.entry.severity.rank, -b.entry.spl.toordinal())
    return a if ka >= kb else b


def published(entry: VulnEntry) -> dt.date | None:
    """The day the entry's bulletin came out (None for OSV rows, which carry no bulletin date)."""
    name = entry.bulletin.removeprefix("pixel/")
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def open_vulns(db: VulnDB, facts: DeviceFacts, today: dt.date | None = None) -> list[OpenVuln]:
    """Open CVEs, one per CVE, worst first (severity, then newest fix). With ``today``, bulletins
    published later are left out, so an audit dated in the past sees what was known then."""
    oldest = facts.oldest_level
    if oldest is None:
        return []
    best: dict[str, OpenVuln] = {}
    for entry in db.after(oldest):
        if today is not None and (day := published(entry)) is not None and day > today:
            continue
        res = applies(entry, facts)
        if res is None:
            continue
        ov = OpenVuln(entry=entry, status=res[0], reason=res[1])
        prev = best.get(entry.cve)
        best[entry.cve] = ov if prev is None else _worse(prev, ov)
    return sorted(best.values(), key=lambda v: (-v.entry.severity.rank, -v.entry.spl.toordinal(), v.entry.cve))


def count_by_severity(vulns: Iterable[OpenVuln]) -> dict[str, int]:
    counts = Counter(v.entry.severity_label for v in vulns)
    out = {s.value: counts[s.value] for s in sorted(Severity, key=lambda s: -s.rank) if counts[s.value]}
    if counts[UNRATED]:
        out[UNRATED] = counts[UNRATED]
    return out


def assess(db: VulnDB, snapshot: Snapshot, today: dt.date) -> Assessment:
    """Open vulnerabilities of ``snapshot`` and how far behind it is, as of ``today``."""
    facts = facts_of(snapshot)
    level = facts.level
    found = open_vulns(db, facts, today) if level is not None else []
    return Assessment(
        device=facts,
        open=tuple(found),
        covers_until=db.covers_until,
        bulletins_behind=bulletins_behind(level, today) if level else 0,
        days_behind=max(0, (today - level).days) if level else None,
        counts=count_by_severity(v for v in found if v.status is MatchStatus.AFFECTED),
        coverage=db.coverage(facts.oldest_level if level is not None else None, today),
    )


def one_line(a: Assessment) -> str:
    """'37 critical and 212 high vulnerabilities published after your last update, 412 days behind'."""
    parts = [f"{n} {sev}" for sev, n in a.counts.items() if sev in ("critical", "high")]
    others = sum(n for sev, n in a.counts.items() if sev not in ("critical", "high", UNRATED))
    if others:
        parts.append(f"{others} lower-severity")
    unrated = a.counts.get(UNRATED, 0)
    through = a.coverage.through if a.coverage is not None else f"{a.covers_until:%Y-%m}"
    when = f"published after your last update (through {through})"
    if parts:
        head = (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]
        text = f"{head} vulnerabilities {when}"
        if unrated:
            text += f", plus {unrated} whose severity the data does not state"
    elif unrated:
        text = f"{unrated} vulnerabilities {when} (severity not stated in the data)"
    elif a.device.spl is not None and a.device.spl >= a.covers_until:
        text = (
            f"the vulnerability data (up to {a.covers_until:%Y-%m}) is older than this patch level: "
            "run `howsafe kb update` to check this phone"
        )
    elif a.device.level is None:
        text = "open vulnerabilities cannot be told without a security patch level"
    else:
        text = "no known vulnerability in the database is open on this device"
    if a.possible:
        text += f" (plus {len(a.possible)} possibly affecting it, depending on its parts)"
    named = sorted({v.entry.name for v in a.affected if v.entry.name})
    if named:
        text += f"; {' and '.join(named)} open"
    if a.device.pre_bulletin:
        built = f" (built {a.device.build_date.isoformat()})" if a.device.build_date else ""
        text += (
            f"; this build{built} predates the monthly bulletins and reports no patch level, so it is "
            "treated as unpatched since before 2015-08-01"
        )
    elif a.days_behind is not None:
        text += f", {a.days_behind} days behind"
    return text


def data_line(a: Assessment) -> str:
    """'Data: bulletins published through 2024-09; months missing ...; run `howsafe kb update` ...'.

    Every format says what the data does not cover, for the months this device is missing."""
    cov = a.coverage
    text = cov.text() if cov is not None else f"bulletins published through {a.covers_until:%Y-%m}"
    return f"Data: {text}; later bulletins are not covered: run `howsafe kb update` for them."
