"""Hostile and damaged inputs: a clear error or a counted skip, never a hang; the valid part is kept."""

from __future__ import annotations

import json
import struct
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from howsafe.errors import InputError, PayloadError
from howsafe.kb import KnowledgeBase
from howsafe.net import analyse_captures, dns
from howsafe.net.payload import client_hello_sni, tls_record_sni

CAPS = FIXTURES / "captures"


@cache
def truth(name: str) -> dict[str, Any]:
    return json.loads((CAPS / "truth.json").read_text(encoding="utf-8"))["files"][name]  # type: ignore[no-any-return]


def _names(r: Any) -> set[str]:
    return {h.name for h in r.hosts if h.named_by != "ip"}


def test_truncated_pcap_keeps_the_valid_records() -> None:
    t = truth("hostile-truncated.pcap")["partial_results"]
    r = analyse_captures([CAPS / "hostile-truncated.pcap"], kb=KnowledgeBase.default())
    (err,) = r.errors
    assert "truncated" in err.error and "record 401" in err.error and err.partial
    assert r.files[0].records == t["valid_records"]
    assert r.files[0].flows == t["flows"]
    assert sum(h.bytes_total for h in r.hosts) + sum(x.bytes_total for x in r.resolvers) == t["ip_bytes"]
    assert _names(r) == {h.split(":")[0] for h in t["hostnames_in_valid_part"]}


def test_bad_block_length_pcapng_keeps_the_valid_blocks() -> None:
    t = truth("hostile-bad-blocklen.pcapng")["partial_results"]
    r = analyse_captures([CAPS / "hostile-bad-blocklen.pcapng"], kb=KnowledgeBase.default())
    (err,) = r.errors
    assert "bad block length" in err.error and err.partial
    assert r.files[0].records == t["valid_epbs"]


def test_dns_pointer_loops_are_skipped_and_add_nothing() -> None:
    t = truth("hostile-dns-loop.pcap")["partial_results"]
    r = analyse_captures([CAPS / "hostile-dns-loop.pcap"], kb=KnowledgeBase.default())
    assert not r.errors
    assert sum(s.count for s in r.skipped if s.reason.startswith("dns-malformed")) == 3
    assert r.files[0].flows == t["flows"]
    assert sum(h.bytes_total for h in r.hosts) + sum(x.bytes_total for x in r.resolvers) == t["ip_bytes"]
    assert _names(r) == {h.split(":")[0] for h in t["hostnames_in_valid_part"]}


def test_empty_file_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="empty file"):
        analyse_captures([CAPS / "hostile-empty.pcap"], kb=KnowledgeBase.default())


def test_one_bad_file_among_good_ones_is_reported_not_fatal() -> None:
    r = analyse_captures([CAPS / "hostile-empty.pcap", CAPS / "iot-home.pcap"], kb=KnowledgeBase.default())
    assert [e.error for e in r.errors] == ["hostile-empty.pcap: empty file"]
    assert len(r.iot_devices) == 2


def test_lying_record_length_is_rejected_without_allocating(tmp_path: Path) -> None:
    head = (CAPS / "phone-wifi.pcap").read_bytes()[:24]
    path = tmp_path / "lying.pcap"
    path.write_bytes(head + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"x" * 64)
    with pytest.raises(InputError, match="record too large"):
        analyse_captures([path], kb=KnowledgeBase.default())


def test_dns_parser_terminates_on_self_pointer_and_cycles() -> None:
    header = struct.pack(">HHHHHH", 1, 0x8180, 1, 1, 0, 0)
    self_ptr = header + b"\xc0\x0c" + b"\x00\x01\x00\x01"
    with pytest.raises(dns.DnsError, match="loop"):
        dns.parse(self_ptr)
    cycle = header + b"\x03abc\x00\x00\x01\x00\x01" + b"\xc0\x1b" + b"\x00" * 8 + b"\xc0\x15"
    with pytest.raises(dns.DnsError):
        dns.parse(cycle)
    long_label = header + b"\x3f" + b"a" * 10
    with pytest.raises(dns.DnsError, match="past the end"):
        dns.parse(long_label)


