"""Who owns a hostname, what it is for, and where an IP address is registered.

Domain knowledge comes in three layers, each with its own source, merged most-specific-first:
1. howsafe's own entries (``domains/vendors.toml``),
2. the vendor lists (NextDNS native tracking: purpose telemetry; v2fly: owner, ``@ads``),
3. εxodus tracker network signatures (``trackers/exodus_trackers.json``, ODbL), when installed.

Matching is subdomain-aware (``a.b.xiaomi.com`` matches an entry for ``xiaomi.com``) and public
suffix-aware: the registrable domain is computed with tldextract's bundled suffix snapshot and
``suffix_list_urls=()`` so it never downloads anything.

IP registration countries come from iptocc (RIR delegation files shipped in the package): that
is where the address block is *registered*, which is not necessarily where the server stands.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.net.model import Attribution

log = logging.getLogger(__name__)

DOMAINS_DIR = "domains"
EXODUS_NAMES = ("trackers/exodus_trackers.json",)
OVERRIDES_NAME = "trackers/network_overrides.json"
LISTS_NAME = "lists.toml"  # how the list files are read, the list owners, εxodus categories, phone makers
_LIST_FILE = re.compile(r"^([a-z0-9]+)_([a-z0-9]+)\.txt$")


@dataclass(frozen=True)
class _ListSpec:
    source: str
    purpose: str
    needs_tag: str | None


@dataclass(frozen=True)
class _Entry:
    owner: str | None
    purpose: str | None
    source: str
    whole_suffix: bool = False  # matches subdomains even though the entry is a public suffix


@dataclass(frozen=True)
class _Tracker:
    name: str
    pattern: re.Pattern[str]
    purpose: str | None


class DomainKnowledge:
    """Attribution tables loaded once per KnowledgeBase (see ``for_kb``)."""

    def __init__(
        self,
        entries: dict[str, _Entry],
        trackers: list[_Tracker],
        optouts: dict[str, dict[str, str]],
        countries: dict[str, dict[str, str]],
        default_severity: str,
        exodus_loaded: bool,
        phone_vendors: frozenset[str],
    ) -> None:
        self.entries = entries
        self.trackers = trackers
        self.optouts = optouts
        self.countries = countries
        self.default_severity = default_severity
        self.exodus_loaded = exodus_loaded
        self.phone_vendors = phone_vendors  # owners that make phones (``[phone_vendors]`` of lists.toml)
        self._cache: dict[str, Attribution] = {}
        import tldextract

        self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        self._psl_cache: dict[str, bool] = {}
        self._any_tracker: re.Pattern[str] | None = None
        if trackers:
            try:
                self._any_tracker = re.compile("|".join(f"(?:{t.pattern.pattern})" for t in trackers), re.IGNORECASE)
            except re.error:  # a signature that only works alone: fall back to one by one
                self._any_tracker = None

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> DomainKnowledge:
        return kb.memo("net.domains", lambda: load(kb))

    def registrable(self, host: str) -> str:
        """The registrable domain (eTLD+1) of ``host``; the host itself when it has none."""
        ext = self._extract(host, include_psl_private_domains=True)
        if not ext.domain:
            return host
        return f"{ext.domain}.{ext.suffix}" if ext.suffix else ext.domain

    def is_public_suffix(self, name: str) -> bool:
        """True for names under which anyone can register (com, co.uk, github.io, in-addr.arpa)."""
        hit = self._psl_cache.get(name)
        if hit is None:
            hit = self._psl_cache[name] = not self._extract(name, include_psl_private_domains=True).domain
        return hit

    def attribute(self, host: str) -> Attribution:
        """Owner, purpose and tracker name of ``host`` (most specific entry per field)."""
        hit = self._cache.get(host)
        if hit is not None:
            return hit
        owner: str | None = None
        purpose: str | None = None
        sources: list[str] = []
        labels = host.lower().rstrip(".").split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:])
            e = self.entries.get(suffix)
            if e is None:
                continue
            if i > 0 and not e.whole_suffix and self.is_public_suffix(suffix):
                # github.io, blogspot.com ...: the owner of the suffix does not own its subdomains
                continue
            if owner is None and e.owner:
                owner = e.owner
                sources.append(e.source)
            if purpose is None and e.purpose:
                purpose = e.purpose
                if e.source not in sources:
                    sources.append(e.source)
            if owner and purpose:
                break
        tracker: str | None = None
        if self._any_tracker is not None and self._any_tracker.search(host) is None:
            candidates: list[_Tracker] = []  # one combined regex rules most hosts out at C speed
        else:
            candidates = self.trackers
        for t in candidates:
            if t.pattern.search(host):
                tracker = t.name
                if purpose is None:
                    purpose = t.purpose
                if owner is None:
                    owner = t.name
                sources.append("εxodus tracker database (ODbL)")
                break
        att = Attribution(owner=owner, purpose=purpose, tracker=tracker, source="; ".join(sources) or None)
        self._cache[host] = att
        return att

    def optout(self, owner: str, purpose: str) -> str | None:
        return self.optouts.get(owner, {}).get(purpose)

    def country_severity(self, cc: str) -> str:
        return self.countries.get(cc, {}).get("severity", self.default_severity)

    def country_name(self, cc: str) -> str:
        return self.countries.get(cc, {}).get("name", cc)


def _parse_list(path: Path, spec: _ListSpec, vendor: str, entries: dict[str, _Entry]) -> None:
    source = spec.source
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("include:", "regexp:", "keyword:")):
            continue
        parts = line.split()
        name = parts[0]
        for prefix in ("full:", "domain:"):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        attrs = set(parts[1:])
        purpose = spec.purpose if spec.needs_tag is None or spec.needs_tag in attrs else None
        brand_tld = "." not in name  # e.g. "samsung": the vendor's own top-level domain
        old = entries.get(name)
        if old is not None:
            entries[name] = _Entry(old.owner or vendor, old.purpose or purpose, old.source, old.whole_suffix)
        else:
            entries[name] = _Entry(vendor, purpose, f"{source}: {path.name}", brand_tld)


def _domain_table(kb: KnowledgeBase, name: str) -> dict[str, Any]:
    """``domains/<name>`` parsed with tomllib, once per knowledge base (the folder may be an updated copy)."""

    def _read() -> dict[str, Any]:
        folder = kb.find(DOMAINS_DIR)
        assert folder is not None
        try:
            return tomllib.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeError(f"{DOMAINS_DIR}/{name} is missing or invalid: {exc}") from exc

    return kb.memo(f"net.domains:{name}", _read)


def exodus_purposes(kb: KnowledgeBase) -> dict[str, str]:
    """εxodus tracker category -> the purpose howsafe reports (``domains/lists.toml [exodus_purpose]``)."""
    try:
        return {str(k): str(v) for k, v in _domain_table(kb, LISTS_NAME)["exodus_purpose"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"{DOMAINS_DIR}/{LISTS_NAME} is invalid: {exc}") from exc


def load(kb: KnowledgeBase) -> DomainKnowledge:
    """Read every domain layer from the knowledge base.

    The tables are read with tomllib, without validation at audit time; their models
    (:mod:`howsafe.kb.schema`: ``DomainVendorsFile``, ``CountriesFile``, ``DomainListsFile``) check the
    shipped files in ``tests/kb/test_table_files.py``. A copy of another shape is one KnowledgeError.
    """
    folder = kb.find(DOMAINS_DIR)
    assert folder is not None
    raw = _domain_table(kb, "vendors.toml")
    countries_raw = _domain_table(kb, "countries.toml")
    lists_raw = _domain_table(kb, LISTS_NAME)
    try:
        specs = {
            name: _ListSpec(str(v["source"]), str(v["purpose"]), v.get("purpose_needs_tag"))
            for name, v in lists_raw["lists"].items()
        }
        owners = {str(k): str(v) for k, v in lists_raw["owners"].items()}
        entries: dict[str, _Entry] = {}
        for item in raw.get("domain", []):
            entries[str(item["name"])] = _Entry(
                item.get("owner"), item.get("purpose"), str(item["source"]), bool(item.get("whole_suffix", False))
            )
        optouts = {str(k): {str(kk): str(vv) for kk, vv in v.items()} for k, v in raw.get("optout", {}).items()}
        countries = {
            str(k): {str(kk): str(vv) for kk, vv in v.items()} for k, v in countries_raw.get("country", {}).items()
        }
        default_severity = str(countries_raw.get("default", "info"))
        phone_vendors = frozenset(str(k) for k in lists_raw["phone_vendors"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"domain knowledge in {folder} is invalid: {exc}") from exc
    for path in sorted(folder.glob("*.txt")):
        m = _LIST_FILE.match(path.name)
        if m and m.group(1) in specs:
            _parse_list(path, specs[m.group(1)], owners.get(m.group(2), m.group(2).title()), entries)
    trackers, loaded = _load_exodus(kb, exodus_purposes(kb))
    return DomainKnowledge(entries, trackers, optouts, countries, default_severity, loaded, phone_vendors)


def _load_exodus(kb: KnowledgeBase, purposes: dict[str, str]) -> tuple[list[_Tracker], bool]:
    for name in EXODUS_NAMES:
        path = kb.find(name, required=False)
        if path is None:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("εxodus tracker file %s unreadable, tracker layer skipped: %s", path, exc)
            return [], False
        return parse_exodus(data, load_overrides(kb), purposes), True
    log.info("εxodus tracker file not installed; tracker network signatures skipped")
    return [], False


def host_pattern(signature: str) -> str:
    """A signature as a host match: each alternative must be the host or one of its parent domains.

    εxodus signatures are written as substrings (``\\.google\\.com``, ``crashlytics\\.com``); searched
    as such, ``crashlytics.com`` would also match ``notcrashlytics.com.example``. Here each
    alternative is anchored at a label boundary and at the end of the host; an alternative without
    a dot (``fidzup``) matches one whole label.
    """
    out: list[str] = []
    for alt in signature.split("|"):
        a = alt.strip().lstrip("^").removesuffix("$")
        while a.startswith((".*", "\\.")):
            a = a.removeprefix(".*").removeprefix("\\.")
        if not a:
            continue
        out.append(a if "\\." in a else f"{a}(?:\\..*)?")
    return f"(?:^|\\.)(?:{'|'.join(out)})$" if out else ""


def _suffix_pattern(endpoints: list[str]) -> str:
    return f"(?:^|\\.)(?:{'|'.join(re.escape(e) for e in endpoints)})$" if endpoints else ""


def load_overrides(kb: KnowledgeBase) -> dict[str, list[str]]:
    """howsafe's corrections: tracker name -> its own endpoints (replacing a too-broad signature)."""
    path = kb.find(OVERRIDES_NAME, required=False)
    if path is None:
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out: dict[str, list[str]] = {}
        for name, entry in doc["trackers"].items():
            if not entry.get("source") or not entry.get("reason"):
                raise ValueError(f"{name}: an override needs a reason and a source")
            out[str(name)] = [str(e) for e in entry["endpoints"]]
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"{OVERRIDES_NAME} is invalid: {exc}") from exc


