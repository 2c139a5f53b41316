"""Vendor data collection: OEM telemetry, analytics, ad and cloud packages, and the OEM switches.

What a reader can verify: every package named in a finding is in the snapshot's package list and
not disabled, and the knowledge base (``kb/data/packages``) says what it does and where its data
goes. A firmware dump does not say whether a package is enabled; such packages count as present
(they ship enabled) and the finding's confidence drops to ``medium``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import msgspec

from howsafe.checks.base import AuditContext, BaseCheck, CheckDef
from howsafe.checks.registry import register
from howsafe.kb import KnowledgeBase
from howsafe.kb import packages as kb_packages
from howsafe.kb.packages import PackageDB, PackageInfo, package_db
from howsafe.kb.removal import disable_advice, level_label, removal_info
from howsafe.kb.rom_market import RomMarket, hosting_for_rom, international_hosting, rom_market
from howsafe.kb.vendor_settings import vendor_settings
from howsafe.model import Evidence, Finding, Outcome, Package, Section, Severity, Snapshot, Table

MAX_LISTED_DOMAINS = 8


def is_china_rom(snapshot: Snapshot, kb: KnowledgeBase | None = None) -> bool:
    """True for a China-market ROM, by the one shared rule (:mod:`howsafe.kb.rom_market`)."""
    return rom_market(kb or KnowledgeBase(), snapshot).china


class _Hit(msgspec.Struct, frozen=True):
    pkg: Package
    info: PackageInfo


def _hits(snapshot: Snapshot, db: PackageDB, roles: frozenset[str]) -> tuple[list[_Hit], list[_Hit]]:
    """(present and not disabled, disabled) packages whose exact knowledge has one of ``roles``."""
    active: list[_Hit] = []
    disabled: list[_Hit] = []
    for pkg in snapshot.packages or ():
        info = db.exact.get(pkg.id)
        if info is None or info.role not in roles:
            continue
        (disabled if pkg.enabled is False else active).append(_Hit(pkg, info))
    return active, disabled


def _china_hosted(hits: Sequence[_Hit], market: RomMarket, db: PackageDB) -> bool:
    """True only when the ROM is a China-market ROM whose vendor hosts China-ROM services in CN.

    A package the knowledge base calls a China service is not, by itself, evidence that this
    phone sends data to mainland China: that needs the ROM (build properties) or a capture.
    """
    if not market.china:
        return False
    for h in hits:
        fam = db.families.get(h.info.family)
        if "CN" in h.info.jurisdiction or (fam is not None and fam.china_rom_hosting == "CN"):
            return True
    return False


def _hosting(
    hits: Sequence[_Hit], market: RomMarket, snap: Snapshot, db: PackageDB, kb: KnowledgeBase
) -> tuple[str, list[str]]:
    """Where the data goes on an international ROM, no stronger than the evidence, and its tags."""
    if market.china:
        return "", []
    out: list[str] = []
    tags: list[str] = []
    for fam_id in sorted({h.info.family for h in hits if h.info.family}):
        fam = db.families.get(fam_id)
        hosting = international_hosting(kb, fam_id, snap.device.region)
        if fam is not None and hosting is not None:
            out.append(
                f"On this {snap.device.region} ROM {fam.vendor} hosts these services in {hosting.where} "
                f"(source: {hosting.source})."
            )
            if hosting.country:
                tags.append(f"jurisdiction:{hosting.country}")
    return " ".join(out), tags


_FLOW_ROLES = frozenset({"telemetry", "analytics", "ads", "cloud", "push"})
MAX_SECTION_ROWS = 200


def vendor_flows_section(ctx: AuditContext) -> Section | None:
    """A table of the vendor data flows found on the device (package, role, data, endpoints, hosting)."""
    if ctx.snapshot.packages is None:
        return None
    db = package_db(ctx.kb)
    active, _ = _hits(ctx.snapshot, db, _FLOW_ROLES)
    if not active:
        return None
    order = {"telemetry": 0, "analytics": 1, "ads": 2, "cloud": 3, "push": 4}
    active.sort(key=lambda h: (order.get(h.info.role, 9), h.pkg.id))
    rows = tuple(
        (
            h.pkg.id,
            h.info.vendor,
            h.info.role,
            ", ".join(h.info.data),
            ", ".join(h.info.domains[:4]) + (" ..." if len(h.info.domains) > 4 else ""),
        )
        for h in active[:MAX_SECTION_ROWS]
    )
    # Hosting is a per-vendor fact: one row per vendor instead of repeating it on every package.
    hosting: dict[str, str] = {}
    market = ctx.facts.rom_market
    for h in active:
        if h.info.vendor in hosting:
            continue
        regional = None if market.china else international_hosting(ctx.kb, h.info.family, ctx.snapshot.device.region)
        if regional is not None:
            hosting[h.info.vendor] = f"{regional.where} for this {ctx.snapshot.device.region} ROM ({regional.source})"
        elif market.china or "CN" not in h.info.jurisdiction:
            where = hosting_for_rom(ctx.kb, h.info.hosted, market, h.info.family) or ", ".join(h.info.jurisdiction)
            if where:
                hosting[h.info.vendor] = where
    counts: dict[str, int] = {}
    for h in active:
        counts[h.info.role] = counts.get(h.info.role, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: order.get(kv[0], 9))
    summary = ", ".join(f"{n} {role}" for role, n in ranked)
    return Section(
        id="vendor-flows",
        title="Vendor data flows",
        summary=f"Preinstalled vendor services that send data off the phone: {summary}.",
        tables=(
            Table(
                title="Packages",
                columns=("Package", "Vendor", "Role", "Data", "Endpoints"),
                rows=rows,
            ),
            Table(
                title="Where each vendor keeps the data",
                columns=("Vendor", "Hosted"),
                rows=tuple(sorted(hosting.items())),
            ),
        ),
    )


class _PackageRoleCheck(BaseCheck):
    """One finding for a group of roles: which collecting packages are present and enabled."""

    roles: frozenset[str] = frozenset()
    tag: str = ""
    noun: str = ""
    requires = ("packages",)
    requires_why: ClassVar[dict[str, str]] = {"packages": "the snapshot has no package list"}
    sections = (vendor_flows_section,)
    data_sources = (kb_packages.data_source,)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d: CheckDef = self.defn
        snap = ctx.snapshot
        db = package_db(ctx.kb)
        active, disabled = _hits(snap, db, self.roles)
        if not active:
            summary = f"No known {self.noun} package is enabled"
            if disabled:
                names = ", ".join(h.pkg.id for h in disabled)
                summary += f" ({len(disabled)} present but disabled: {names})"
            return [d.finding(Outcome.PASS, summary=summary + ".")]
        evidence = [
            Evidence(
                kind="package",
                key=h.pkg.id,
                value=f"{_describe(h)}; {level_label(removal_info(ctx.kb, h.pkg.id))}",
                source="packages",
            )
            for h in active
        ]
        domains = sorted({dom for h in active for dom in h.info.domains})
        market = ctx.facts.rom_market
        cn_pkgs = [h.pkg.id for h in active if "CN" in h.info.jurisdiction]
        # A package's own "hosted" words are shown unless they claim mainland China without the ROM.
        hosted_words = ((h, hosting_for_rom(ctx.kb, h.info.hosted, market, h.info.family)) for h in active)
        hosted = sorted(
            {
                w
                for h, w in hosted_words
                if w and (market.china or w != h.info.hosted or "CN" not in h.info.jurisdiction)
            }
        )
        vendors = sorted({h.info.vendor for h in active})
        unknown_state = any(h.pkg.enabled is None for h in active)
        state = "are installed" if unknown_state else "are installed and enabled"
        parts = [
            f"{len(active)} {self.noun} package(s) from {', '.join(vendors)} {state}: "
            f"{', '.join(h.pkg.id for h in active)}."
        ]
        if domains:
            more = " ..." if len(domains) > MAX_LISTED_DOMAINS else ""
            shown = ", ".join(domains[:MAX_LISTED_DOMAINS]) + more
            parts.append(f"Known endpoints: {shown}.")
        if hosted:
            parts.append("Hosted: " + "; ".join(hosted) + ".")
        cn = _china_hosted(active, market, db)
        hosting_tags: list[str] = []
        if cn:
            rule = f" (rule {market.rule}: {', '.join(f'{e.key}={e.value}' for e in market.evidence)})"
            parts.append(f"This is a China-market ROM{rule}: its vendor services are run from mainland China.")
        else:
            where, hosting_tags = _hosting(active, market, snap, db, ctx.kb)
            if where:
                parts.append(where)
            if cn_pkgs:
                parts.append(
                    f"The knowledge base describes {', '.join(cn_pkgs)} as China-market service(s); this ROM "
                    "is not a China-market ROM by its build properties, so where they connect is not "
                    "established here (a capture with `howsafe net` shows it)."
                )
        if disabled:
            parts.append(f"Already disabled: {', '.join(h.pkg.id for h in disabled)}.")
        if unknown_state:
            parts.append("The source does not say whether they are enabled; preloads ship enabled.")
        tags = [self.tag, *(["jurisdiction:CN"] if cn else []), *hosting_tags]
        refs = sorted({s for h in active for s in h.info.sources if s.startswith("http")})
        return [
            d.finding(
                Outcome.FAIL,
                summary=" ".join(parts),
                evidence=evidence,
                references=refs,
                confidence="medium" if unknown_state else "high",
                tags=tags,
                remediation=f"{d.remediation.strip()} {disable_advice(ctx.kb, (h.pkg.id for h in active))}",
            )
        ]


def _describe(h: _Hit) -> str:
    state = {True: "enabled", False: "disabled", None: "enabled state not reported"}[h.pkg.enabled]
    label = f"{h.info.label}: " if h.info.label else ""
    return f"{label}{h.info.role}; {state}; data: {', '.join(h.info.data) or 'unknown'}"


@register
class VendorTelemetryCheck(_PackageRoleCheck):
    id = "vendor.telemetry"
    roles = frozenset({"telemetry", "analytics"})
    tag = "telemetry"
    noun = "telemetry/analytics"


@register
class VendorAdsCheck(_PackageRoleCheck):
    id = "vendor.ads"
    roles = frozenset({"ads"})
    tag = "ads"
    noun = "advertising"


@register
class VendorCloudCheck(_PackageRoleCheck):
    id = "vendor.cloud"
    roles = frozenset({"cloud"})
    tag = "cloud"
    noun = "vendor cloud"


_ROLE_SEVERITY = {"telemetry": Severity.MEDIUM, "analytics": Severity.MEDIUM, "ads": Severity.MEDIUM}


@register
class VendorSettingsCheck(BaseCheck):
    """The OEM switches for user experience programs, diagnostics and personalised ads."""

    id = "vendor.settings"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        if not any(snap.settings.values()):
            return [d.not_available("the snapshot has no settings dump")]
        known = vendor_settings(ctx.kb)
        family = package_db(ctx.kb).family_for_brand(snap.device.brand or snap.device.manufacturer)
        candidates = known.for_family(family.family if family else None) or known.all()
        out: list[Finding] = []
        china = ctx.facts.china_rom
        for entry in candidates:
            raw = snap.setting(entry.namespace, entry.key)
            if raw is None:
                continue
            state = entry.state(raw)
            ev = [Evidence(kind="setting", key=f"{entry.namespace}/{entry.key}", value=raw, source="settings")]
            cn = china and family is not None and family.china_rom_hosting == "CN"
            tags = ["ads" if entry.role == "ads" else "telemetry"] + (["jurisdiction:CN"] if cn else [])
            where = f" Endpoints: {', '.join(entry.domains)}." if entry.domains else ""
            narrowed = hosting_for_rom(ctx.kb, entry.hosted, ctx.facts.rom_market, family.family if family else None)
            hosted = f" Hosted: {narrowed}." if narrowed else ""
            menu = f" Switch it off in {entry.menu}." if entry.menu else ""
            if state == "on":
                out.append(
                    d.finding(
                        Outcome.FAIL,
                        subject=entry.id,
                        title=entry.title,
                        summary=f"{entry.namespace}/{entry.key} = {raw}: {entry.what}{where}{hosted}",
                        evidence=ev,
                        severity=_ROLE_SEVERITY.get(entry.role, Severity.LOW),
                        remediation=(menu.strip() or d.remediation),
                        references=entry.sources,
                        confidence=entry.confidence,
                        tags=tags,
                    )
                )
            elif state == "off":
                out.append(
                    d.finding(
                        Outcome.PASS,
                        subject=entry.id,
                        title=f"{entry.title.replace(' is on', ' is off')}",
                        summary=f"{entry.namespace}/{entry.key} = {raw} (off).",
                        evidence=ev,
                        references=entry.sources,
                        confidence=entry.confidence,
                    )
                )
            else:
                out.append(
                    d.finding(
                        Outcome.NOT_AVAILABLE,
                        subject=entry.id,
                        summary=f"{entry.namespace}/{entry.key} has the unrecognised value {raw!r}.",
                        evidence=ev,
                    )
                )
        if not out:
            names = ", ".join(f"{e.namespace}/{e.key}" for e in candidates)
            what = f"none of the known vendor collection switches ({names}) is in the settings"
            return [d.not_available(what)]
        return out
