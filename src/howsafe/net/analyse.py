"""``analyse_captures``: the public entry point of the network part.

Each file's format is sniffed from its content (magic numbers, SQLite header, CSV header, JSON
keys), never from its name. A file that breaks part-way keeps everything read before the damage
and is listed in ``NetworkReport.errors``; a file that cannot be read at all is an error entry
too, unless *every* file is unreadable, in which case the first error is raised for the CLI.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import BinaryIO

from howsafe.errors import CorruptInputError, HowsafeError, InputError
from howsafe.kb import KnowledgeBase
from howsafe.model import Snapshot
from howsafe.net import csvlog, dnslogs
from howsafe.net.attribution import DomainKnowledge
from howsafe.net.build import build_report
from howsafe.net.collect import Collector, FileStats
from howsafe.net.model import AppRef, NetworkReport
from howsafe.net.packets import PacketEngine
from howsafe.net.pcapio import PCAP_MAGICS, PCAPNG_MAGIC, CaptureMeta, open_records
from howsafe.progress import Observer

log = logging.getLogger(__name__)


def sniff(path: Path) -> str:
    """Format of ``path`` from its first bytes: pcap, pcapng, sqlite, pcapdroid-csv, nextdns-csv, adguard."""
    if path.exists() and not path.is_file():  # a FIFO would block forever; a capture is read twice
        raise InputError(f"{path.name}: not a regular file (save the capture to a file first)")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read: {exc.strerror or exc}") from exc
    if not head:
        raise InputError(f"{path.name}: empty file")
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    first_line = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
    if first_line.startswith(b"IPProto,"):
        return "pcapdroid-csv"
    if first_line.startswith(b"timestamp,domain,"):
        return "nextdns-csv"
    if first_line.startswith(b"{") and b'"QH"' in first_line:
        return "adguard"
    raise InputError(
        f"{path.name}: unknown format (not a pcap, pcapng, PCAPdroid CSV, Pi-hole, AdGuard or NextDNS log)"
    )


def analyse_captures(
    paths: list[Path],
    *,
    kb: KnowledgeBase,
    snapshot: Snapshot | None = None,
    observer: Observer | None = None,
) -> NetworkReport:
    """Read every capture / DNS log in ``paths`` and return one attributed NetworkReport."""
    if not paths:
        raise InputError("no capture given")
    knowledge = DomainKnowledge.for_kb(kb)
    c = Collector()
    failures: list[HowsafeError] = []
    for i, path in enumerate(paths):
        if observer:
            observer(path.name, i, len(paths))
        stats = FileStats(file=str(path))
        try:
            kind = sniff(path)
            stats.format = kind
            c.files.append(stats)
            _read(path, kind, c, stats)
        except CorruptInputError as exc:
            log.info("%s", exc)
            c.errors.append((str(path), str(exc), stats.records > 0 or stats.flows > 0))
            failures.append(exc)
        except HowsafeError as exc:
            log.info("%s", exc)
            c.errors.append((str(path), str(exc), False))
            failures.append(exc)
    if observer:
        observer("done", len(paths), len(paths))
    if failures and len(failures) == len(paths) and not any(f.records or f.flows for f in c.files):
        raise failures[0]
    return build_report(c, knowledge, _snapshot_apps(snapshot))


def read_packet_capture(fh: BinaryIO, file: str, kind: str, c: Collector, stats: FileStats) -> None:
    """Read one pcap / pcapng from an open binary file into ``c`` (``file`` names it in skips and
    errors). Damage raises ``CorruptInputError`` after everything before it was kept."""
    meta = CaptureMeta()
    try:
        engine = PacketEngine(c, stats)
        try:
            engine.run(open_records(fh, meta))
        finally:
            engine.finish()
            stats.records = meta.records
            stats.format = meta.format or kind
            for uid, ref in meta.apps.items():
                c.app(uid, ref.package, ref.label)
            stats.has_apps = bool(meta.apps) or any(f.uid >= 0 for f in engine.flows)
            for reason, n in meta.skipped.items():
                c.skip(file, reason, n)
    except CorruptInputError as exc:
        name = os.path.basename(file.rstrip("/"))
        raise CorruptInputError(f"{name}: {exc} (kept the {stats.records} records before it)") from exc


def _read(path: Path, kind: str, c: Collector, stats: FileStats) -> None:
    if kind in ("pcap", "pcapng"):
        try:
            with path.open("rb") as fh:
                read_packet_capture(fh, str(path), kind, c, stats)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    elif kind == "pcapdroid-csv":
        csvlog.read_pcapdroid_csv(path, c, stats)
    elif kind == "sqlite":
        dnslogs.read_pihole(path, c, stats)
    elif kind == "adguard":
        dnslogs.read_adguard(path, c, stats)
    elif kind == "nextdns-csv":
        dnslogs.read_nextdns(path, c, stats)


def _snapshot_apps(snapshot: Snapshot | None) -> dict[int, AppRef]:
    if snapshot is None or not snapshot.packages:
        return {}
    return {p.uid: AppRef(uid=p.uid, package=p.id, label=p.label) for p in snapshot.packages if p.uid is not None}