def parse_exodus(
    data: object, overrides: dict[str, list[str]] | None = None, purposes: dict[str, str] | None = None
) -> list[_Tracker]:
    """Network signatures of the εxodus dump (``{"trackers": {id: {...}}}`` or a list).

    ``overrides`` (tracker name -> endpoints) replace signatures that cover a whole platform;
    ``purposes`` maps εxodus categories to purposes (``domains/lists.toml``; none given: no purpose).
    """
    overrides = overrides or {}
    purposes = purposes or {}
    items: list[dict[str, object]] = []
    if isinstance(data, dict):
        inner = data.get("trackers", data)
        if isinstance(inner, dict):
            items = [v for v in inner.values() if isinstance(v, dict)]
        elif isinstance(inner, list):
            items = [v for v in inner if isinstance(v, dict)]
    elif isinstance(data, list):
        items = [v for v in data if isinstance(v, dict)]
    out: list[_Tracker] = []
    for t in items:
        sig = t.get("network_signature")
        name = t.get("name")
        if not isinstance(sig, str) or not sig.strip() or not isinstance(name, str):
            continue
        name = name.strip()
        source = _suffix_pattern(overrides[name]) if name in overrides else host_pattern(sig)
        if not source:
            continue
        try:
            pattern = re.compile(source, re.IGNORECASE)
        except re.error:
            continue
        cats = t.get("categories") or []
        purpose = None
        if isinstance(cats, list):
            for c in cats:
                if isinstance(c, str) and c in purposes:
                    purpose = purposes[c]
                    break
        out.append(_Tracker(name, pattern, purpose))
    return out


@lru_cache(maxsize=65536)
def country_of(ip: str) -> str | None:
    """Registration country of a public IP (iptocc, offline); None for private or special ranges."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if not addr.is_global:
        return None
    import iptocc

    cc = iptocc.country_code(ip)
    return cc or None


def is_local(ip: str) -> bool:
    """Private, link-local, loopback, multicast or broadcast: not an internet server."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return not addr.is_global or addr.is_multicast or ip == "255.255.255.255"
