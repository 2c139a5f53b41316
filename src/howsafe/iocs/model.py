"""Indicators of compromise as typed records, and the indexed set an audit matches against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit


class IocType(StrEnum):
    """Observable kinds, named after the STIX2 object paths MVT's bundles use."""

    APP_ID = "app:id"
    APP_CERT_SHA256 = "app:cert.sha256"
    APP_CERT_SHA1 = "app:cert.sha1"
    APP_CERT_MD5 = "app:cert.md5"
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
    source: str = ""  # the bundle it came from (two bundles may share a collection name)


@dataclass(frozen=True)
class Unsupported:
    """A pattern howsafe cannot evaluate: reported by `iocs add`, `iocs list` and the audit."""

    collection: str
    pattern: str
    reason: str
    source: str = ""


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
    unsupported: list[Unsupported] = field(default_factory=list)
    _index: dict[IocType, dict[str, list[Indicator]]] = field(default_factory=dict)
    _url_hosts: dict[str, list[Indicator]] = field(default_factory=dict)
    _path_lengths: set[int] = field(default_factory=set)
    _process_prefixes: dict[str, list[Indicator]] = field(default_factory=dict)
    compiled: list[IndexBackend] = field(default_factory=list)
    _sorted_lengths: list[int] | None = None

    @property
    def skipped_patterns(self) -> int:
        return len(self.unsupported) + sum(b.unsupported_count() for b in self.compiled)

    def all_unsupported(self) -> list[Unsupported]:
        return [*self.unsupported, *(u for b in self.compiled for u in b.unsupported())]

    def all_collections(self) -> list[Collection]:
        return [*(c for b in self.compiled for c in b.collections()), *self.collections]

    def add(self, ind: Indicator) -> None:
        key = normalise(ind.type, ind.value)
        self._index.setdefault(ind.type, {}).setdefault(key, []).append(ind)
        if ind.type is IocType.URL:
            host = url_host(ind.value)
            if host:
                self._url_hosts.setdefault(normalise(IocType.DOMAIN, host), []).append(ind)
        elif ind.type is IocType.FILE_PATH:
            self._path_lengths.add(len(key.rstrip("/")))
            self._sorted_lengths = None
        elif ind.type is IocType.PROCESS_NAME and len(key) >= PROCESS_TRUNCATION:
            self._process_prefixes.setdefault(key[:PROCESS_TRUNCATION], []).append(ind)

    def lookup_url_host(self, host: str) -> list[Indicator]:
        """URL indicators whose host is exactly ``host`` (a capture shows hosts, rarely full URLs)."""
        key = normalise(IocType.DOMAIN, host)
        return [*self._url_hosts.get(key, []), *(i for b in self.compiled for i in b.lookup_url_host(key))]

    def __len__(self) -> int:
        return sum(len(v) for by_value in self._index.values() for v in by_value.values()) + sum(
            len(b) for b in self.compiled
        )

    def counts(self) -> Counter[tuple[str, IocType]]:
        """Indicator count per (collection source, type)."""
        c: Counter[tuple[str, IocType]] = Counter()
        for b in self.compiled:
            c.update(b.counts())
        for t, by_value in self._index.items():
            for inds in by_value.values():
                for ind in inds:
                    c[(ind.source or ind.collection, t)] += 1
        return c

    def lookup(self, ioc_type: IocType, value: str) -> list[Indicator]:
        key = normalise(ioc_type, value)
        found = self._index.get(ioc_type, {}).get(key, [])
        if not self.compiled:
            return found
        return [*found, *(i for b in self.compiled for i in b.lookup(ioc_type, key))]

    def lookup_domain(self, host: str) -> list[Indicator]:
        """Indicators for ``host`` or any parent domain of it (subdomain-aware)."""
        if not self.has(IocType.DOMAIN):
            return []
        name = normalise(IocType.DOMAIN, host)
        hits: list[Indicator] = []
        while name:
            hits.extend(self.lookup(IocType.DOMAIN, name))
            dot = name.find(".")
            if dot < 0:
                break
            name = name[dot + 1 :]
        return hits

    def lookup_process(self, name: str) -> list[Indicator]:
        """MVT's rule: the name's basename equals the indicator, or, when the name is exactly
        16 characters long (the kernel's truncated ``comm``), the indicator starts with it."""
        hits = list(self.lookup(IocType.PROCESS_NAME, name))
        if len(name) == PROCESS_TRUNCATION:
            hits.extend(i for i in self._process_prefixes.get(name, []) if i not in hits)
            for b in self.compiled:
                hits.extend(i for i in b.lookup_process_prefix(name) if i not in hits)
        return hits

    def lookup_file_path(self, path: str) -> list[Indicator]:
        """MVT's rule: a path indicator matches every path that starts with it (a folder
        indicator, with or without its trailing slash, matches everything below it)."""
        hits: list[Indicator] = []
        if self._sorted_lengths is None:
            self._sorted_lengths = sorted(self._path_lengths.union(*(b.path_lengths() for b in self.compiled)))
        for n in self._sorted_lengths:
            if n > len(path):
                break
            prefix = path[:n]
            for key in (prefix, prefix + "/"):
                hits.extend(i for i in self.lookup(IocType.FILE_PATH, key) if i not in hits)
        return hits

    def has(self, ioc_type: IocType) -> bool:
        return bool(self._index.get(ioc_type)) or any(b.has(ioc_type) for b in self.compiled)


PROCESS_TRUNCATION = 16


def url_host(value: str) -> str | None:
    """The host of a URL indicator, or None when it has none or cannot be parsed."""
    try:
        return urlsplit(value if "//" in value else "//" + value).hostname
    except ValueError:  # "http://[::1" and other malformed authorities
        return None


class IndexBackend(Protocol):
    """A compiled, on-disk index of stored collections (see ``iocs/compiled.py``)."""

    def __len__(self) -> int: ...
    def collections(self) -> list[Collection]: ...
    def unsupported(self) -> list[Unsupported]: ...
    def unsupported_count(self) -> int: ...
    def counts(self) -> Counter[tuple[str, IocType]]: ...
    def lookup(self, ioc_type: IocType, key: str) -> list[Indicator]: ...
    def lookup_url_host(self, host: str) -> list[Indicator]: ...
    def lookup_process_prefix(self, prefix: str) -> list[Indicator]: ...
    def path_lengths(self) -> set[int]: ...
    def has(self, ioc_type: IocType) -> bool: ...


_CASE_INSENSITIVE = {
    IocType.APP_ID,  # MVT compares app ids and property names case-insensitively
    IocType.PROPERTY,
    IocType.APP_CERT_SHA1,
    IocType.APP_CERT_MD5,
    IocType.DOMAIN,
    IocType.EMAIL,
    IocType.FILE_SHA256,
    IocType.FILE_SHA1,
    IocType.FILE_MD5,
    IocType.APP_CERT_SHA256,
}


_HASHES = frozenset(
    {
        IocType.APP_CERT_SHA256,
        IocType.APP_CERT_SHA1,
        IocType.APP_CERT_MD5,
        IocType.FILE_SHA256,
        IocType.FILE_SHA1,
        IocType.FILE_MD5,
    }
)


def normalise(ioc_type: IocType, value: str) -> str:
    v = value.strip()
    if ioc_type in _CASE_INSENSITIVE:
        v = v.lower()
    if ioc_type is IocType.DOMAIN:
        v = v.rstrip(".")
    if ioc_type in _HASHES:
        v = v.replace(":", "")
    return v
