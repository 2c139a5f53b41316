"""What is this package? Vendor package knowledge: role, data handled, domains, removal safety.

The knowledge lives in ``kb/data/packages/<family>.json`` (one file per vendor family, validated by
:mod:`howsafe.kb.package_schema`). Every entry names its sources; descriptions are our own words.
Ids and removal levels may come from public debloat lists (facts), never their prose.

Lookup order, most to least certain:

1. an exact id in the bundled (or ``kb update``-d) files  -> confidence ``high``
2. an id from the user's own imported UAD list            -> confidence ``medium``
   (see :mod:`howsafe.kb.uad_import`; marked ``UAD (user import)``)
3. the longest matching prefix rule (``com.miui.*``)      -> confidence ``low``

Coverage (``scripts/kb_coverage.py``) counts only (1): a prefix rule is a guess, not knowledge.

Validating the family files costs more than the rest of a typical audit, so the
indexed database is kept compiled in the user's cache folder (:mod:`howsafe.kb.compiled`: keyed by
a SHA-256 of the family files and of this code; stale or damaged copies are rebuilt).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.compiled import compiled_key, read_compiled, write_compiled
from howsafe.kb.package_schema import PACKAGE_FAMILIES, REMOVAL_RANK, PackageEntry, VendorFile
from howsafe.kb.schema import KbRecord, first_error, validate
from howsafe.kb.uad_import import UAD_SOURCE_LABEL, ImportedEntry, load_imported

if TYPE_CHECKING:  # imported where used: the package knowledge loads without the report models
    from howsafe.model import DataSource

log = logging.getLogger(__name__)

MatchedBy = Literal["exact", "uad-import", "prefix"]
Confidence = Literal["high", "medium", "low"]


class PackageInfo(KbRecord, frozen=True):
    """The answer to "what is this package?" for one id."""

    id: str
    vendor: str
    role: str
    data: tuple[str, ...]
    domains: tuple[str, ...]
    removal: str
    description: str
    sources: tuple[str, ...]
    confidence: Confidence
    matched_by: MatchedBy
    family: str = ""
    label: str | None = None
    breaks: str | None = None
    jurisdiction: tuple[str, ...] = ()
    hosted: str | None = None
    account_bound: bool = False
    override_reason: str | None = None

    def to_json(self) -> dict[str, object]:
        """Plain JSON object (stable field names; used by ``howsafe kb lookup --format json``)."""
        return {
            "id": self.id,
            "vendor": self.vendor,
            "family": self.family,
            "label": self.label,
            "role": self.role,
            "data": list(self.data),
            "domains": list(self.domains),
            "removal": self.removal,
            "breaks": self.breaks,
            "account_bound": self.account_bound,
            "override_reason": self.override_reason,
            "jurisdiction": list(self.jurisdiction),
            "hosted": self.hosted,
            "description": self.description,
            "sources": list(self.sources),
            "confidence": self.confidence,
            "matched_by": self.matched_by,
        }


class VendorFamily(KbRecord, frozen=True):
    """Per-family facts that are not about one package (prefixes, brands, where data goes)."""

    family: str
    vendor: str
    brands: tuple[str, ...]
    oem_prefixes: tuple[str, ...]
    headquarters: str
    china_rom_hosting: str | None


class _Rule(KbRecord, frozen=True):
    prefix: str
    info: PackageInfo


class PackageDB(KbRecord, frozen=True):
    """All package knowledge, loaded once per knowledge base (see :func:`package_db`).

    Frozen like every record here; its tables are filled in place while it is built."""

    exact: dict[str, PackageInfo] = msgspec.field(default_factory=dict)
    rules: list[_Rule] = msgspec.field(default_factory=list)
    families: dict[str, VendorFamily] = msgspec.field(default_factory=dict)
    imported: Mapping[str, ImportedEntry] = msgspec.field(default_factory=dict)

    def lookup(self, package_id: str) -> PackageInfo | None:
        """Exact knowledge, else the user's UAD import, else the longest prefix rule, else None."""
        info = self.exact.get(package_id)
        imp = self.imported.get(package_id)
        if info is not None:
            if imp is not None and UAD_SOURCE_LABEL not in info.sources:
                return _stricter_of(_with_source(info, UAD_SOURCE_LABEL), imp)
            return info
        if imp is not None:
            return self._from_import(package_id, imp)
        for rule in self.rules:
            if package_id.startswith(rule.prefix):
                return _replace_id(rule.info, package_id)
        return None

    def classified(self, package_id: str) -> bool:
        """True when an exact bundled entry exists (what coverage counts)."""
        return package_id in self.exact

    def family_for_brand(self, brand: str | None) -> VendorFamily | None:
        """The vendor family whose brand list holds ``brand`` (case-insensitive)."""
        if not brand:
            return None
        b = brand.strip().lower()
        for fam in self.families.values():
            if b in fam.brands:
                return fam
        return None

    def family_for_package(self, package_id: str) -> VendorFamily | None:
        """The family whose OEM prefixes match ``package_id`` (longest prefix wins)."""
        best: tuple[int, VendorFamily] | None = None
        for fam in self.families.values():
            for prefix in fam.oem_prefixes:
                if _prefix_match(package_id, prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), fam)
        return best[1] if best else None

    def _from_import(self, package_id: str, imp: ImportedEntry) -> PackageInfo:
        fam = self.family_for_package(package_id)
        vendor = fam.vendor if fam else _UAD_LIST_VENDOR.get(imp.list, "unknown")
        return PackageInfo(
            id=package_id,
            vendor=vendor,
            family=fam.family if fam else "",
            role=_UAD_LIST_ROLE.get(imp.list, "system"),
            data=(),
            domains=(),
            removal=imp.removal_level,
            description=imp.description or "Listed in your imported UAD list; no bundled description.",
            sources=(UAD_SOURCE_LABEL,),
            confidence="medium",
            matched_by="uad-import",
        )


