"""Observables from scanned APKs and network evidence (kept apart from the snapshot's)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from howsafe.iocs.match import Observable
from howsafe.iocs.model import IocType
from howsafe.model import Evidence

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.net.model import NetworkReport


def app_observables(apps: Sequence[AppReport]) -> Iterator[Observable]:
    for app in apps:
        label = str(app.path)
        package = getattr(app, "package", None)
        if package:
            yield Observable(IocType.APP_ID, package, Evidence(kind="apk", key=package, value=label, source=label))
        for digest in getattr(app, "signer_sha256", ()) or ():
            yield Observable(IocType.APP_CERT_SHA256, digest,
                             Evidence(kind="certificate", key=package or label, value=digest, source=label))
        for attr, ioc_type in (("sha256", IocType.FILE_SHA256), ("sha1", IocType.FILE_SHA1),
                               ("md5", IocType.FILE_MD5)):
            digest = getattr(app, attr, None)
            if isinstance(digest, str) and digest:
                yield Observable(ioc_type, digest, Evidence(kind="apk", key=label, value=digest, source=label))


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
        for ip in {*host.ips, *host.contacted_ips, *( [host.name] if host.named_by == "ip" else [])}:
            t = _ip_type(ip)
            if t is not None:
                yield Observable(t, ip, Evidence(kind="ip", key=ip, value=host.name, source="network"))
