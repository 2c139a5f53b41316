"""Link types, byte orders, timestamp resolutions and pcapng layouts give the same answer.

The real phone capture is re-encoded here (same packets) as big-endian nanosecond pcap, raw IP,
Linux cooked SLL and SLL2, and a two-interface pcapng with nanosecond resolution and a foreign
custom block; each must yield the hosts and bytes of the original. Extensions are never trusted.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from conftest import FIXTURES
from howsafe.errors import InputError
from howsafe.kb import KnowledgeBase
from howsafe.net import NetworkReport, analyse_captures, sniff

CAPS = FIXTURES / "captures"


def frames(path: Path) -> Iterator[tuple[int, int, bytes]]:
    data = path.read_bytes()
    pos = 24
    while pos < len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, pos)
        yield sec, usec, data[pos + 16 : pos + 16 + incl]
        pos += 16 + incl


def write_pcap(path: Path, linktype: int, recs: list[tuple[int, int, bytes]], *, big: bool, nano: bool) -> None:
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    for sec, usec, pkt in recs:
        out.append(struct.pack(e + "IIII", sec, usec * 1000 if nano else usec, len(pkt), len(pkt)) + pkt)
    path.write_bytes(b"".join(out))


def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def signature(r: NetworkReport) -> dict[str, tuple[int, int, int]]:
    return {h.name: (h.bytes_up, h.bytes_down, h.flows) for h in r.hosts}


@cache
def reference() -> dict[str, tuple[int, int, int]]:
    return signature(analyse_captures([CAPS / "phone-wifi.pcap"], kb=KnowledgeBase.default()))


def _convert(kind: str) -> list[tuple[int, int, bytes]]:
    out = []
    for sec, usec, f in frames(CAPS / "phone-wifi.pcap"):
        ethertype, payload = f[12:14], f[14:]
        if kind == "raw":
            out.append((sec, usec, payload))
        elif kind == "sll":
            out.append((sec, usec, struct.pack(">HHH8s", 0, 1, 6, f[6:12]) + ethertype + payload))
        elif kind == "sll2":
            out.append((sec, usec, ethertype + b"\x00\x00" + struct.pack(">IHBB8s", 2, 1, 0, 6, f[6:12]) + payload))
    return out


@pytest.mark.parametrize(("kind", "linktype"), [("raw", 101), ("sll", 113), ("sll2", 276)])
def test_link_types_give_identical_hosts(tmp_path: Path, kind: str, linktype: int) -> None:
    path = tmp_path / f"{kind}.dat"  # deliberately no pcap extension
    write_pcap(path, linktype, _convert(kind), big=False, nano=False)
    assert signature(analyse_captures([path], kb=KnowledgeBase.default())) == reference()


def test_big_endian_nanosecond_pcap(tmp_path: Path) -> None:
    path = tmp_path / "capture.txt"
    write_pcap(path, 1, list(frames(CAPS / "phone-wifi.pcap")), big=True, nano=True)
    r = analyse_captures([path], kb=KnowledgeBase.default())
    assert signature(r) == reference()
    assert r.host("www.google.com").first_seen == pytest.approx(1763083200 + 700, abs=400)  # type: ignore[union-attr]


def test_pcapng_two_interfaces_nanosecond_and_foreign_custom_block(tmp_path: Path) -> None:
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb_us = _block(1, struct.pack("<HHI", 1, 0, 262144))
    tsresol = struct.pack("<HHB", 9, 1, 9) + b"\x00" * 3 + struct.pack("<HH", 0, 0)
    idb_ns = _block(1, struct.pack("<HHI", 101, 0, 262144) + tsresol)
    foreign = _block(0xBAD, struct.pack("<I", 12345) + b"someone else's data")
    parts = [shb, idb_us, idb_ns, foreign]
    for i, (sec, usec, f) in enumerate(frames(CAPS / "phone-wifi.pcap")):
        if i % 2:
            ts, iface, pkt = sec * 1_000_000 + usec, 0, f
        else:
            ts, iface, pkt = (sec * 1_000_000 + usec) * 1000, 1, f[14:]
        parts.append(_block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(pkt), len(pkt)) + pkt))
    path = tmp_path / "multi.pcap"  # wrong extension on purpose
    path.write_bytes(b"".join(parts))
    r = analyse_captures([path], kb=KnowledgeBase.default())
    assert signature(r) == reference()
    assert any("another vendor" in s.reason for s in r.skipped)


def test_sniff_ignores_extension_and_rejects_unknown(tmp_path: Path) -> None:
    assert sniff(CAPS / "pihole-FTL.db") == "sqlite"
    assert sniff(CAPS / "querylog.json") == "adguard"
    assert sniff(CAPS / "nextdns.csv") == "nextdns-csv"
    assert sniff(CAPS / "pcapdroid_old.csv") == "pcapdroid-csv"
    junk = tmp_path / "capture.pcap"
    junk.write_bytes(b"this is not a capture\n")
    with pytest.raises(InputError, match="unknown format"):
        analyse_captures([junk], kb=KnowledgeBase.default())
