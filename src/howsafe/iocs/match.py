"""Matching indicators against what an audit saw: the snapshot, scanned APKs and the network.

Each observable is looked up in the IndicatorSet's indexes (constant time per observable; domains
walk their label suffixes), so matching cost grows with the evidence, not with the collections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from howsafe.iocs.model import Indicator, IndicatorSet, IocType
from howsafe.model import Evidence, FileHashes, Snapshot


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
        for ioc_type, digests in (
            (IocType.APP_CERT_SHA256, pkg.signer_sha256),
            (IocType.APP_CERT_SHA1, pkg.signer_sha1),
            (IocType.APP_CERT_MD5, pkg.signer_md5),
        ):
            for digest in digests:
                yield Observable(ioc_type, digest, Evidence(kind="certificate", key=pkg.id, value=digest, source=src))
        for path in pkg.apk_paths:
            yield from _file_observables(path, pkg.id, src)
        for apk in pkg.apk_hashes:
            yield from _hash_observables(apk, pkg.id, src)
    for section, ids in snap.app_ids_seen.items():
        for app_id in ids:
            yield Observable(
                IocType.APP_ID,
                app_id,
                Evidence(kind="dumpsys", key=app_id, value=f"named in dumpsys {section}", source=src),
            )
    for proc in snap.processes or ():
        ev = Evidence(kind="process", key=proc.name, value=f"pid {proc.pid}", source=src)
        name = process_name(proc.name)
        yield Observable(IocType.PROCESS_NAME, name, ev)
        base = name.split(":", 1)[0]
        yield Observable(IocType.APP_ID, base, ev)
    for entry in snap.files or ():
        yield from _file_observables(entry.path, "file listing", src)
        yield from _hash_observables(entry, "file listing", src)
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
                yield Observable(
                    IocType.EMAIL, value, Evidence(kind="setting", key=f"{namespace}/{key}", value=value, source=src)
                )


def process_name(name: str) -> str:
    """The name an indicator names: a kernel thread ``[kworker/0:1]`` without its brackets, then
    the basename of a path (``/system/bin/foo`` → ``foo``), as MVT compares them."""
    n = name.strip()
    if n.startswith("[") and n.endswith("]"):
        n = n[1:-1]
    return n.rsplit("/", 1)[-1] or n


def _file_observables(path: str, owner: str, src: str) -> Iterator[Observable]:
    ev = Evidence(kind="file", key=path, value=owner, source=src)
    yield Observable(IocType.FILE_PATH, path, ev)
    name = PurePosixPath(path).name
    if name:
        yield Observable(IocType.FILE_NAME, name, ev)


def _hash_observables(f: FileHashes, owner: str, src: str) -> Iterator[Observable]:
    for ioc_type, digest in ((IocType.FILE_SHA256, f.sha256), (IocType.FILE_SHA1, f.sha1), (IocType.FILE_MD5, f.md5)):
        if digest:
            yield Observable(ioc_type, digest, Evidence(kind="file hash", key=f.path, value=digest, source=owner))


def match(iset: IndicatorSet, observables: Iterator[Observable]) -> list[Hit]:
    """Every (indicator, observable) pair that matches, without duplicates."""
    hits: list[Hit] = []
    seen: set[tuple[str | None, str, str, str]] = set()
    for obs in observables:
        if obs.type is IocType.DOMAIN:
            found = iset.lookup_domain(obs.value)
        elif obs.type is IocType.PROCESS_NAME:
            found = iset.lookup_process(obs.value)
        elif obs.type is IocType.FILE_PATH:
            found = iset.lookup_file_path(obs.value)
        else:
            found = iset.lookup(obs.type, obs.value)
        by_host = iset.lookup_url_host(obs.value) if obs.type is IocType.DOMAIN else []
        for ind, exact in [*((i, True) for i in found), *((i, False) for i in by_host)]:
            key = (ind.stix_id, ind.value, obs.evidence.kind, obs.evidence.key)
            if key not in seen:
                seen.add(key)
                hits.append(Hit(ind, obs, exact))
    return hits
