"""Observables from scanned APKs and network evidence (kept apart from the snapshot's)."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from howsafe.iocs.match import Observable
from howsafe.iocs.model import IocType
from howsafe.model import Evidence

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.net.model import NetworkReport


MAX_HASHED_FILE = 2 * 1024**3


def _file_digests(path: Path) -> dict[IocType, str] | None:
    """md5/sha1/sha256 of one file, streamed (indicators name APKs by any of the three)."""
    try:
        if path.stat().st_size > MAX_HASHED_FILE:
            return None
        hashers = {
            IocType.FILE_MD5: hashlib.md5(usedforsecurity=False),
            IocType.FILE_SHA1: hashlib.sha1(usedforsecurity=False),
            IocType.FILE_SHA256: hashlib.sha256(),
        }
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                for h in hashers.values():
                    h.update(chunk)
    except OSError:
        return None
    return {t: h.hexdigest() for t, h in hashers.items()}


def app_observables(apps: Sequence[AppReport], *, hash_files: bool = False) -> Iterator[Observable]:
    """Package ids and signer digests of scanned apps; file hashes too when ``hash_files``
    (only worth the I/O when the indicator set holds file hashes)."""
    for app in apps:
        label = str(app.path)
        package = app.package
        if package:
            yield Observable(IocType.APP_ID, package, Evidence(kind="apk", key=package, value=label, source=label))
        for digest in app.signer_sha256:
            yield Observable(
                IocType.APP_CERT_SHA256,
                digest,
                Evidence(kind="certificate", key=package or label, value=digest, source=label),
            )
        if not hash_files:
            continue
        root = Path(app.path)
        files = sorted(root.glob("*.apk")) if root.is_dir() else [root]
        for f in files:
            digests = _file_digests(f)
            for ioc_type, digest in (digests or {}).items():
                yield Observable(ioc_type, digest, Evidence(kind="apk", key=str(f), value=digest, source=package))


def _ip_type(ip: str) -> IocType | None:
    try:
        return IocType.IPV4 if ipaddress.ip_address(ip).version == 4 else IocType.IPV6
    except ValueError:
        return None


def network_observables(network: NetworkReport) -> Iterator[Observable]:
    for host in network.hosts:
        apps = ", ".join(sorted({a.display for a in host.apps})) or None
        ev = Evidence(kind="host", key=host.name, value=apps, source=f"network ({host.named_by})")
        if host.named_by != "ip":
            yield Observable(IocType.DOMAIN, host.name, ev)
            for alias in host.cname_chain:
                yield Observable(IocType.DOMAIN, alias, ev)
        for ip in {*host.ips, *host.contacted_ips, *([host.name] if host.named_by == "ip" else [])}:
            t = _ip_type(ip)
            if t is not None:
                yield Observable(t, ip, Evidence(kind="ip", key=ip, value=host.name, source="network"))
