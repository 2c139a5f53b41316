"""Typed results of network analysis: what crosses from the capture readers to checks and reports.

Everything here is a frozen dataclass so a NetworkReport can be shared between checks, sections
and reporters without anyone mutating it. "Could not read" is data too: skips and per-file errors
travel in the report next to the results obtained before the damage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

NamedBy = Literal["dns", "sni", "http", "quic", "ip"]


@dataclass(frozen=True, order=True)
class AppRef:
    """The app behind a connection, as far as the source says (PCAPdroid gives uid and label)."""

    uid: int | None = None
    package: str | None = None
    label: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.package or (f"uid {self.uid}" if self.uid is not None else "unknown app")


@dataclass(frozen=True)
class Attribution:
    """Who owns a domain and what it is for, with where that knowledge came from."""

    owner: str | None = None
    purpose: str | None = None
    tracker: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Host:
    """One destination: a hostname (or a bare IP when nothing named it) and its traffic."""

    name: str
    named_by: NamedBy
    first_seen: float | None
    last_seen: float | None
    ips: tuple[str, ...] = ()
    contacted_ips: tuple[str, ...] = ()
    cname_chain: tuple[str, ...] = ()
    owner: str | None = None
    purpose: str | None = None
    tracker: str | None = None
    attribution_source: str | None = None
    countries: tuple[str, ...] = ()
    ip_countries: tuple[tuple[str, str | None], ...] = ()
    bytes_up: int = 0
    bytes_down: int = 0
    flows: int = 0
    apps: tuple[AppRef, ...] = ()
    clients: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    dns_queries: int = 0
    dns_types: tuple[str, ...] = ()
    nxdomain: bool = False
    blocked: int = 0
    plaintext_http: bool = False
    http_bytes_up: int = 0

    @property
    def dns_only(self) -> bool:
        return self.flows == 0 and self.named_by != "ip"

    @property
    def bytes_total(self) -> int:
        return self.bytes_up + self.bytes_down


@dataclass(frozen=True)
class Traffic:
    """One row of a summary (by country, by owner, by app, by DNS resolver).

    What ``key`` is depends on the table (:data:`TABLE_KEYS`). Rows of ``by_app`` also carry the
    app's ``uid``, ``package`` and ``label`` (a label alone is not unique: one row per app, two
    apps with the same label are two rows).
    """

    key: str
    bytes_up: int = 0
    bytes_down: int = 0
    flows: int = 0
    hosts: tuple[str, ...] = ()
    uid: int | None = None
    package: str | None = None
    label: str | None = None

    @property
    def bytes_total(self) -> int:
        return self.bytes_up + self.bytes_down


@dataclass(frozen=True)
class IoTDevice:
    """A smart-home device found in the capture (today: Xiaomi miIO) and where it sends data."""

    ip: str
    kind: str
    mac: str | None = None
    did: int | None = None
    stamp: int | None = None
    hello_replies: int = 0
    token_leaked: bool = False
    lan_packets: int = 0
    cloud_endpoints: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    bytes_up: int = 0
    bytes_down: int = 0


@dataclass(frozen=True)
class Skip:
    """Records that were not used, counted per reason (never silently dropped)."""

    file: str
    reason: str
    count: int


@dataclass(frozen=True)
class FileError:
    """A file that stopped early or could not be read; results before the damage are kept."""

    file: str
    error: str
    partial: bool


TABLE_KEYS: dict[str, str] = {
    "hosts": "name: the hostname (or the bare server IP when nothing named it)",
    "by_country": "key: ISO country code where the server IP is registered (RIR data), or 'unknown'",
    "by_owner": "key: the company that owns the host's domain, or 'unknown'",
    "by_app": "key: the app's label, else package, else 'uid N'; uid/package/label identify the app",
    "resolvers": "key: IP address of the DNS server queried",
    "by_client": "key: IP address of the local device (router-side captures)",
    "iot_devices": "ip: the device's local IP address",
}
"""What each keyed table of the report is keyed by (shown in the JSON and in docs/network.md)."""


@dataclass(frozen=True)
class FileSummary:
    """What was read from one input file."""

    file: str
    format: str
    records: int
    flows: int
    ip_bytes: int
    has_apps: bool
    dns_log: bool = False


@dataclass(frozen=True)
class NetworkReport:
    """Everything learned from the captures and DNS logs given to ``analyse_captures``."""

    files: tuple[FileSummary, ...]
    hosts: tuple[Host, ...]
    by_country: tuple[Traffic, ...] = ()
    by_owner: tuple[Traffic, ...] = ()
    by_app: tuple[Traffic, ...] = ()
    resolvers: tuple[Traffic, ...] = ()
    by_client: tuple[Traffic, ...] = ()  # internet traffic per local device (router-side captures)
    iot_devices: tuple[IoTDevice, ...] = ()
    skipped: tuple[Skip, ...] = ()
    errors: tuple[FileError, ...] = ()
    first_seen: float | None = None
    last_seen: float | None = None
    notes: tuple[str, ...] = field(default=())

    def host(self, name: str) -> Host | None:
        """The host called ``name`` (hostname or bare IP), if it was seen."""
        for h in self.hosts:
            if h.name == name:
                return h
        return None

    @property
    def has_apps(self) -> bool:
        return any(f.has_apps for f in self.files)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (tuples become lists); ``table_keys`` says what each table is keyed by."""
        out = asdict(self)
        out["table_keys"] = dict(TABLE_KEYS)
        for table in ("by_country", "by_owner", "resolvers", "by_client"):
            for row in out[table]:
                for k in ("uid", "package", "label"):
                    row.pop(k, None)
        for h, raw in zip(self.hosts, out["hosts"], strict=True):
            raw["dns_only"] = h.dns_only
        return out
