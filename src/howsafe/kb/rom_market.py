"""Which market was this ROM built for, and where does its vendor host that market's services?

ONE rule, kept as data in ``kb/data/regions/china_rom.toml``, decides whether a ROM is a
China-market ROM; every check that says "mainland China" asks :func:`rom_market`. Only build
properties count: the owner's own language setting (``persist.sys.locale``) is never evidence.
For an international ROM the same file says where the vendor hosts that region's services
(Singapore, Europe, India, Russia for Xiaomi), with the source (docs/jurisdiction.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import tomlcache
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.schema import END, KbModel, KbRecord, first_error, validate

if TYPE_CHECKING:  # the rule file loads without the snapshot models; rom_market() imports Evidence
    from howsafe.model import Evidence, Snapshot

CHINA_ROM_FILE = "regions/china_rom.toml"

Confidence = Literal["high", "medium"]


class ChinaRule(KbModel, frozen=True, kw_only=True):
    id: str
    kind: Literal["region", "property", "property-regex"]
    keys: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    pattern: str | None = None
    confidence: Confidence
    source: str


class RegionHosting(KbModel, frozen=True, kw_only=True):
    family: str
    source: str
    note: Annotated[str, msgspec.Meta(min_length=10)]
    default: str | None = None
    default_country: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}" + END)] | None = None
    regions: dict[str, str] = msgspec.field(default_factory=dict)
    countries: dict[str, str] = msgspec.field(default_factory=dict)


class ChinaRomFile(KbModel, frozen=True, kw_only=True):
    schema_version: Literal[1] = 1
    not_evidence: tuple[str, ...] = ()
    sources: dict[str, str]
    rule: Annotated[tuple[ChinaRule, ...], msgspec.Meta(min_length=1)]
    hosting: tuple[RegionHosting, ...] = ()


class RomMarket(KbRecord, frozen=True):
    """The answer for one snapshot: China-market or not, on which evidence, and where hosted."""

    china: bool
    evidence: tuple[Evidence, ...] = ()
    confidence: Confidence | None = None
    rule: str | None = None
    source: str | None = None
    region: str | None = None

    @property
    def known(self) -> bool:
        """True when the build says which market it is for (China or a named region)."""
        return self.china or bool(self.region)


class Hosting(KbRecord, frozen=True):
    """Where a vendor hosts the services of an international ROM's region."""

    where: str
    source: str
    note: str
    country: str | None = None


class _Compiled(KbRecord, frozen=True):
    doc: ChinaRomFile
    patterns: Mapping[str, re.Pattern[str]]


def parse_china_rom_file(raw: bytes, name: str = CHINA_ROM_FILE) -> ChinaRomFile:
    try:
        parsed = tomlcache.loads(raw, name)
    except ValueError as exc:
        raise KnowledgeError(f"{name} is invalid: {exc}") from exc
    try:
        doc = validate(parsed, ChinaRomFile)
    except msgspec.ValidationError as exc:
        raise KnowledgeError(f"{name} is invalid: {first_error(exc, parsed, ChinaRomFile)}") from exc
    for rule in doc.rule:
        if rule.source not in doc.sources:
            raise KnowledgeError(f"{name} rule {rule.id}: unknown source {rule.source!r}")
        if rule.kind == "property-regex" and not rule.pattern:
            raise KnowledgeError(f"{name} rule {rule.id}: a property-regex rule needs a pattern")
        if rule.kind != "region" and not rule.keys:
            raise KnowledgeError(f"{name} rule {rule.id}: names no property")
        if set(rule.keys) & set(doc.not_evidence):
            raise KnowledgeError(f"{name} rule {rule.id}: uses a property that is not evidence")
    return doc


def _load(kb: KnowledgeBase) -> _Compiled:
    path = kb.find(CHINA_ROM_FILE)
    assert path is not None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"cannot read {CHINA_ROM_FILE}: {exc}") from exc
    doc = parse_china_rom_file(raw)
    try:
        patterns = {r.id: re.compile(r.pattern) for r in doc.rule if r.pattern}
    except re.error as exc:
        raise KnowledgeError(f"{CHINA_ROM_FILE}: bad pattern: {exc}") from exc
    return _Compiled(doc, patterns)


def china_rom_rules(kb: KnowledgeBase) -> ChinaRomFile:
    """The rule file (validated), for docs and tests."""
    return kb.memo("howsafe.kb.rom_market", lambda: _load(kb)).doc


