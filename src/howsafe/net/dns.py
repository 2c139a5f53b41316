"""DNS wire-format decoding, bounded against hostile messages.

Only what attribution needs: the question, the answers (A, AAAA, CNAME) and the response code.
Names are decoded with a hard cap on compression-pointer jumps and on the total name length, so a
pointer that points at itself or a two-pointer cycle ends in ``DnsError`` instead of a hang. A
message is decoded completely before anything is returned: a damaged message adds nothing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from howsafe.errors import DnsError

MAX_JUMPS = 16
MAX_NAME = 255
MAX_RECORDS = 256

QTYPES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    64: "SVCB",
    65: "HTTPS",
    255: "ANY",
}


@dataclass(frozen=True)
class DnsMessage:
    """A decoded DNS message: question, answers and whether the name does not exist."""

    id: int
    is_response: bool
    rcode: int
    qname: str
    qtype: int
    addresses: tuple[tuple[str, str], ...]  # (owner name, ip)
    cnames: tuple[tuple[str, str], ...]  # (alias, canonical)

    @property
    def qtype_name(self) -> str:
        return QTYPES.get(self.qtype, str(self.qtype))

    @property
    def nxdomain(self) -> bool:
        return self.rcode == 3

    def chain(self) -> tuple[str, ...]:
        """CNAME chain starting at the question name, in order, without repeats."""
        out: list[str] = []
        cur = self.qname
        targets = dict(self.cnames)
        while cur in targets and len(out) < MAX_JUMPS:
            cur = targets[cur]
            if cur in out:
                break
            out.append(cur)
        return tuple(out)


def read_name(msg: bytes, pos: int) -> tuple[str, int]:
    """Decode the name at ``pos``; return it and the offset just past it in the original stream."""
    labels: list[str] = []
    total = 0
    jumps = 0
    end: int | None = None
    n = len(msg)
    while True:
        if pos >= n:
            raise DnsError("name runs past the end of the message")
        ln = msg[pos]
        if ln == 0:
            pos += 1
            break
        if ln & 0xC0 == 0xC0:
            if pos + 1 >= n:
                raise DnsError("truncated compression pointer")
            target = ((ln & 0x3F) << 8) | msg[pos + 1]
            jumps += 1
            if jumps > MAX_JUMPS or target >= pos:
                # RFC 1035 pointers refer to earlier data; a forward or self pointer is a loop risk
                raise DnsError("compression pointer loop")
            if end is None:
                end = pos + 2
            pos = target
            continue
        if ln & 0xC0:
            raise DnsError("unsupported label type")
        if pos + 1 + ln > n:
            raise DnsError("label runs past the end of the message")
        total += ln + 1
        if total > MAX_NAME:
            raise DnsError("name longer than 255 bytes")
        labels.append(msg[pos + 1 : pos + 1 + ln].decode("ascii", "replace").lower())
        pos += 1 + ln
    return ".".join(labels), (end if end is not None else pos)


def parse(msg: bytes) -> DnsMessage:
    """Decode ``msg`` (a DNS message without TCP length prefix). Raises ``DnsError`` when malformed."""
    if len(msg) < 12:
        raise DnsError("message shorter than the DNS header")
    ident = (msg[0] << 8) | msg[1]
    flags = (msg[2] << 8) | msg[3]
    qd = (msg[4] << 8) | msg[5]
    an = (msg[6] << 8) | msg[7]
    if qd != 1:
        raise DnsError(f"{qd} questions")
    qname, pos = read_name(msg, 12)
    if pos + 4 > len(msg):
        raise DnsError("question runs past the end")
    qtype = (msg[pos] << 8) | msg[pos + 1]
    pos += 4
    addrs: list[tuple[str, str]] = []
    cnames: list[tuple[str, str]] = []
    for _ in range(min(an, MAX_RECORDS)):
        owner, pos = read_name(msg, pos)
        if pos + 10 > len(msg):
            raise DnsError("record header runs past the end")
        rtype = (msg[pos] << 8) | msg[pos + 1]
        rdlen = (msg[pos + 8] << 8) | msg[pos + 9]
        pos += 10
        if pos + rdlen > len(msg):
            raise DnsError("record data runs past the end")
        if rtype == 1 and rdlen == 4:
            addrs.append((owner, str(ipaddress.IPv4Address(msg[pos : pos + 4]))))
        elif rtype == 28 and rdlen == 16:
            addrs.append((owner, str(ipaddress.IPv6Address(msg[pos : pos + 16]))))
        elif rtype == 5:
            target, _ = read_name(msg, pos)
            cnames.append((owner, target))
        pos += rdlen
    return DnsMessage(
        id=ident,
        is_response=bool(flags & 0x8000),
        rcode=flags & 0xF,
        qname=qname,
        qtype=qtype,
        addresses=tuple(addrs),
        cnames=tuple(cnames),
    )
