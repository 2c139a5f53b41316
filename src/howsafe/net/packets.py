"""The hot path: frames -> flows with bytes per direction, plus names from DNS, TLS, HTTP and QUIC.

Written for throughput in plain Python: one pass, ``bytes`` slices and small-integer arithmetic,
one dict lookup per packet keyed on the raw address and port bytes (both directions of a flow are
registered, so no canonicalisation per packet). Payloads are looked at only while a flow still
needs a name (a few packets per flow), so bulk data packets cost a header decode and a lookup.

Bytes are IP-level (IPv4 total length, or 40 + IPv6 payload length): link headers, capture
padding and PCAPdroid trailers are never counted.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

from howsafe.errors import DnsError, PayloadError, QuicError
from howsafe.net import dns, quic
from howsafe.net.collect import Collector, FileStats, Flow, MiioAcc
from howsafe.net.payload import (
    http_host,
    is_http_request,
    tls_record_incomplete,
    tls_record_sni,
)

V4 = b"\x08\x00"
V6 = b"\x86\xdd"
ARP = b"\x08\x06"
VLAN = b"\x81\x00"
RAW_LINKTYPES = {101, 12, 14, 228, 229}
SERVER_PORTS = {53, 80, 123, 443, 853, 5222, 5223, 5228, 8053, 8080, 8443, 54321, 1883, 8883}
MAX_FLOWS = 2_000_000
TCP_INSPECT = 16
MAX_DNS_MAP = 2_000_000
MAX_HELLO = 16384  # a ClientHello is reassembled over TCP segments up to this size
MAX_PENDING = 1024  # flows holding a partial ClientHello at once (bounds memory to 16 MiB)
MIIO_PORT = 54321
OT_PORT = 8053
_ntop = socket.inet_ntop
_AF = {4: socket.AF_INET, 16: socket.AF_INET6}


class PacketEngine:
    """Turns the records of one capture file into flows and name events on a Collector."""

    def __init__(self, collector: Collector, stats: FileStats) -> None:
        self.c = collector
        self.stats = stats
        self.tcp: dict[bytes, tuple[Flow, bool]] = {}
        self.udp: dict[bytes, tuple[Flow, bool]] = {}
        self.dns_map: dict[tuple[str, str], str] = {}
        self.dns_any: dict[str, str] = {}
        self.pending: dict[Flow, bytes] = {}
        self.flows: list[Flow] = []
        self.non_flow: dict[str, int] = {}
        self.ip_bytes = 0

    # ------------------------------------------------------------------ hot loop
    def run(self, records: Iterable[tuple[float, int, bytes, int]]) -> None:
        """Consume ``records``; exceptions from the reader propagate after the state is kept."""
        tcp = self.tcp
        udp = self.udp
        non_flow = self.non_flow
        ip_bytes = 0
        try:
            for ts, link, data, uid in records:
                if link == 1:
                    et = data[12:14]
                    off = 14
                    if et == VLAN:
                        et = data[16:18]
                        off = 18
                elif link in RAW_LINKTYPES:
                    v = data[0] >> 4 if data else 0
                    et = V4 if v == 4 else V6 if v == 6 else b""
                    off = 0
                elif link == 113:
                    et = data[14:16]
                    off = 16
                elif link == 276:
                    et = data[0:2]
                    off = 20
                else:
                    non_flow["unsupported link type"] = non_flow.get("unsupported link type", 0) + 1
                    continue
                if et == V4:
                    if len(data) < off + 20:
                        non_flow["truncated IP header"] = non_flow.get("truncated IP header", 0) + 1
                        continue
                    iplen = (data[off + 2] << 8) | data[off + 3]
                    if not iplen:  # TSO/GSO: the sending host captured before segmentation
                        iplen = len(data) - off
                    proto = data[off + 9]
                    ip_bytes += iplen
                    if (data[off + 6] & 0x1F) or data[off + 7]:
                        non_flow["ip fragment"] = non_flow.get("ip fragment", 0) + 1
                        continue
                    l4 = off + ((data[off] & 15) << 2)
                    key = data[off + 12 : off + 20] + data[l4 : l4 + 4]
                elif et == V6:
                    if len(data) < off + 40:
                        non_flow["truncated IP header"] = non_flow.get("truncated IP header", 0) + 1
                        continue
                    iplen = 40 + ((data[off + 4] << 8) | data[off + 5])
                    proto = data[off + 6]
                    ip_bytes += iplen
                    l4 = off + 40
                    key = data[off + 8 : off + 40] + data[l4 : l4 + 4]
                elif et == ARP:
                    non_flow["arp"] = non_flow.get("arp", 0) + 1
                    continue
                else:
                    non_flow["other"] = non_flow.get("other", 0) + 1
                    continue
                if proto == 6:
                    table = tcp
                elif proto == 17:
                    table = udp
                else:
                    kind = "icmp" if proto == 1 else "icmpv6" if proto == 58 else "other ip"
                    non_flow[kind] = non_flow.get(kind, 0) + 1
                    continue
                ent = table.get(key)
                if ent is None:
                    if len(data) < l4 + 14:
                        non_flow["truncated transport header"] = non_flow.get("truncated transport header", 0) + 1
                        continue
                    ent = self._new_flow(table, key, proto, et == V4, data, off, l4, ts)
                    if ent is None:
                        continue
                fl, rev = ent
                if rev:
                    fl.down += iplen
                    fl.downk += 1
                else:
                    fl.up += iplen
                    fl.upk += 1
                fl.last = ts
                if uid >= 0 and fl.uid < 0:
                    fl.uid = uid
                if fl.inspect:
                    self._inspect(fl, rev, proto, data, off, l4, iplen, ts, link)
        finally:
            self.ip_bytes += ip_bytes

    # ------------------------------------------------------------------ slow paths
    def _new_flow(
        self,
        table: dict[bytes, tuple[Flow, bool]],
        key: bytes,
        proto: int,
        v4: bool,
        data: bytes,
        off: int,
        l4: int,
        ts: float,
    ) -> tuple[Flow, bool] | None:
        if len(self.flows) >= MAX_FLOWS:
            self.c.skip(self.stats.file, "flow table full (packets of new flows not counted)")
            return None
        alen = 4 if v4 else 16
        a = key[:alen]
        b = key[alen : 2 * alen]
        sport = (key[2 * alen] << 8) | key[2 * alen + 1]
        dport = (key[2 * alen + 2] << 8) | key[2 * alen + 3]
        src_is_client = True
        if proto == 6:
            flags = data[l4 + 13]
            if flags & 0x12 == 0x12:
                src_is_client = False
            elif not flags & 0x02:
                src_is_client = self._src_is_client(sport, dport)
        else:
            src_is_client = self._src_is_client(sport, dport)
        af = _AF[alen]
        sa = _ntop(af, a)
        da = _ntop(af, b)
        if src_is_client:
            fl = Flow("tcp" if proto == 6 else "udp", sa, sport, da, dport, ts)
        else:
            fl = Flow("tcp" if proto == 6 else "udp", da, dport, sa, sport, ts)
        rkey = b + a + key[2 * alen + 2 : 2 * alen + 4] + key[2 * alen : 2 * alen + 2]
        ent = (fl, not src_is_client)
        table[key] = ent
        table[rkey] = (fl, src_is_client)
        self.flows.append(fl)
        self._classify(fl)
        return ent

    @staticmethod
    def _src_is_client(sport: int, dport: int) -> bool:
        if dport in SERVER_PORTS and sport not in SERVER_PORTS:
            return True
        if sport in SERVER_PORTS and dport not in SERVER_PORTS:
            return False
        if dport < 1024 <= sport:
            return True
        if sport < 1024 <= dport:
            return False
        return sport >= dport

    def _classify(self, fl: Flow) -> None:
        name = self.dns_map.get((fl.client, fl.server)) or self.dns_any.get(fl.server)
        if name:
            fl.name = name
            fl.named_by = "dns"
        port = fl.sport
        if port == 53:
            fl.kind = "dns"
            fl.inspect = 1 << 30
            fl.name = None
            fl.named_by = ""
        elif fl.proto == "tcp":
            fl.kind = "tls" if port in (443, 853, 5228, 8443) else "http" if port in (80, 8080) else "tcp"
            fl.inspect = TCP_INSPECT
        elif port == 443:
            fl.kind = "quic"
            fl.inspect = 4
        elif port == 123:
            fl.kind = "ntp"
        elif port == MIIO_PORT or fl.cport == MIIO_PORT:
            fl.kind = "miio"
            fl.inspect = 64
        elif port == OT_PORT:
            fl.kind = "miio-ot"
            fl.inspect = 4

    def _inspect(
        self,
        fl: Flow,
        rev: bool,
        proto: int,
        data: bytes,
        off: int,
        l4: int,
        iplen: int,
        ts: float,
        link: int,
    ) -> None:
        fl.inspect -= 1
        if len(data) < l4 + (14 if proto == 6 else 8):
            return  # frame cut short by the capture's snap length
        start = l4 + (data[l4 + 12] >> 4 << 2) if proto == 6 else l4 + 8
        end = min(off + iplen, len(data))
        if start >= end:
            if proto == 6:
                fl.inspect += 1  # pure ACK/SYN: does not use up the budget
            return
        payload = data[start:end]
        kind = fl.kind
        if kind == "dns":
            if proto == 6:  # DNS over TCP: each message behind a 2-byte length (RFC 1035 4.2.2)
                while len(payload) >= 2:
                    n = (payload[0] << 8) | payload[1]
                    if n == 0 or len(payload) < 2 + n:
                        break  # a message split over segments: not reassembled, never misread
                    self._dns(fl, rev, payload[2 : 2 + n], ts)
                    payload = payload[2 + n :]
                return
            self._dns(fl, rev, payload, ts)
            return
        if kind == "miio" or kind == "miio-ot":
            self._miio(fl, rev, payload, data, link)
            return
        if rev:
            return
        if proto == 6:
            held = self.pending.pop(fl, None)
            if held is not None:
                payload = held + payload  # the rest of a ClientHello split over TCP segments
            try:
                if payload[0] == 0x16:
                    sni = tls_record_sni(payload)
                    if sni:
                        self._name(fl, sni, "sni", ts)
                        fl.inspect = 0
                    elif (
                        tls_record_incomplete(payload) and len(payload) < MAX_HELLO and len(self.pending) < MAX_PENDING
                    ):
                        self.pending[fl] = payload  # at most MAX_PENDING x MAX_HELLO bytes held
                    else:
                        fl.inspect = 0
                elif is_http_request(payload):
                    host, _method, carries = http_host(payload)
                    fl.kind = "http"
                    fl.http_data = fl.http_data or carries
                    if host:
                        self._name(fl, host, "http", ts)
                    fl.inspect = 0
            except PayloadError as exc:
                self.c.skip(self.stats.file, f"tls-malformed: {exc}")
                fl.inspect = 0
        elif kind == "quic" and quic.is_initial(payload):
            try:
                sni = quic.initial_sni(payload)
            except QuicError as exc:
                self.c.skip(self.stats.file, f"quic: {exc}")
                sni = None
            if sni:
                self._name(fl, sni, "quic", ts)
            fl.inspect = 0

    def _name(self, fl: Flow, name: str, source: str, ts: float) -> None:
        self.c.name_seen(name, source, ts, fl.client)
        rank = {"sni": 3, "quic": 2, "http": 1, "dns": 0, "": -1}
        if rank[source] > rank[fl.named_by]:
            fl.name = name
            fl.named_by = source

    def _dns(self, fl: Flow, rev: bool, payload: bytes, ts: float) -> None:
        try:
            msg = dns.parse(payload)
        except DnsError as exc:
            self.c.skip(self.stats.file, f"dns-malformed: {exc}")
            if fl.bad >= 0:
                fl.bad += 1
            return
        fl.bad = -1  # at least one valid message: the flow is real
        if not msg.is_response:
            if msg.qname:
                self.c.dns_query(ts, fl.client, msg.qname, msg.qtype_name)
            return
        if not msg.qname:
            return
        addrs = [ip for _owner, ip in msg.addresses]
        self.c.dns_answer(ts, fl.client, msg.qname, addrs, msg.chain(), msg.nxdomain)
        if len(self.dns_map) > MAX_DNS_MAP:  # bounded: forget old answers rather than grow forever
            self.dns_map.clear()
            self.dns_any.clear()
            self.c.skip(self.stats.file, "DNS answer table reset (too many distinct answers)")
        for ip in addrs:
            self.dns_map[(fl.client, ip)] = msg.qname
            self.dns_any[ip] = msg.qname

    def _miio(self, fl: Flow, rev: bool, payload: bytes, data: bytes, link: int) -> None:
        if len(payload) < 32 or payload[0] != 0x21 or payload[1] != 0x31:
            return
        if fl.kind == "miio-ot":
            did = int.from_bytes(payload[8:12], "big")
            ot = self.c.miio.get(fl.client) or MiioAcc(fl.client)
            self.c.miio[fl.client] = ot
            if ot.did is None:
                ot.did = did
            ot.cloud[f"{fl.server}:{fl.sport}"] = None
            return
        # LAN miIO: the speaker is the side on port 54321
        device = fl.server if fl.sport == MIIO_PORT else fl.client
        sender_is_device = (fl.sport == MIIO_PORT) == rev
        acc = self.c.miio.get(device)
        if not sender_is_device:
            if acc is not None:
                acc.lan_packets += 1
            return
        if acc is None:
            acc = self.c.miio[device] = MiioAcc(device)
        acc.lan_packets += 1
        if link == 1 and acc.mac is None:
            acc.mac = ":".join(f"{x:02x}" for x in data[6:12])
        did = int.from_bytes(payload[8:12], "big")
        if len(payload) == 32:  # hello reply: did, stamp, token field
            acc.hello_replies += 1
            acc.did = did
            acc.stamp = int.from_bytes(payload[12:16], "big")
            field = payload[16:32]
            if field not in (b"\xff" * 16, b"\x00" * 16):
                acc.token_leaked = True
        elif acc.did is None:
            acc.did = did

    def finish(self) -> None:
        """Hand flows and counters to the collector."""
        kept = []
        for fl in self.flows:
            if fl.bad > 0 and fl.kind == "dns":
                # only malformed DNS: adds nothing (no name, no mapping, no bytes)
                self.ip_bytes -= fl.up + fl.down
                continue
            kept.append(fl)
        self.c.flows.extend(kept)
        self.stats.flows += len(kept)
        self.stats.ip_bytes += self.ip_bytes
        for reason, n in self.non_flow.items():
            if reason in ("arp", "icmp", "icmpv6", "other", "other ip"):
                continue  # normal traffic that is not a TCP/UDP flow; not damage
            self.c.skip(self.stats.file, reason, n)
