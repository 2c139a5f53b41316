"""Indicators of compromise as typed records, and the indexed set an audit matches against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit


class IocType(StrEnum):
    """Observable kinds, named after the STIX2 object paths MVT's bundles use."""

    APP_ID = "app:id"
    APP_CERT_SHA256 = "app:cert.sha256"
    FILE_SHA256 = "file:hashes.sha256"
    FILE_SHA1 = "file:hashes.sha1"
    FILE_MD5 = "file:hashes.md5"
    FILE_PATH = "file:path"
    FILE_NAME = "file:name"
    PROCESS_NAME = "process:name"
    PROPERTY = "android-property:name"
    DOMAIN = "domain-name:value"
    URL = "url:value"
    IPV4 = "ipv4-addr:value"
    IPV6 = "ipv6-addr:value"
    EMAIL = "email-addr:value"
    CONFIG_PROFILE = "configuration-profile:id"


@dataclass(frozen=True)
class Collection:
    """One indicator source: a STIX2 bundle (a malware family or a report)."""

    name: str
    path: str
    malware: tuple[str, ...] = ()
    description: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    type: IocType
    value: str
    collection: str
    malware: str | None = None
    stix_id: str | None = None


@dataclass(frozen=True)
class LoadError:
    path: str
    message: str


@dataclass
class IndicatorSet:
    """Indicators indexed for O(1) lookups: a dict per type, domains by every label suffix.

    Matching a host walks its label suffixes (``a.b.evil.com`` → ``b.evil.com`` → ``evil.com``),
    so the cost per host is its label count, whatever the size of the collections.
    """

    collections: list[Collection] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    skipped_patterns: int = 0
    _index: dict[IocType, dict[str, list[Indicator]]] = field(default_factory=dict)
    _url_hosts: dict[str, list[Indicator]] = field(default_factory=dict)

    def add(self, ind: Indicator) -> None:
        self._index.setdefault(ind.type, {}).setdefault(normalise(ind.type, ind.value), []).append(ind)
        if ind.type is IocType.URL:
            host = urlsplit(ind.value if "//" in ind.value else "//" + ind.value).hostname
            if host:
                self._url_hosts.setdefault(normalise(IocType.DOMAIN, host), []).append(ind)

    def lookup_url_host(self, host: str) -> list[Indicator]:
        """URL indicators whose host is exactly ``host`` (a capture shows hosts, rarely full URLs)."""
        return self._url_hosts.get(normalise(IocType.DOMAIN, host), [])

    def __len__(self) -> int:
        return sum(len(v) for by_value in self._index.values() for v in by_value.values())

    def counts(self) -> Counter[tuple[str, IocType]]:
        """Indicator count per (collection, type)."""
        c: Counter[tuple[str, IocType]] = Counter()
        for t, by_value in self._index.items():
            for inds in by_value.values():
                for ind in inds:
                    c[(ind.collection, t)] += 1
        return c

    def lookup(self, ioc_type: IocType, value: str) -> list[Indicator]:
        return self._index.get(ioc_type, {}).get(normalise(ioc_type, value), [])

    def lookup_domain(self, host: str) -> list[Indicator]:
        """Indicators for ``host`` or any parent domain of it (subdomain-aware)."""
        by_value = self._index.get(IocType.DOMAIN)
        if not by_value:
            return []
        name = normalise(IocType.DOMAIN, host)
        hits: list[Indicator] = []
        while name:
            hits.extend(by_value.get(name, ()))
            dot = name.find(".")
            if dot < 0:
                break
            name = name[dot + 1 :]
        return hits

    def has(self, ioc_type: IocType) -> bool:
        return bool(self._index.get(ioc_type))


_CASE_INSENSITIVE = {
    IocType.DOMAIN,
    IocType.EMAIL,
    IocType.FILE_SHA256,
    IocType.FILE_SHA1,
    IocType.FILE_MD5,
    IocType.APP_CERT_SHA256,
}


def normalise(ioc_type: IocType, value: str) -> str:
    v = value.strip()
    if ioc_type in _CASE_INSENSITIVE:
        v = v.lower()
    if ioc_type is IocType.DOMAIN:
        v = v.rstrip(".")
    if ioc_type in (IocType.APP_CERT_SHA256, IocType.FILE_SHA256, IocType.FILE_SHA1, IocType.FILE_MD5):
        v = v.replace(":", "")
    return v