def _client_hello(sni: bytes, ext_len_delta: int = 0, sni_len_delta: int = 0) -> bytes:
    name = struct.pack(">BH", 0, len(sni) + sni_len_delta) + sni
    sni_ext = struct.pack(">HH", 0, len(name) + 2) + struct.pack(">H", len(name)) + name
    body = b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack(">H", len(sni_ext) + ext_len_delta) + sni_ext
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def test_tls_sni_and_oversized_extension_lengths() -> None:
    assert tls_record_sni(_client_hello(b"tracking.intl.miui.com")) == "tracking.intl.miui.com"
    with pytest.raises(PayloadError):
        tls_record_sni(_client_hello(b"a.example", ext_len_delta=60000))
    with pytest.raises(PayloadError):
        tls_record_sni(_client_hello(b"a.example", sni_len_delta=500))
    with pytest.raises(PayloadError):
        client_hello_sni(b"\x01\x00\x00\x05\x03")


def test_junk_csv_rows_are_counted_and_valid_rows_kept(tmp_path: Path) -> None:
    lines = (CAPS / "pcapdroid.csv").read_text(encoding="utf-8").splitlines()
    junk = [
        *lines[:11],
        "garbage,row",
        "6,1.2.3.4,notaport,5.6.7.8,443,1,App,pkg,TLS,Open,x,1,2,3,4,5,6",
        "\x00\xff" * 10,
        *lines[11:],
    ]
    path = tmp_path / "junk.csv"
    path.write_text("\n".join(junk) + "\n", encoding="utf-8")
    r = analyse_captures([path], kb=KnowledgeBase.default())
    assert r.files[0].records == len(lines) - 1
    (skip,) = r.skipped
    assert skip.count == 3 and "lines 12, 13, 14" in skip.reason
    assert any("partial: 250 valid rows" in n for n in r.notes)