# Properties that carry the region howsafe normalises into ``device.region`` (named as evidence).
_REGION_PROPS = (
    "ro.mi.os.version.incremental",
    "ro.miui.build.region",
    "ro.build.version.incremental",
    "ro.csc.sales_code",
    "ro.oplus.regionmark",
    "ro.vendor.oplus.regionmark",
)


def rom_market(kb: KnowledgeBase, snapshot: Snapshot) -> RomMarket:
    """Apply the China-ROM rule to ``snapshot`` (build properties and the normalised region only)."""
    from howsafe.model import Evidence

    compiled = kb.memo("howsafe.kb.rom_market", lambda: _load(kb))
    doc = compiled.doc
    props = snapshot.properties
    where = snapshot.source.location
    region = (snapshot.device.region or "").strip()
    for rule in doc.rule:
        hits: list[Evidence] = []
        if rule.kind == "region":
            if region and region.upper() in {v.upper() for v in rule.values}:
                named = [k for k in _REGION_PROPS if k in props]
                hits = [Evidence(kind="property", key=k, value=props[k], source=where) for k in named[:1]] or [
                    Evidence(kind="device", key="region", value=region, source=where)
                ]
        else:
            for key in rule.keys:
                value = props.get(key)
                if value is None:
                    continue
                v = value.strip()
                if rule.kind == "property":
                    ok = v.lower() in {x.lower() for x in rule.values} or v.replace("_", "-").lower() in {
                        x.replace("_", "-").lower() for x in rule.values
                    }
                else:
                    ok = bool(compiled.patterns[rule.id].search(v))
                if ok:
                    hits.append(Evidence(kind="property", key=key, value=value, source=where))
        if hits:
            return RomMarket(
                china=True,
                evidence=tuple(hits),
                confidence=rule.confidence,
                rule=rule.id,
                source=doc.sources[rule.source],
                region="CN",
            )
    return RomMarket(china=False, region=region or None)


def is_china_rom(kb: KnowledgeBase, snapshot: Snapshot) -> bool:
    """True when the build properties say this is a mainland-China market ROM."""
    return rom_market(kb, snapshot).china


def international_hosting(kb: KnowledgeBase, family: str | None, region: str | None) -> Hosting | None:
    """Where ``family`` hosts the services of its international ROM for ``region`` (None if unstated)."""
    if not family or not region:
        return None
    doc = china_rom_rules(kb)
    for h in doc.hosting:
        if h.family != family:
            continue
        if region in h.regions:
            where: str | None = h.regions[region]
            country = h.countries.get(region)
        else:
            where, country = h.default, h.default_country
        if where is None:
            return None
        return Hosting(where=where, source=h.source, note=h.note, country=country)
    return None


def hosting_for_rom(kb: KnowledgeBase, hosted: str | None, market: RomMarket, family: str | None) -> str | None:
    """A knowledge-base "hosted" statement narrowed to the market this ROM was built for.

    Many vendor entries say where the vendor hosts a service *per market* ("mainland China for China
    ROMs; Singapore, Europe, India or Russia for international ROMs"). Printing both halves on a phone
    whose market the build properties settle is noise at best and, read quickly, a false claim
    ("hosted in China" on a Global ROM). When the market is known, keep only the half that applies:
    mainland China for a China-market ROM; for an international ROM the region's hosting from
    ``regions/china_rom.toml`` when the knowledge base has it, else an honest "not in the knowledge
    base". Statements that are not split by market, and ROMs whose market is unknown, pass unchanged.
    """
    if not hosted or "for china roms" not in hosted.lower():
        return hosted
    if market.china:
        return "mainland China (this phone runs a China-market ROM)"
    if not market.region:
        return hosted
    where = international_hosting(kb, family, market.region)
    if where is not None:
        return f"{where.where}, where the vendor hosts {market.region} ROMs ({where.source})"
    return (
        f"outside mainland China: this is an international ROM ({market.region}); "
        "which regional servers it uses is not in the knowledge base"
    )


__all__ = [
    "CHINA_ROM_FILE",
    "ChinaRomFile",
    "Hosting",
    "RomMarket",
    "china_rom_rules",
    "hosting_for_rom",
    "international_hosting",
    "is_china_rom",
    "parse_china_rom_file",
    "rom_market",
]
