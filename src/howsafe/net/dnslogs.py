"""DNS logs as evidence: Pi-hole FTL database, AdGuard Home querylog.json, NextDNS CSV export.

They give names, query counts, clients and blocking, but no bytes. AdGuard keeps the answer as a
base64 DNS message, decoded with the same bounded parser as captures. The Pi-hole database is
opened read-only through an SQLite ``mode=ro`` URI: the user's file is never modified.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import json
import sqlite3
import urllib.parse
from pathlib import Path

from howsafe.errors import CorruptInputError, InputError
from howsafe.net import dns
from howsafe.net.collect import Collector, FileStats

MAX_ROWS = 5_000_000
MAX_LINE = 1 << 20
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


def read_pihole(path: Path, c: Collector, stats: FileStats) -> None:
    """Queries from a Pi-hole FTL long-term database (the ``queries`` view, schema v21)."""
    stats.format = "Pi-hole FTL database"
    stats.dns_log = True
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open the Pi-hole database: {exc}") from exc
    try:
        con.execute("PRAGMA query_only = ON")
        cur = con.execute("SELECT timestamp, type, status, domain, client FROM queries ORDER BY timestamp, id")
        for n, (ts, qtype, status, domain, client) in enumerate(cur):
            if n >= MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
            if not isinstance(domain, str) or not domain:
                c.skip(str(path), "query without a domain")
                continue
            try:
                when, kind, state = float(ts), int(qtype or 0), int(status or 0)
            except (TypeError, ValueError):
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
    except sqlite3.Error as exc:
        raise CorruptInputError(f"{path.name}: not a readable Pi-hole FTL database: {exc}") from exc
    finally:
        con.close()


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
        for n, line in enumerate(fh):
            if n >= MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
            if not line.strip():
                continue
            try:
                e = json.loads(line[:MAX_LINE])
                name = str(e["QH"]).lower().rstrip(".")
                ts = dt.datetime.fromisoformat(_trim_ns(str(e["T"]))).timestamp()
            except (ValueError, KeyError, TypeError):
                bad += 1
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
    with fh:
        reader = csv.DictReader(fh)
        for n, row in enumerate(reader):
            if n >= MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
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
    if bad:
        c.skip(str(path), "junk CSV rows", bad)
