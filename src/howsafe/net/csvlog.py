"""PCAPdroid "connections" CSV export: one row per flow, with the app that opened it.

Two layouts exist: 17 columns (PackageName, v1.7.4+) and 16 columns (older). The App column is not
quoted, so a label with a comma ("ShareMe, File Transfer") makes a row longer than the header; the
columns around it are fixed, so the label is whatever lies between column 6 and the fixed tail.
Rows that still do not fit are counted as skips with their line numbers; the rest are kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from howsafe.errors import CorruptInputError, InputError
from howsafe.net.collect import Collector, FileStats, Flow
from howsafe.net.payload import strip_host
from howsafe.parse.numbers import strict_int
from howsafe.parse.text import bounded_lines

MAX_LINE = 1 << 16
MAX_ROWS = 5_000_000
_NAMED_BY = {"TLS": "sni", "HTTPS": "sni", "HTTP": "http", "QUIC": "quic"}


def _ts(value: str) -> float:
    v = value.strip()
    n = strict_int(v)
    if n is not None:
        return n / 1000.0 if n > 10**11 else float(n)
    return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()


def _num(text: str, *, signed: bool = False) -> int:
    n = strict_int(text.strip(), signed=signed)
    if n is None:
        raise ValueError(f"not a number: {text[:20]!r}")
    return n


def read_pcapdroid_csv(path: Path, c: Collector, stats: FileStats) -> None:
    """Add each row of a PCAPdroid CSV as a flow (app, bytes, Info name) to ``c``."""
    stats.has_apps = True
    bad_lines: list[int] = []
    try:
        fh = path.open("r", encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        header = fh.readline(MAX_LINE).strip().lstrip("\ufeff").split(",")
        if not header or header[0] != "IPProto":
            raise InputError(f"{path}: not a PCAPdroid CSV (header starts with {header[0]!r})")
        has_pkg = "PackageName" in header
        ncols = len(header)
        if ncols not in (16, 17):
            raise CorruptInputError(f"{path.name}: unexpected PCAPdroid CSV header with {ncols} columns")
        tail = ncols - 7  # columns after App
        stats.format = f"PCAPdroid CSV ({ncols} columns)"
        for lineno, raw in enumerate(bounded_lines(fh, MAX_LINE), start=2):
            if lineno > MAX_ROWS:
                c.skip(str(path), "rows beyond the safety bound")
                break
            if raw is None:  # longer than any real row: skipped without being held whole
                bad_lines.append(lineno)
                continue
            line = raw.rstrip("\r\n")
            if not line:
                continue
            f = line.split(",")
            if len(f) < ncols:
                bad_lines.append(lineno)
                continue
            app_label = ",".join(f[6 : len(f) - tail])
            rest = f[len(f) - tail :]
            try:
                proto = _num(f[0])
                client, cport, server, sport = f[1], _num(f[2]), f[3], _num(f[4])
                uid = _num(f[5], signed=True)
                if has_pkg:
                    package, l7, _status, info = rest[0], rest[1], rest[2], rest[3]
                    nums = rest[4:]
                else:
                    package, l7, _status, info = "", rest[0], rest[1], rest[2]
                    nums = rest[3:]
                sent, rcvd, psent, prcvd = (_num(x) for x in nums[:4])
                first, last = _ts(nums[4]), _ts(nums[5])
            except (ValueError, IndexError):
                bad_lines.append(lineno)
                continue
            if proto not in (6, 17) or min(sent, rcvd, psent, prcvd) < 0:
                bad_lines.append(lineno)
                continue
            fl = Flow("tcp" if proto == 6 else "udp", client, cport, server, sport, first)
            fl.last = last
            fl.up, fl.down, fl.upk, fl.downk = sent, rcvd, psent, prcvd
            fl.uid = uid
            c.app(uid, package or None, app_label or None)
            name = strip_host(info) if info else None
            if sport == 53 or l7 == "DNS":
                fl.kind = "dns"
                if name:
                    c.dns_query(first, client, name, "?")
            elif name:
                src = _NAMED_BY.get(l7, "dns")
                fl.name = name
                fl.named_by = src
                fl.kind = {"sni": "tls", "http": "http", "quic": "quic"}.get(src, "other")
                if fl.kind == "http":
                    fl.http_data = sent > 1024  # no payload in the CSV: a large upload is "data"
                c.name_seen(name, src, first, client)
            c.flows.append(fl)
            stats.records += 1
            stats.flows += 1
            stats.ip_bytes += sent + rcvd
    if bad_lines:
        shown = ", ".join(str(n) for n in bad_lines[:10])
        more = "" if len(bad_lines) <= 10 else f" and {len(bad_lines) - 10} more"
        c.skip(str(path), f"junk CSV rows (lines {shown}{more})", len(bad_lines))
        c.notes.append(f"{path.name}: partial: {stats.records} valid rows, {len(bad_lines)} skipped")