_UAD_LIST_ROLE = {
    "Oem": "system",
    "Google": "system",
    "Aosp": "system",
    "Carrier": "carrier",
    "Misc": "user-app",
}
_UAD_LIST_VENDOR = {"Google": "Google", "Aosp": "AOSP"}


def _prefix_match(package_id: str, prefix: str) -> bool:
    """A prefix ending in '.' matches ids under it; otherwise the id itself or ids under it."""
    if prefix.endswith("."):
        return package_id.startswith(prefix)
    return package_id == prefix or package_id.startswith(prefix + ".")


def _replace_id(info: PackageInfo, package_id: str) -> PackageInfo:
    return msgspec.structs.replace(info, id=package_id)


def _stricter_of(info: PackageInfo, imp: ImportedEntry) -> PackageInfo:
    """The user's own (possibly newer) UAD copy may only make a removal level stricter.

    An entry with a sourced ``override_reason`` keeps its level: that reason is about UAD's level.
    """
    theirs = imp.removal_level
    if info.override_reason or theirs == "unknown" or theirs not in REMOVAL_RANK:
        return info
    if REMOVAL_RANK[theirs] > REMOVAL_RANK.get(info.removal, 0):
        return msgspec.structs.replace(info, removal=theirs)
    return info


def _with_source(info: PackageInfo, source: str) -> PackageInfo:
    return msgspec.structs.replace(info, sources=(*info.sources, source))


def _resolve_sources(keys: Iterable[str], refs: Mapping[str, str], where: str) -> tuple[str, ...]:
    out: list[str] = []
    for key in keys:
        if key.startswith(("http://", "https://")):
            out.append(key)
        elif key in refs:
            out.append(refs[key])
        else:
            raise KnowledgeError(f"{where}: unknown source reference {key!r}")
    return tuple(out)


def _entry_info(
    package_id: str, entry: PackageEntry, doc: VendorFile, *, matched_by: MatchedBy, confidence: Confidence
) -> PackageInfo:
    where = f"packages/{doc.family}.json {package_id}"
    return PackageInfo(
        id=package_id,
        vendor=entry.vendor or doc.vendor,
        family=doc.family,
        label=entry.label,
        role=entry.role,
        data=tuple(entry.data),
        domains=tuple(entry.domains),
        removal=entry.removal,
        breaks=entry.breaks,
        account_bound=entry.account_bound,
        override_reason=(
            f"{entry.override_reason} ({_resolve_sources([entry.override_source], doc.sources, where)[0]})"
            if entry.override_reason and entry.override_source
            else None
        ),
        jurisdiction=tuple(entry.jurisdiction),
        hosted=entry.hosted,
        description=entry.description,
        sources=_resolve_sources(entry.sources, doc.sources, where),
        confidence=confidence,
        matched_by=matched_by,
    )


def parse_vendor_file(raw: bytes | str, name: str) -> VendorFile:
    """Validate one family file; a broken bundled or updated file is a KnowledgeError."""
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise KnowledgeError(f"package knowledge {name} is invalid: {exc}") from exc
    try:
        return validate(doc, VendorFile)
    except msgspec.ValidationError as exc:
        raise KnowledgeError(f"package knowledge {name} is invalid: {first_error(exc, doc, VendorFile)}") from exc


def build_db(docs: Iterable[VendorFile], imported: Mapping[str, ImportedEntry] | None = None) -> PackageDB:
    """Index validated family files; the first file to claim an exact id keeps it."""
    db = PackageDB(imported=dict(imported or {}))
    for doc in docs:
        db.families[doc.family] = VendorFamily(
            family=doc.family,
            vendor=doc.vendor,
            brands=tuple(b.lower() for b in doc.brands),
            oem_prefixes=tuple(doc.oem_prefixes),
            headquarters=doc.headquarters,
            china_rom_hosting=doc.china_rom_hosting,
        )
        for pid, entry in doc.packages.items():
            if pid in db.exact:
                log.debug("package %s is described in two families; keeping %s", pid, db.exact[pid].family)
                continue
            db.exact[pid] = _entry_info(pid, entry, doc, matched_by="exact", confidence="high")
        for rule in doc.patterns:
            info = _entry_info(rule.prefix + "*", rule.entry, doc, matched_by="prefix", confidence="low")
            db.rules.append(_Rule(rule.prefix, info))
    db.rules.sort(key=lambda r: len(r.prefix), reverse=True)
    return db