def test_truncated_pcapng_in_the_middle_of_a_block(tmp_path: Path) -> None:
    data = (CAPS / "phone-wifi.pcapng").read_bytes()
    path = tmp_path / "cut.pcapng"
    path.write_bytes(data[: len(data) // 2])
    r = analyse_captures([path], kb=KnowledgeBase.default())
    assert r.errors and "truncated" in r.errors[0].error and r.files[0].records > 1000


def _frame(src: bytes, dst: bytes, sport: int, dport: int, flags: int, payload: bytes = b"") -> bytes:
    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst) + tcp
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip


def test_client_hello_split_over_two_segments_is_reassembled(tmp_path: Path) -> None:
    # a large extension before server_name pushes the SNI into the second TCP segment, as with
    # post-quantum key shares in current Android clients
    padding = struct.pack(">HH", 21, 1500) + b"\x00" * 1500
    name = b"late.sni.example.org"
    sni_name = struct.pack(">BH", 0, len(name)) + name
    sni_ext = struct.pack(">HH", 0, len(sni_name) + 2) + struct.pack(">H", len(sni_name)) + sni_name
    exts = padding + sni_ext
    body = (
        b"\x03\x03" + b"\x00" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack(">H", len(exts)) + exts
    )
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    record = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs
    phone, server = bytes([192, 168, 1, 23]), bytes([161, 117, 71, 37])  # a public (SG) address
    frames = [
        _frame(phone, server, 40000, 443, 0x02),
        _frame(server, phone, 443, 40000, 0x12),
        _frame(phone, server, 40000, 443, 0x10),
        _frame(phone, server, 40000, 443, 0x18, record[:1000]),
        _frame(phone, server, 40000, 443, 0x18, record[1000:]),
    ]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", 1_763_083_200 + i, 0, len(f), len(f)) + f)
    path = tmp_path / "split.pcap"
    path.write_bytes(b"".join(out))
    r = analyse_captures([path], kb=KnowledgeBase.default())
    h = r.host("late.sni.example.org")
    assert h is not None and h.named_by == "sni" and h.flows == 1
    assert h.bytes_up == sum(len(f) - 14 for f in frames if f[26:30] == phone)


@pytest.mark.parametrize("name", ["phone-wifi.pcap", "pcapdroid.pcapng", "iot-home.pcap"])
def test_mutated_captures_never_crash(tmp_path: Path, name: str) -> None:
    """Flip bytes all over real captures: only HowsafeError may escape, everything else is a skip."""
    import random

    from howsafe.errors import HowsafeError

    base = (CAPS / name).read_bytes()[:120_000]
    rnd = random.Random(1234)
    kb = KnowledgeBase.default()
    outcomes: list[int] = []
    for i in range(40):
        data = bytearray(base)
        for _ in range(200):
            pos = rnd.randrange(24, len(data))
            data[pos] = rnd.randrange(256)
        path = tmp_path / f"m{i}"
        path.write_bytes(bytes(data))
        try:
            r = analyse_captures([path], kb=kb)
        except HowsafeError as exc:
            assert str(exc)  # a clear message, mapped to exit code 2 by the CLI
            continue
        outcomes.append(r.files[0].records)
    assert outcomes and max(outcomes) > 0  # damaged files still give what precedes the damage


@pytest.mark.parametrize("name", ["phone-wifi.pcap", "iot-home.pcap"])
def test_mutated_packet_contents_never_crash(tmp_path: Path, name: str) -> None:
    """Record framing intact, packet bytes damaged: every dissector sees hostile headers and payloads."""
    import random

    data = bytearray((CAPS / name).read_bytes())
    rnd = random.Random(99)
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack_from("<I", data, pos + 8)[0]
        start, end = pos + 16, pos + 16 + incl
        for _ in range(3):
            at = rnd.randrange(start + 12, end) if end > start + 12 else start
            data[at] = rnd.randrange(256)
        if rnd.random() < 0.05:  # sometimes cut the frame short while keeping the record valid
            cut = rnd.randrange(14, max(15, incl))
            struct.pack_into("<II", data, pos + 8, cut, cut)
            del data[start + cut : end]
            end = start + cut
        pos = end
    path = tmp_path / "mutated.pcap"
    path.write_bytes(bytes(data))
    r = analyse_captures([path], kb=KnowledgeBase.default())
    assert r.files[0].records > 1000 and not r.errors


def test_pihole_rows_with_junk_values_are_skipped(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    db = tmp_path / "ftl.db"
    shutil.copy(CAPS / "pihole-FTL.db", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE query_storage SET timestamp = 'not a time' WHERE id IN (SELECT id FROM query_storage LIMIT 2)")
    con.commit()
    con.close()
    r = analyse_captures([db], kb=KnowledgeBase.default())
    assert r.files[0].records == 160
    assert [(s.reason, s.count) for s in r.skipped] == [("query with an unreadable timestamp, type or status", 2)]


@pytest.mark.parametrize(
    ("column", "value"),
    [("timestamp", "inf"), ("timestamp", "nan"), ("timestamp", 1e300), ("timestamp", -5.0), ("type", "\u0663")],
)
def test_pihole_rows_with_impossible_numbers_are_skipped_and_json_stays_strict(
    column: str, value: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Infinity, NaN or a date beyond 2100 must not reach the report (json.dumps would write
    Infinity/NaN/1e+300, which strict JSON readers refuse); Arabic-Indic digits are no type number."""
    import json
    import shutil
    import sqlite3

    from howsafe.cli import main

    db = tmp_path / "ftl.db"
    shutil.copy(CAPS / "pihole-FTL.db", db)
    con = sqlite3.connect(db)
    con.execute(f"UPDATE query_storage SET {column} = ? WHERE id = (SELECT MIN(id) FROM query_storage)", (value,))
    con.commit()
    con.close()
    r = analyse_captures([db], kb=KnowledgeBase.default())
    assert r.files[0].records == 161
    assert [(s.reason, s.count) for s in r.skipped] == [("query with an unreadable timestamp, type or status", 1)]
    assert main(["net", str(db), "--format", "json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    stamps = [h[k] for h in doc["network"]["hosts"] for k in ("first_seen", "last_seen") if h[k] is not None]
    assert stamps and all(1.6e9 < t < 4_102_444_800 for t in stamps)


def test_a_file_that_is_not_a_pihole_database_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="not a readable Pi-hole FTL database"):
        analyse_captures([db], kb=KnowledgeBase.default())


def _dns_query(name: bytes, qid: int, response: bool = False, answer_ip: bytes = b"") -> bytes:
    labels = b"".join(bytes([len(x)]) + x for x in name.split(b".")) + b"\x00"
    flags = 0x8180 if response else 0x0100
    head = struct.pack(">HHHHHH", qid, flags, 1, 1 if response else 0, 0, 0)
    msg = head + labels + struct.pack(">HH", 1, 1)
    if response:
        msg += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + answer_ip
    return msg


def _pcap(frames: list[bytes], path: Path) -> Path:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", 1_763_083_200 + i, 0, len(f), len(f)) + f)
    path.write_bytes(b"".join(out))
    return path


def test_dns_over_tcp_strips_the_length_prefix(tmp_path: Path) -> None:
    """tcpdump's test captures hold DNS over TCP; read as UDP, the 2-byte length made every
    message malformed or a bogus question."""
    phone, resolver = bytes([192, 168, 1, 23]), bytes([9, 9, 9, 9])
    q1 = _dns_query(b"first.tcp-dns.example", 7)
    q2 = _dns_query(b"second.tcp-dns.example", 8)
    a1 = _dns_query(b"first.tcp-dns.example", 7, response=True, answer_ip=bytes([203, 0, 113, 5]))
    prefixed = b"".join(struct.pack(">H", len(m)) + m for m in (q1, q2))  # two messages, one segment
    frames = [
        _frame(phone, resolver, 40001, 53, 0x02),
        _frame(resolver, phone, 53, 40001, 0x12),
        _frame(phone, resolver, 40001, 53, 0x18, prefixed),
        _frame(resolver, phone, 53, 40001, 0x18, struct.pack(">H", len(a1)) + a1),
        _frame(phone, resolver, 40001, 53, 0x18, struct.pack(">H", 300) + q1[:10]),  # cut: ignored
    ]
    r = analyse_captures([_pcap(frames, tmp_path / "tcpdns.pcap")], kb=KnowledgeBase.default())
    assert {h.name for h in r.hosts if h.named_by == "dns"} >= {"first.tcp-dns.example", "second.tcp-dns.example"}
    assert not any("dns" in str(s) for s in r.skipped), r.skipped


def test_ipv4_total_length_zero_uses_the_captured_length(tmp_path: Path) -> None:
    """A capture taken on the sending host with TSO/GSO has IPv4 total length 0: the bytes are
    the captured ones, not zero."""
    phone, server = bytes([192, 168, 1, 23]), bytes([161, 117, 71, 37])
    big = _frame(phone, server, 40000, 80, 0x18, b"GET / HTTP/1.1\r\nHost: tso.example.org\r\n\r\n" + b"x" * 3000)
    big = big[:16] + b"\x00\x00" + big[18:]  # total length 0
    frames = [_frame(phone, server, 40000, 80, 0x02), _frame(server, phone, 80, 40000, 0x12), big]
    r = analyse_captures([_pcap(frames, tmp_path / "tso.pcap")], kb=KnowledgeBase.default())
    h = r.host("tso.example.org")
    assert h is not None
    assert h.bytes_up == (len(frames[0]) - 14) + (len(big) - 14)
