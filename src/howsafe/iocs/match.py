"""Matching indicators against what an audit saw: the snapshot, scanned APKs and the network.

Each observable is looked up in the IndicatorSet's indexes (constant time per observable; domains
walk their label suffixes), so matching cost grows with the evidence, not with the collections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from howsafe.iocs.model import Indicator, IndicatorSet, IocType
from howsafe.model import Evidence, Snapshot


@dataclass(frozen=True)
class Observable:
    """Something seen on or around the device that an indicator may name."""

    type: IocType
    value: str
    evidence: Evidence


@dataclass(frozen=True)
class Hit:
    indicator: Indicator
    observable: Observable
    exact: bool = True  # False: a URL indicator matched on its host only


def snapshot_observables(snap: Snapshot) -> Iterator[Observable]:
    src = snap.source.location
    for pkg in snap.packages or ():
        ev = Evidence(kind="package", key=pkg.id, value=pkg.installer, source=src)
        yield Observable(IocType.APP_ID, pkg.id, ev)
        for digest in pkg.signer_sha256:
            yield Observable(IocType.APP_CERT_SHA256, digest,
                             Evidence(kind="certificate", key=pkg.id, value=digest, source=src))
        for path in pkg.apk_paths:
            yield from _file_observables(path, pkg.id, src)
    for proc in snap.processes or ():
        ev = Evidence(kind="process", key=proc.name, value=f"pid {proc.pid}", source=src)
        yield Observable(IocType.PROCESS_NAME, proc.name, ev)
        base = proc.name.split(":", 1)[0]
        yield Observable(IocType.APP_ID, base, ev)
    for path in snap.integrity.root_binaries or ():
        yield from _file_observables(path, "root binary probe", src)
    for key, value in snap.properties.items():
        ev = Evidence(kind="property", key=key, value=value, source=src)
        yield Observable(IocType.PROPERTY, key, ev)
        if "@" in value:
            yield Observable(IocType.EMAIL, value, ev)
    for namespace, values in snap.settings.items():
        for key, value in values.items():
            if "@" in value:
                yield Observable(IocType.EMAIL, value,
                                 Evidence(kind="setting", key=f"{namespace}/{key}", value=value, source=src))


def _file_observables(path: str, owner: str, src: str) -> Iterator[Observable]:
    ev = Evidence(kind="file", key=path, value=owner, source=src)
    yield Observable(IocType.FILE_PATH, path, ev)
    name = PurePosixPath(path).name
    if name:
        yield Observable(IocType.FILE_NAME, name, ev)


def match(iset: IndicatorSet, observables: Iterator[Observable]) -> list[Hit]:
    """Every (indicator, observable) pair that matches, without duplicates."""
    hits: list[Hit] = []
    seen: set[tuple[str | None, str, str, str]] = set()
    for obs in observables:
        found = iset.lookup_domain(obs.value) if obs.type is IocType.DOMAIN else iset.lookup(obs.type, obs.value)
        by_host = iset.lookup_url_host(obs.value) if obs.type is IocType.DOMAIN else []
        for ind, exact in [*((i, True) for i in found), *((i, False) for i in by_host)]:
            key = (ind.stix_id, ind.value, obs.evidence.kind, obs.evidence.key)
            if key not in seen:
                seen.add(key)
                hits.append(Hit(ind, obs, exact))
    return hits
