"""DNS logs as evidence: Pi-hole FTL database, AdGuard Home querylog.json, NextDNS CSV export.

They give names, query counts, clients and blocking, but no bytes. AdGuard keeps the answer as a
base64 DNS message, decoded with the same bounded parser as captures.

The Pi-hole database is a file from someone else, and its schema is code: a ``queries`` VIEW can
run any SQL its author wrote (an endless recursive CTE, a ``zeroblob`` of 500 MB per row). So it is
opened with ``mode=ro&immutable=1`` (never written, and a WAL-mode file gets no ``-wal``/``-shm``
beside it), ``trusted_schema=OFF``, a 1 MiB limit on any value, and a budget of virtual-machine
steps; howsafe runs its own fixed query over the tables it expects and refuses the file when one
of them is a view. Text lines (AdGuard, NextDNS) are read at most :data:`MAX_LINE` characters at a
time, and nested JSON deeper than Python's recursion limit is one skipped line.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import json
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from howsafe.errors import CorruptInputError, InputError
from howsafe.net import dns
from howsafe.net.collect import Collector, FileStats
from howsafe.parse.numbers import strict_int
from howsafe.parse.text import bounded_lines

MAX_ROWS = 5_000_000
MAX_LINE = 1 << 20
MAX_SQL_VALUE = 1 << 20
"""Largest string or blob SQLite may build while reading a Pi-hole database (a domain is < 256)."""
SQL_STEPS_PER_BYTE = 200
"""Virtual-machine steps allowed per byte of the database file (plus a fixed allowance): the
fixed query reads each row a few times, so a real file stays far below it."""
SQL_STEPS_BASE = 50_000_000
_PROGRESS_EVERY = 10_000

# FTL schema v10 and later (Pi-hole 5.x, 6.x): queries live in query_storage, with domains and
# clients in side tables; FTL's own ``queries`` view joins them exactly like this.
_PIHOLE_TABLES_V10 = ("query_storage", "domain_by_id", "client_by_id")
_PIHOLE_QUERY_V10 = (
    "SELECT q.timestamp, q.type, q.status, "
    "CASE typeof(q.domain) WHEN 'integer' THEN d.domain ELSE q.domain END, "
    "CASE typeof(q.client) WHEN 'integer' THEN c.ip ELSE q.client END "
    "FROM query_storage q "
    "LEFT JOIN domain_by_id d ON typeof(q.domain) = 'integer' AND d.id = q.domain "
    "LEFT JOIN client_by_id c ON typeof(q.client) = 'integer' AND c.id = q.client "
    "ORDER BY q.timestamp, q.id"
)
# Older FTL databases: one plain ``queries`` table.
_PIHOLE_QUERY_OLD = "SELECT timestamp, type, status, domain, client FROM queries ORDER BY timestamp, id"
# Pi-hole FTL query status codes meaning "blocked" (FTL docs: database/query-database)
PIHOLE_BLOCKED = {1, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 18}
PIHOLE_TYPES = {
    1: "A",
    2: "AAAA",
    3: "ANY",
    4: "SRV",
    5: "SOA",
    6: "PTR",
    7: "TXT",
    8: "NAPTR",
    9: "MX",
    10: "DS",
    11: "RRSIG",
    12: "DNSKEY",
    13: "NS",
    14: "OTHER",
    15: "SVCB",
    16: "HTTPS",
}
_UNSPECIFIED = {"0.0.0.0", "::"}  # noqa: S104 - blocked answers, not a bind address


def _open_untrusted_sqlite(path: Path) -> sqlite3.Connection:
    """A read-only, immutable connection whose schema is not trusted and whose work is bounded."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True)
    try:
        con.text_factory = lambda raw: raw.decode("utf-8", "replace")
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_SQL_VALUE)
        con.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1 << 16)
        con.setlimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 100)
        con.setlimit(sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 8)
        con.execute("PRAGMA trusted_schema = OFF")
        con.execute("PRAGMA query_only = ON")
        budget = [(SQL_STEPS_BASE + SQL_STEPS_PER_BYTE * path.stat().st_size) // _PROGRESS_EVERY]

        def progress() -> int:
            budget[0] -= 1
            return 1 if budget[0] < 0 else 0  # non-zero interrupts the statement

        con.set_progress_handler(progress, _PROGRESS_EVERY)
    except BaseException:
        con.close()
        raise
    return con


def _pihole_query(con: sqlite3.Connection, name: str) -> str:
    """The fixed query for this database's schema; a view where a table is expected is refused."""
    kinds = dict(
        con.execute(
            "SELECT name, type FROM sqlite_master WHERE name IN (?, ?, ?, ?)", (*_PIHOLE_TABLES_V10, "queries")
        ).fetchall()
    )
    if "query_storage" in kinds:
        wrong = [t for t in _PIHOLE_TABLES_V10 if kinds.get(t) != "table"]
        if wrong:
            raise CorruptInputError(
                f"{name}: not a readable Pi-hole FTL database: {', '.join(wrong)} is not a table "
                "(refusing to run the file's own SQL)"
            )
        return _PIHOLE_QUERY_V10
    if kinds.get("queries") == "table":
        return _PIHOLE_QUERY_OLD
    if "queries" in kinds:
        raise CorruptInputError(
            f"{name}: not a readable Pi-hole FTL database: 'queries' is a {kinds['queries']} and there is "
            "no query_storage table (refusing to run the file's own SQL)"
        )
    raise CorruptInputError(f"{name}: not a readable Pi-hole FTL database: no queries or query_storage table")


def read_pihole(path: Path, c: Collector, stats: FileStats) -> None:
    """Queries from a Pi-hole FTL long-term database (schema v21's ``query_storage``, or the
    ``queries`` table of older releases), read with howsafe's own fixed query."""
    stats.format = "Pi-hole FTL database"
    stats.dns_log = True
    try:
        con = _open_untrusted_sqlite(path)
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: cannot open the Pi-hole database: {_sql_error(exc)}") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        cur = con.execute(_pihole_query(con, path.name))
        for n, (ts, qtype, status, domain, client) in enumerate(cur):
            if n >= MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
            if not isinstance(domain, str) or not domain:
                c.skip(str(path), "query without a domain")
                continue
            try:
                when, kind, state = float(ts), _sql_int(qtype), _sql_int(status)
                if not 0.0 <= when < _LATEST_TS:  # NaN fails the comparison; inf and 1e300 are no dates
                    raise ValueError(ts)
            except (TypeError, ValueError, OverflowError):
                c.skip(str(path), "query with an unreadable timestamp, type or status")
                continue
            c.dns_query(
                when,
                str(client) if client is not None else None,
                domain.lower().rstrip("."),
                PIHOLE_TYPES.get(kind, str(kind)),
                blocked=state in PIHOLE_BLOCKED,
            )
            stats.records += 1
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise CorruptInputError(f"{path.name}: not a readable Pi-hole FTL database: {_sql_error(exc)}") from exc
    finally:
        con.close()


_LATEST_TS = 4_102_444_800.0  # 2100-01-01: a later query time is damage, and would reach the JSON as 1e300/Infinity


def _sql_int(value: object) -> int:
    """An integer column of an untrusted database: a stored integer, or ASCII digits (not the other
    scripts' digits ``int()`` accepts); anything else is a ValueError."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    n = strict_int(value) if isinstance(value, str) else None
    if n is None:
        raise ValueError(value)
    return n


def _sql_error(exc: BaseException) -> str:
    """SQLite's message, or what went wrong when the message itself was not UTF-8 (a corrupt
    schema echoes the file's bytes back) or the budget stopped the statement."""
    if isinstance(exc, UnicodeDecodeError):
        return "damaged schema (SQLite's error text is not UTF-8)"
    text = str(exc)
    if text == "interrupted":
        return "the query exceeded its work budget (a hostile or damaged database)"
    return text.replace("\n", " ")[:200]


def read_adguard(path: Path, c: Collector, stats: FileStats) -> None:
    """AdGuard Home query log (JSON lines with T, QH, QT, IP, Answer, Result)."""
    stats.format = "AdGuard Home querylog"
    stats.dns_log = True
    bad = 0
    try:
        fh = path.open("r", encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        for n, line in enumerate(bounded_lines(fh, MAX_LINE)):
            if n >= MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
            if line is None:
                bad += 1  # longer than any real log line: skipped without being held
                continue
            if not line.strip():
                continue
            try:
                e = json.loads(line)
                if not isinstance(e, dict) or not isinstance(e.get("QH"), str) or not isinstance(e.get("T"), str):
                    raise TypeError("not a query log record")
                name = e["QH"].lower().rstrip(".")
                ts = dt.datetime.fromisoformat(_trim_ns(e["T"])).timestamp()
            except (ValueError, KeyError, TypeError, RecursionError, OverflowError):
                bad += 1  # junk, or JSON nested deeper than Python's recursion limit
                continue
            client = str(e.get("IP") or "") or None
            result = e.get("Result") or {}
            blocked = bool(isinstance(result, dict) and result.get("IsFiltered"))
            c.dns_query(ts, client, name, str(e.get("QT") or "?"), blocked=blocked)
            stats.records += 1
            answer = e.get("Answer")
            if isinstance(answer, str) and answer and not blocked:
                try:
                    msg = dns.parse(base64.b64decode(answer, validate=True))
                except (binascii.Error, ValueError):
                    c.skip(str(path), "dns-malformed answer")
                    continue
                addrs = [ip for _o, ip in msg.addresses if ip not in _UNSPECIFIED]
                c.dns_answer(ts, client, name, addrs, msg.chain(), msg.nxdomain)
    if bad:
        c.skip(str(path), "junk query log lines", bad)


def _trim_ns(t: str) -> str:
    """Python's fromisoformat takes at most 6 fractional digits; AdGuard writes 9."""
    if "." not in t:
        return t.replace("Z", "+00:00")
    head, frac = t.split(".", 1)
    digits = ""
    i = 0
    while i < len(frac) and frac[i].isdigit():
        digits += frac[i]
        i += 1
    return f"{head}.{digits[:6].ljust(6, '0')}{frac[i:]}".replace("Z", "+00:00")


def read_nextdns(path: Path, c: Collector, stats: FileStats) -> None:
    """NextDNS log export: the device is its local IP when given, else its name or id."""
    stats.format = "NextDNS CSV"
    stats.dns_log = True
    bad = 0
    try:
        fh = path.open("r", encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    overlong = [0]

    def lines() -> Iterator[str]:
        for line in bounded_lines(fh, MAX_LINE):
            if line is None:
                overlong[0] += 1
            else:
                yield line

    with fh:
        reader = csv.DictReader(lines())
        n = 0
        while n < MAX_ROWS:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:  # a field over the csv module's limit (131,072 characters)
                bad += 1
                continue
            n += 1
            try:
                name = (row.get("domain") or "").lower().rstrip(".")
                ts = dt.datetime.fromisoformat((row.get("timestamp") or "").replace("Z", "+00:00")).timestamp()
            except (ValueError, AttributeError):
                bad += 1
                continue
            if not name:
                bad += 1
                continue
            client = (
                row.get("device_local_ip")
                or row.get("device_name")
                or row.get("device_id")
                or row.get("client_ip")
                or None
            )
            c.dns_query(ts, client, name, row.get("query_type") or "?", blocked=row.get("status") == "blocked")
            stats.records += 1
        else:
            c.skip(str(path), "rows beyond the safety bound")
    bad += overlong[0]
    if bad:
        c.skip(str(path), "junk CSV rows", bad)
