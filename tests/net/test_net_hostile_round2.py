"""Capture databases and logs built to hang, exhaust memory or run their author's SQL.

Every input is generated here. A Pi-hole file's schema is code: howsafe runs its own fixed query,
refuses views where it expects tables, and bounds each statement. Text logs are read a bounded
line at a time; one bad line or record is counted and the rest loads. Memory is measured in a
child process (peak RSS under an address-space limit), never by timing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

from conftest import FIXTURES
from howsafe.errors import CorruptInputError, InputError
from howsafe.kb import KnowledgeBase
from howsafe.net import analyse_captures
from howsafe.net.quic import _sni_from_frames
from memcap import baseline_mib, peak_rss_mib

CAPS = FIXTURES / "captures"
KB = KnowledgeBase.default()
PIHOLE_ROWS = 162  # queries in the real fixture database


def _db(tmp_path: Path, *statements: str, name: str = "ftl.db") -> Path:
    path = tmp_path / name
    con = sqlite3.connect(path)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    return path


def test_the_real_database_reads_the_same_through_the_fixed_query() -> None:
    r = analyse_captures([CAPS / "pihole-FTL.db"], kb=KB)
    assert r.files[0].records == PIHOLE_ROWS and not r.errors


@pytest.mark.timeout(60)
def test_a_queries_view_with_an_endless_recursive_cte_is_refused(tmp_path: Path) -> None:
    db = _db(
        tmp_path,
        "CREATE VIEW queries AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT n AS id, n AS timestamp, 1 AS type, 2 AS status, 'x.example' AS domain, '' AS client FROM r",
    )
    with pytest.raises(CorruptInputError, match="'queries' is a view"):
        analyse_captures([db], kb=KB)


def test_query_storage_as_a_view_is_refused(tmp_path: Path) -> None:
    db = _db(
        tmp_path,
        "CREATE TABLE domain_by_id (id INTEGER PRIMARY KEY, domain TEXT)",
        "CREATE TABLE client_by_id (id INTEGER PRIMARY KEY, ip TEXT, name TEXT)",
        "CREATE VIEW query_storage AS SELECT 1 AS id, 1 AS timestamp, 1 AS type, 2 AS status, "
        "zeroblob(500000000) AS domain, 1 AS client",
    )
    with pytest.raises(CorruptInputError, match="query_storage is not a table"):
        analyse_captures([db], kb=KB)


def test_a_generated_column_cannot_allocate_hundreds_of_megabytes(tmp_path: Path) -> None:
    db = _db(
        tmp_path,
        "CREATE TABLE domain_by_id (id INTEGER PRIMARY KEY, domain TEXT)",
        "CREATE TABLE client_by_id (id INTEGER PRIMARY KEY, ip TEXT, name TEXT)",
        "CREATE TABLE query_storage (id INTEGER PRIMARY KEY, timestamp INTEGER, type INTEGER, status INTEGER, "
        "client INTEGER, domain BLOB GENERATED ALWAYS AS (zeroblob(500000000)) VIRTUAL)",
        "INSERT INTO query_storage (id, timestamp, type, status, client) VALUES (1, 1, 1, 2, 1)",
    )
    code = f"""
        from pathlib import Path
        from howsafe.errors import InputError
        from howsafe.kb import KnowledgeBase
        from howsafe.net import analyse_captures
        try:
            analyse_captures([Path({str(db)!r})], kb=KnowledgeBase.default())
        except InputError as exc:
            assert "too big" in str(exc) or "not a readable" in str(exc), exc
        else:
            raise AssertionError("a 500 MB generated value was read")
    """
    assert peak_rss_mib(code) < baseline_mib() + 100


def test_a_wal_mode_database_gets_no_files_beside_it(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    shutil.copy(CAPS / "pihole-FTL.db", db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    con.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    r = analyse_captures([db], kb=KB)
    assert r.files[0].records == PIHOLE_ROWS
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["wal.db"]


def test_a_corrupt_schema_whose_error_text_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    db = _db(tmp_path, "CREATE TABLE query_storage (id INTEGER PRIMARY KEY, timestamp, type, status, domain, client)")
    con = sqlite3.connect(db)
    con.execute("PRAGMA writable_schema=ON")
    con.execute(
        "INSERT INTO sqlite_master VALUES ('table', CAST(X'ff41' AS TEXT), CAST(X'ff41' AS TEXT), 99, "
        "CAST(X'435245415445205441424c4520ff28' AS TEXT))"
    )
    con.commit()
    con.close()
    with pytest.raises(InputError, match="not UTF-8"):
        analyse_captures([db], kb=KB)


def _adguard_line(name: str) -> str:
    return json.dumps({"T": "2024-05-01T10:00:00.123456789Z", "QH": name, "QT": "A", "IP": "192.168.1.5"}) + "\n"


def test_adguard_lines_nested_100000_deep_are_skipped_and_the_rest_loads(tmp_path: Path) -> None:
    log = tmp_path / "querylog.json"
    deep = '{"QH": ' + "[" * 100_000 + "]" * 100_000 + ', "T": "x"}\n'
    log.write_text(_adguard_line("first.example") + deep + '{"QH": "a", "T": ' + "{" * 100_000 + "\n"
                   + _adguard_line("second.example"), encoding="utf-8")  # fmt: skip
    r = analyse_captures([log], kb=KB)
    assert r.files[0].records == 2
    assert not r.errors
    assert [(s.reason, s.count) for s in r.skipped] == [("junk query log lines", 2)]


def test_nextdns_field_of_200000_characters_is_one_bad_row(tmp_path: Path) -> None:
    log = tmp_path / "nextdns.csv"
    header = "timestamp,domain,query_type,dnssec,protocol,client_ip,status,reasons,destination_country,root_domain\n"
    good = "2024-05-01T10:00:00Z,{d},A,false,DNS-over-HTTPS,10.0.0.2,default,,US,{d}\n"
    log.write_text(
        header
        + good.format(d="one.example")
        + '2024-05-01T10:00:01Z,"'
        + "x" * 200_000
        + '",A\n'
        + good.format(d="two.example"),
        encoding="utf-8",
    )
    r = analyse_captures([log], kb=KB)
    assert r.files[0].records == 2
    assert [(s.reason, s.count) for s in r.skipped] == [("junk CSV rows", 1)]


@pytest.mark.parametrize("kind", ["adguard", "pcapdroid", "nextdns"])
def test_a_64_mib_single_line_is_read_in_bounded_memory(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.log"
    head = {
        "adguard": _adguard_line("ok.example") + '{"QH": "',
        "pcapdroid": "IPProto,SrcIP,SrcPort,DstIP,DstPort,UID,App,Proto,Status,Info,BytesSent,BytesRcvd,"
        "PktsSent,PktsRcvd,FirstSeen,LastSeen\n",
        "nextdns": "timestamp,domain,query_type,dnssec,protocol,client_ip,status\n",
    }[kind]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        chunk = "a" * (1 << 20)
        for _ in range(64):
            fh.write(chunk)
    code = f"""
        from pathlib import Path
        from howsafe.kb import KnowledgeBase
        from howsafe.net import analyse_captures
        r = analyse_captures([Path({str(path)!r})], kb=KnowledgeBase.default())
        assert r.skipped, r
    """
    assert peak_rss_mib(code) < baseline_mib() + 48  # the line alone would be 64 MiB, 128+ decoded


@pytest.mark.timeout(30)
def test_a_zero_length_quic_crypto_frame_does_not_stall_reassembly() -> None:
    assert _sni_from_frames(bytes([0x06, 0x00, 0x00]) + b"\x00" * 20) is None
    assert _sni_from_frames(bytes([0x06, 0x00, 0x00, 0x06, 0x00, 0x00])) is None


def _pcapng_block(btype: int, body: bytes) -> bytes:
    blen = 12 + len(body)
    return struct.pack("<II", btype, blen) + body + struct.pack("<I", blen)


def test_a_short_obsolete_packet_block_at_the_end_is_one_clear_error(tmp_path: Path) -> None:
    shb = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _pcapng_block(1, struct.pack("<HHI", 1, 0, 65535))
    frame = b"\x00" * 14
    epb = _pcapng_block(6, struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame)) + frame + b"\x00" * 2)
    path = tmp_path / "short.pcapng"
    path.write_bytes(shb + idb + epb + struct.pack("<III", 2, 12, 12))
    r = analyse_captures([path], kb=KB)
    (err,) = r.errors
    assert "bad block length" in err.error and err.partial
    assert r.files[0].records == 1
