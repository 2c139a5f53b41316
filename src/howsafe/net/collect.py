"""Mutable accumulators shared by every reader: flows, names seen in DNS/TLS/HTTP/QUIC, IoT hellos.

Readers (packet engine, CSV, DNS logs) feed a ``Collector``; ``howsafe.net.build`` turns it into
the frozen ``NetworkReport``. Nothing here attributes or judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIRST_SEEN_RANK = {"dns": 0, "sni": 1, "quic": 2, "http": 3}
MAX_NAMES = 1_000_000  # distinct hostnames kept; a hostile capture cannot grow memory without bound


class Flow:
    """One bidirectional TCP/UDP conversation, seen from the client (the device that opened it)."""

    __slots__ = (
        "bad",
        "client",
        "cport",
        "down",
        "downk",
        "first",
        "http_data",
        "inspect",
        "kind",
        "last",
        "name",
        "named_by",
        "proto",
        "server",
        "sport",
        "uid",
        "up",
        "upk",
    )

    def __init__(self, proto: str, client: str, cport: int, server: str, sport: int, ts: float) -> None:
        self.proto = proto
        self.client = client
        self.cport = cport
        self.server = server
        self.sport = sport
        self.up = 0
        self.down = 0
        self.upk = 0
        self.downk = 0
        self.first = ts
        self.last = ts
        self.name: str | None = None
        self.named_by = ""
        self.uid = -1
        self.inspect = 0
        self.kind = "other"
        self.http_data = False
        self.bad = 0  # malformed payloads seen while nothing valid was (flow dropped if it stays so)


@dataclass
class NameAcc:
    """Everything learned about one hostname outside flow bytes."""

    name: str
    first_seen: float
    first_source: str
    last_seen: float
    answers: dict[str, None] = field(default_factory=dict)
    cnames: list[str] = field(default_factory=list)
    queries: int = 0
    types: dict[str, None] = field(default_factory=dict)
    nxdomain: bool = False
    blocked: int = 0
    clients: dict[str, None] = field(default_factory=dict)


@dataclass
class MiioAcc:
    """A miIO speaker on UDP 54321 (hello replies carry its device id and uptime stamp)."""

    ip: str
    mac: str | None = None
    did: int | None = None
    stamp: int | None = None
    hello_replies: int = 0
    token_leaked: bool = False
    lan_packets: int = 0
    cloud: dict[str, None] = field(default_factory=dict)


@dataclass
class FileStats:
    file: str
    format: str = ""
    records: int = 0
    flows: int = 0
    ip_bytes: int = 0
    has_apps: bool = False
    dns_log: bool = False


class Collector:
    """Accumulates across all input files of one analysis."""

    def __init__(self) -> None:
        self.names: dict[str, NameAcc] = {}
        self.flows: list[Flow] = []
        self.apps: dict[int, tuple[str | None, str | None]] = {}
        self.miio: dict[str, MiioAcc] = {}
        self.skipped: dict[tuple[str, str], int] = {}
        self.errors: list[tuple[str, str, bool]] = []
        self.files: list[FileStats] = []
        self.notes: list[str] = []
        self.names_dropped = 0

    def skip(self, file: str, reason: str, n: int = 1) -> None:
        key = (file, reason)
        self.skipped[key] = self.skipped.get(key, 0) + n

    def name_seen(self, name: str, source: str, ts: float, client: str | None = None) -> NameAcc:
        """Record that ``name`` appeared (via dns/sni/http/quic) at ``ts``; keeps the earliest source."""
        acc = self.names.get(name)
        if acc is None:
            acc = NameAcc(name, ts, source, ts)
            if len(self.names) >= MAX_NAMES:
                self.names_dropped += 1
                return acc  # counted, not kept
            self.names[name] = acc
        else:
            if ts < acc.first_seen or (
                ts == acc.first_seen and FIRST_SEEN_RANK.get(source, 9) < FIRST_SEEN_RANK.get(acc.first_source, 9)
            ):
                acc.first_seen = ts
                acc.first_source = source
            if ts > acc.last_seen:
                acc.last_seen = ts
        if client is not None:
            acc.clients[client] = None
        return acc

    def dns_answer(
        self,
        ts: float,
        client: str | None,
        qname: str,
        addresses: list[str] | tuple[str, ...],
        chain: tuple[str, ...],
        nxdomain: bool,
    ) -> None:
        acc = self.name_seen(qname, "dns", ts, client)
        for ip in addresses:
            acc.answers[ip] = None
        for c in chain:
            if c not in acc.cnames:
                acc.cnames.append(c)
        acc.nxdomain = acc.nxdomain or nxdomain

    def dns_query(self, ts: float, client: str | None, qname: str, qtype: str, blocked: bool = False) -> None:
        acc = self.name_seen(qname, "dns", ts, client)
        acc.queries += 1
        acc.types[qtype] = None
        if blocked:
            acc.blocked += 1

    def app(self, uid: int, package: str | None, label: str | None) -> None:
        old = self.apps.get(uid)
        if old is None or (package and not old[0]) or (label and not old[1]):
            self.apps[uid] = (package or (old[0] if old else None), label or (old[1] if old else None))
