"""Collector -> NetworkReport: name each flow, attribute hosts, and sum traffic by country/owner/app.

Flow categories follow the capture truth definitions: ``dns`` (to port 53: counted for the
resolver, the app and the resolver's country, never for the queried name), ``lan`` (both ends
local, e.g. miIO on UDP 54321) and ``app`` (everything else, named by SNI, QUIC SNI, HTTP Host or
the latest DNS answer for the server IP, else only by the IP).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any

from howsafe.net.attribution import DomainKnowledge, country_of, is_local
from howsafe.net.collect import Collector, Flow
from howsafe.net.model import (
    AppRef,
    FileError,
    FileSummary,
    Host,
    IoTDevice,
    NamedBy,
    NetworkReport,
    Skip,
    Traffic,
)


class _HostAcc:
    __slots__ = (
        "apps",
        "bytes_down",
        "bytes_up",
        "clients",
        "contacted",
        "first",
        "flows",
        "http",
        "http_up",
        "last",
        "ports",
    )

    def __init__(self) -> None:
        self.bytes_up = 0
        self.bytes_down = 0
        self.flows = 0
        self.contacted: dict[str, None] = {}
        self.apps: dict[AppRef, None] = {}
        self.clients: dict[str, None] = {}
        self.ports: dict[int, None] = {}
        self.first: float | None = None
        self.last: float | None = None
        self.http = False
        self.http_up = 0

    def add(self, fl: Flow, app: AppRef | None) -> None:
        self.bytes_up += fl.up
        self.bytes_down += fl.down
        self.flows += 1
        self.contacted[fl.server] = None
        self.clients[fl.client] = None
        self.ports[fl.sport] = None
        if app is not None:
            self.apps[app] = None
        self.first = fl.first if self.first is None else min(self.first, fl.first)
        self.last = fl.last if self.last is None else max(self.last, fl.last)
        if fl.kind == "http" and fl.http_data:
            self.http = True
            self.http_up += fl.up


class _Sum:
    __slots__ = ("down", "flows", "hosts", "up")

    def __init__(self) -> None:
        self.up = 0
        self.down = 0
        self.flows = 0
        self.hosts: dict[str, None] = {}


def category(fl: Flow) -> str:
    if fl.sport == 53 or fl.kind == "dns":
        return "dns"
    if is_local(fl.server):
        return "lan"
    return "app"


def build_report(c: Collector, knowledge: DomainKnowledge, apps_from_snapshot: dict[int, AppRef]) -> NetworkReport:
    """Freeze the collector into a report (attribution and countries are looked up here)."""
    app_cache: dict[int, AppRef] = {}

    def app_of(uid: int) -> AppRef | None:
        if uid < 0:
            return None
        ref = app_cache.get(uid)
        if ref is None:
            pkg, label = c.apps.get(uid, (None, None))
            snap = apps_from_snapshot.get(uid)
            if snap and snap.label and label and snap.label.startswith(label):
                label = snap.label  # the PCAPdroid trailer keeps only 19 bytes of the label
            ref = AppRef(
                uid=uid,
                package=pkg or (snap.package if snap else None),
                label=label or (snap.label if snap else None),
            )
            app_cache[uid] = ref
        return ref

    named: dict[str, _HostAcc] = defaultdict(_HostAcc)
    ip_only: dict[str, _HostAcc] = defaultdict(_HostAcc)
    by_country: dict[str, _Sum] = defaultdict(_Sum)
    by_owner: dict[str, _Sum] = defaultdict(_Sum)
    by_app: dict[AppRef, _Sum] = defaultdict(_Sum)
    resolvers: dict[str, _Sum] = defaultdict(_Sum)
    by_client: dict[str, _Sum] = defaultdict(_Sum)
    first: float | None = None
    last: float | None = None

    def add(table: dict[Any, _Sum], key: Hashable, fl: Flow, host: str | None) -> None:
        s = table[key]
        s.up += fl.up
        s.down += fl.down
        s.flows += 1
        if host:
            s.hosts[host] = None

    owner_of: Callable[[str], str | None] = lambda h: knowledge.attribute(h).owner  # noqa: E731

    for fl in c.flows:
        first = fl.first if first is None else min(first, fl.first)
        last = fl.last if last is None else max(last, fl.last)
        cat = category(fl)
        app = app_of(fl.uid)
        cc = country_of(fl.server)
        host_key: str | None = None
        if cat == "dns":
            add(resolvers, fl.server, fl, None)
        elif cat == "app":
            if fl.name:
                named[fl.name].add(fl, app)
                host_key = fl.name
            else:
                ip_only[fl.server].add(fl, app)
                host_key = fl.server
        if cat != "lan" and cc:
            add(by_country, cc, fl, host_key)
        if cat == "app":
            add(by_client, fl.client, fl, host_key)
        if cat == "app" and host_key:
            owner = (owner_of(host_key) if fl.name else None) or "unknown"
            add(by_owner, owner, fl, host_key)
        if app is not None:
            add(by_app, app, fl, host_key)

    hosts: list[Host] = []
    for name in sorted(set(c.names) | set(named)):
        acc = c.names.get(name)
        h = named.get(name)
        att = knowledge.attribute(name)
        answers = tuple(acc.answers) if acc else ()
        contacted = tuple(h.contacted) if h else ()
        ips = tuple(dict.fromkeys(answers + contacted))
        ip_cc = tuple((ip, country_of(ip)) for ip in ips)
        countries = tuple(sorted({cc for ip, cc in ip_cc if cc and (not contacted or ip in contacted)}))
        source: NamedBy = _named_by(acc.first_source if acc else "dns")
        times = [t for t in (acc.first_seen if acc else None, h.first if h else None) if t is not None]
        lasts = [t for t in (acc.last_seen if acc else None, h.last if h else None) if t is not None]
        hosts.append(
            Host(
                name=name,
                named_by=source,
                first_seen=acc.first_seen if acc else (min(times) if times else None),
                last_seen=max(lasts) if lasts else None,
                ips=ips,
                contacted_ips=contacted,
                cname_chain=tuple(acc.cnames) if acc else (),
                owner=att.owner,
                purpose=att.purpose,
                tracker=att.tracker,
                attribution_source=att.source,
                countries=countries,
                ip_countries=ip_cc,
                bytes_up=h.bytes_up if h else 0,
                bytes_down=h.bytes_down if h else 0,
                flows=h.flows if h else 0,
                apps=tuple(sorted(h.apps, key=lambda a: a.uid or 0)) if h else (),
                clients=tuple(dict.fromkeys((tuple(acc.clients) if acc else ()) + (tuple(h.clients) if h else ()))),
                ports=tuple(sorted(h.ports)) if h else (),
                dns_queries=acc.queries if acc else 0,
                dns_types=tuple(acc.types) if acc else (),
                nxdomain=acc.nxdomain if acc else False,
                blocked=acc.blocked if acc else 0,
                plaintext_http=h.http if h else False,
                http_bytes_up=h.http_up if h else 0,
            )
        )
    for ip, h in sorted(ip_only.items()):
        cc = country_of(ip)
        hosts.append(
            Host(
                name=ip,
                named_by="ip",
                first_seen=h.first,
                last_seen=h.last,
                ips=(ip,),
                contacted_ips=(ip,),
                countries=(cc,) if cc else (),
                ip_countries=((ip, cc),),
                bytes_up=h.bytes_up,
                bytes_down=h.bytes_down,
                flows=h.flows,
                apps=tuple(sorted(h.apps, key=lambda a: a.uid or 0)),
                clients=tuple(h.clients),
                ports=tuple(sorted(h.ports)),
                plaintext_http=h.http,
                http_bytes_up=h.http_up,
            )
        )

    return NetworkReport(
        files=tuple(
            FileSummary(f.file, f.format, f.records, f.flows, f.ip_bytes, f.has_apps, f.dns_log) for f in c.files
        ),
        hosts=tuple(hosts),
        by_country=_rows(by_country),
        by_owner=_rows(by_owner),
        by_app=_app_rows(by_app),
        resolvers=_rows(resolvers),
        by_client=_rows(by_client),
        iot_devices=_iot(c, named, ip_only),
        skipped=tuple(Skip(f, r, n) for (f, r), n in sorted(c.skipped.items()))
        + ((Skip("*", "distinct hostnames beyond the safety bound", c.names_dropped),) if c.names_dropped else ()),
        errors=tuple(FileError(f, e, p) for f, e, p in c.errors),
        first_seen=first,
        last_seen=last,
        notes=tuple(c.notes),
    )


def _named_by(source: str) -> NamedBy:
    if source in ("dns", "sni", "http", "quic"):
        return source  # type: ignore[return-value]
    return "dns"


def _app_rows(table: dict[AppRef, _Sum]) -> tuple[Traffic, ...]:
    rows = [
        Traffic(a.display, s.up, s.down, s.flows, tuple(s.hosts), uid=a.uid, package=a.package, label=a.label)
        for a, s in table.items()
    ]
    rows.sort(key=lambda t: (-t.bytes_total, t.key, t.uid if t.uid is not None else -1))
    return tuple(rows)


def _rows(table: dict[str, _Sum]) -> tuple[Traffic, ...]:
    rows = [Traffic(k, s.up, s.down, s.flows, tuple(s.hosts)) for k, s in table.items()]
    rows.sort(key=lambda t: (-t.bytes_total, t.key))
    return tuple(rows)


def _iot(c: Collector, named: dict[str, _HostAcc], ip_only: dict[str, _HostAcc]) -> tuple[IoTDevice, ...]:
    out: list[IoTDevice] = []
    for ip, m in sorted(c.miio.items()):
        if m.did is None and not m.hello_replies:
            continue
        dests: dict[str, None] = {}
        countries: set[str] = set()
        up = down = 0
        for fl in c.flows:
            if fl.client != ip or category(fl) != "app":
                continue
            dests[fl.name or fl.server] = None
            cc = country_of(fl.server)
            if cc:
                countries.add(cc)
            up += fl.up
            down += fl.down
        out.append(
            IoTDevice(
                ip=ip,
                kind="Xiaomi miIO",
                mac=m.mac,
                did=m.did,
                stamp=m.stamp,
                hello_replies=m.hello_replies,
                token_leaked=m.token_leaked,
                lan_packets=m.lan_packets,
                cloud_endpoints=tuple(m.cloud),
                destinations=tuple(dests),
                countries=tuple(sorted(countries)),
                bytes_up=up,
                bytes_down=down,
            )
        )
    return tuple(out)