def _read_family_files(kb: KnowledgeBase) -> list[tuple[str, str, bytes]]:
    """(family, name, bytes) of every family file the knowledge base has (updated copies first)."""
    out: list[tuple[str, str, bytes]] = []
    for family in PACKAGE_FAMILIES:
        name = f"packages/{family}.json"
        path = kb.find(name, required=False)
        if path is None:
            continue
        try:
            out.append((family, name, path.read_bytes()))
        except OSError as exc:
            raise KnowledgeError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if not out:
        raise KnowledgeError("no package knowledge files found")
    return out


def _validate(files: list[tuple[str, str, bytes]]) -> list[VendorFile]:
    docs: list[VendorFile] = []
    for family, name, raw in files:
        doc = parse_vendor_file(raw, name)
        if doc.family != family:
            raise KnowledgeError(f"{name} declares family {doc.family!r}")
        docs.append(doc)
    return docs


def load_vendor_files(kb: KnowledgeBase) -> list[VendorFile]:
    """Read and validate every family file the knowledge base has (updated copies take precedence)."""
    return _validate(_read_family_files(kb))


# -- compiled copy (see howsafe.kb.compiled) -----------------------------------------------------

_COMPILED = "packages"
# the loader, the models, and their base (whose settings, e.g. unknown keys refused, decide what validates)
_CODE_FILES = (Path(__file__), Path(__file__).with_name("package_schema.py"), Path(__file__).with_name("schema.py"))


def _plain(db: PackageDB) -> object:
    return (
        [msgspec.structs.astuple(i) for i in db.exact.values()],
        [(r.prefix, msgspec.structs.astuple(r.info)) for r in db.rules],
        [msgspec.structs.astuple(f) for f in db.families.values()],
    )


def _from_plain(value: Any) -> PackageDB | None:
    """The database of a compiled copy; None when its shape is not what this code writes."""
    try:
        exact, rules, families = value
        db = PackageDB(rules=[_Rule(str(prefix), PackageInfo(*t)) for prefix, t in rules])
        for t in exact:
            info = PackageInfo(*t)
            db.exact[info.id] = info
        for t in families:
            fam = VendorFamily(*t)
            db.families[fam.family] = fam
    except (ValueError, TypeError):
        return None
    return db


def _vendor_db(kb: KnowledgeBase) -> PackageDB:
    """The indexed family files: from the compiled copy when current and intact, else validated."""
    files = _read_family_files(kb)
    # msgspec's version too: what validates is decided by its code as much as by ours
    inputs = [("msgspec", msgspec.__version__.encode()), *((name, raw) for _, name, raw in files)]
    key = compiled_key(_COMPILED, inputs, _CODE_FILES)
    stored = read_compiled(kb, _COMPILED, key)
    db = _from_plain(stored) if stored is not None else None
    if db is None:
        db = build_db(_validate(files))
        write_compiled(kb, _COMPILED, key, _plain(db))
    return db


def package_db(kb: KnowledgeBase) -> PackageDB:
    """The package database of ``kb``, loaded once (plus the user's UAD import, if any)."""

    def load() -> PackageDB:
        return msgspec.structs.replace(_vendor_db(kb), imported=dict(load_imported()))

    return kb.memo("howsafe.kb.packages", load)


def lookup(kb: KnowledgeBase, package_id: str) -> PackageInfo | None:
    """What ``package_id`` is, or None when nothing (not even a prefix rule) knows it."""
    return package_db(kb).lookup(package_id.strip())


def data_source(kb: KnowledgeBase) -> list[DataSource]:
    """Which package knowledge an audit used (shown in every report)."""
    from howsafe.model import DataSource

    try:
        db = package_db(kb)
    except KnowledgeError as exc:
        return [DataSource(name="Vendor package knowledge", note=f"unavailable: {exc}")]
    updated = [f for f in db.families if kb.is_updated(f"packages/{f}.json")]
    notes = []
    if updated:
        notes.append("updated by `howsafe kb update`: " + ", ".join(sorted(updated)))
    if db.imported:
        notes.append(f"plus your UAD import ({len(db.imported)} ids, {UAD_SOURCE_LABEL})")
    return [
        DataSource(
            name="Vendor package knowledge",
            version=f"{len(db.exact)} packages, {len(db.families)} vendor families",
            licence="Apache-2.0 (own descriptions; ids and removal levels are facts with sources)",
            note="; ".join(notes) or None,
        )
    ]


__all__ = [
    "PackageDB",
    "PackageInfo",
    "VendorFamily",
    "build_db",
    "data_source",
    "lookup",
    "package_db",
    "parse_vendor_file",
]
