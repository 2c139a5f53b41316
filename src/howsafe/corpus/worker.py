"""One corpus item -> one row: hash it, skip it if already done, else scan it.

Runs inside Dask workers (and in tests, in process). Never raises for a bad input: an unreadable,
malformed or hostile file is a row with ``error`` set, exactly as ``howsafe apps`` reports it.
No Dask import here: the orchestration lives in :mod:`howsafe.corpus.run`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import re
import socket
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from howsafe import __version__
from howsafe.apk.errors import ApkError
from howsafe.apk.matcher import Matcher
from howsafe.apk.model import AppReport
from howsafe.apk.scan import ScanInput, scan_bytes, scan_input
from howsafe.apk.trackerdb import TrackerDB
from howsafe.apk.zipread import ZipArchive
from howsafe.corpus.inputs import CorpusItem, is_remote

log = logging.getLogger(__name__)

Row = dict[str, Any]

#: Largest single file read into memory from an object store (local files are memory-mapped).
MAX_REMOTE_FILE = 2 * 1024 * 1024 * 1024
_DEX_RE = re.compile(r"classes[0-9]{0,9}\.dex")


@dataclass(frozen=True, slots=True)
class TrackerSet:
    """The tracker list a scan runs with (sent to every worker once) and its fingerprint."""

    db: TrackerDB
    fingerprint: str

    @classmethod
    def of(cls, db: TrackerDB) -> TrackerSet:
        h = hashlib.sha256()
        for t in db.trackers:
            h.update(f"{t.name}\0{t.exodus_id}\0{'|'.join(t.signatures)}\0{','.join(t.categories)}\n".encode())
        return cls(db, f"{db.exodus_version}:{h.hexdigest()[:16]}")


_MATCHERS: dict[str, Matcher] = {}


def matcher_for(trackers: TrackerSet) -> Matcher:
    """The matcher for ``trackers``, built once per worker process."""
    m = _MATCHERS.get(trackers.fingerprint)
    if m is None:
        m = _MATCHERS[trackers.fingerprint] = Matcher(trackers.db)
    return m


# -- keys --------------------------------------------------------------------------------------
def item_key(sha256: str | None, url: str) -> str:
    """The identity of a row: its content hash, or its path when the content could not be read."""
    return sha256 if sha256 else f"path:{url}"


def _sha256_local(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                h.update(mm)
    return h.hexdigest()


def _sha256_parts(part_hashes: Iterable[tuple[str, str]]) -> str:
    """A split set's identity: the hash of its sorted (name, part hash) list."""
    h = hashlib.sha256()
    for name, digest in sorted(part_hashes):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()


def _dex_bytes(buf: bytes | bytearray | memoryview) -> tuple[int, int]:
    """(DEX members, their inflated bytes) of an APK, or of the stored APKs of a bundle.

    Read from the ZIP directories only (nothing is inflated); 0 when unreadable.
    """
    try:
        zf = ZipArchive(buf)
    except (ApkError, ValueError, struct.error):  # a malformed file is reported by the scanner, not here
        return 0, 0
    dex = [m.size for n, m in zf.members.items() if _DEX_RE.fullmatch(n)]
    if dex:
        return len(dex), sum(dex)
    count = total = 0
    for name, m in zf.members.items():
        if name.lower().endswith(".apk") and m.method == 0:
            try:
                n, b = _dex_bytes(zf.read(name))
            except (ApkError, ValueError, struct.error):
                n = b = 0
            count += n
            total += b
    return count, total


def _dex_bytes_file(path: str) -> tuple[int, int]:
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return 0, 0
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                view = memoryview(mm)
                try:
                    return _dex_bytes(view)
                finally:
                    view.release()
    except (OSError, ValueError, BufferError):
        return 0, 0


# -- rows --------------------------------------------------------------------------------------
def app_row(report: AppReport) -> Row:
    """The app columns of a row (see :data:`howsafe.corpus.store.SCHEMA`)."""
    return {
        "kind": report.kind,
        "package": report.package,
        "version_name": report.version_name,
        "version_code": report.version_code,
        "label": report.label,
        "min_sdk": report.min_sdk,
        "target_sdk": report.target_sdk,
        "permissions": list(report.permissions),
        "signer_sha256": list(report.signer_sha256),
        "trackers": [
            {
                "name": t.name,
                "exodus_id": t.exodus_id,
                "categories": list(t.categories),
                "company": t.company,
                "country": t.country,
                "origin": t.origin,
                "confidence": t.confidence,
                "class_count": t.class_count,
                "evidence": list(t.classes),
            }
            for t in report.trackers
        ],
        "tracker_names": [t.name for t in report.trackers],
        "classes_scanned": report.classes_scanned,
        "warnings": list(report.warnings),
        "error": report.error,
        "error_detail": report.error_detail,
        "report_json": json.dumps(report.to_json(), sort_keys=True, ensure_ascii=False),
    }


def _base_row(item: CorpusItem, sha256: str | None) -> Row:
    return {
        "sha256": sha256,
        "key": item_key(sha256, item.url),
        "path": item.url,
        "record": item.record,
        "size": item.size,
        "mtime": item.mtime,
        "howsafe_version": __version__,
    }


def _error_row(item: CorpusItem, sha256: str | None, code: str, detail: str) -> Row:
    report = AppReport(path=item.url, kind=item.kind, error=code, error_detail=detail)
    row = _base_row(item, sha256)
    row.update(app_row(report))
    return row


def scan_item(item: CorpusItem, trackers: TrackerSet, done: frozenset[str] = frozenset()) -> Row | None:
    """The row for ``item``, or ``None`` when its content hash is in ``done`` (already scanned)."""
    t0 = time.perf_counter()
    if item.record == "snapshot":
        row = _snapshot_row(item, done)
    elif item.record == "capture":
        row = _capture_row(item, done)
    else:
        row = _app_row(item, trackers, done)
    if row is not None:
        row["scan_seconds"] = time.perf_counter() - t0
        row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
        row["trackers_version"] = trackers.fingerprint
    return row


def _app_row(item: CorpusItem, trackers: TrackerSet, done: frozenset[str]) -> Row | None:
    matcher = matcher_for(trackers)
    dex_count = dex_bytes = remote_size = 0
    try:
        if is_remote(item.url):
            sha256, report, (dex_count, dex_bytes), remote_size = _scan_remote(item, matcher, done)
        elif item.kind == "split_dir":
            sha256 = _sha256_parts((Path(p).name, _sha256_local(p)) for p in item.parts)
            if sha256 in done:
                return None
            report = scan_input(ScanInput(Path(item.url), "split_dir", tuple(Path(p) for p in item.parts)), matcher)
            for p in item.parts:
                n, b = _dex_bytes_file(p)
                dex_count, dex_bytes = dex_count + n, dex_bytes + b
        else:
            sha256 = _sha256_local(item.url)
            if sha256 in done:
                return None
            report = scan_input(ScanInput(Path(item.url), "file"), matcher)
            dex_count, dex_bytes = _dex_bytes_file(item.url)
    except _Skip:
        return None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _error_row(item, None, "unreadable", reason)
    if report.path != item.url:  # the scanner names inputs by Path; keep the URL as given
        report = replace(report, path=item.url)
    row = _base_row(item, sha256)
    if is_remote(item.url) and sha256:  # some stores (HTTP listings) give no size: the bytes read
        row["size"] = remote_size
    row.update(app_row(report))
    if report.error is None:  # a refused file (a bomb declaring 2 GB of DEX) inflated nothing
        row["dex_count"], row["dex_bytes"] = dex_count, dex_bytes
    return row


class _Skip(Exception):
    """The item's content is already in the results."""


def _scan_remote(
    item: CorpusItem, matcher: Matcher, done: frozenset[str]
) -> tuple[str, AppReport, tuple[int, int], int]:
    import fsspec

    urls = item.parts if item.kind == "split_dir" else (item.url,)
    blobs: list[tuple[str, bytes]] = []
    for url in urls:
        with fsspec.open(url, "rb") as fh:
            data = fh.read(MAX_REMOTE_FILE + 1)
        if len(data) > MAX_REMOTE_FILE:
            raise ValueError(f"larger than {MAX_REMOTE_FILE:,} bytes")
        blobs.append((url, data))
    if item.kind == "split_dir":
        sha256 = _sha256_parts((u.rsplit("/", 1)[-1], hashlib.sha256(d).hexdigest()) for u, d in blobs)
    else:
        sha256 = hashlib.sha256(blobs[0][1]).hexdigest()
    if sha256 in done:
        raise _Skip
    if item.kind == "split_dir":
        # a split set from an object store: scanned as one bundle of its parts, in memory
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for url, data in blobs:
                zf.writestr(url.rsplit("/", 1)[-1], data)
        report = scan_bytes(buf.getvalue(), item.url + "/.apks", matcher)
        if report.error is None:
            report = replace(report, path=item.url, kind="split_dir")
        else:
            report = replace(report, path=item.url)
    else:
        report = scan_bytes(blobs[0][1], item.url, matcher)
    counts = [_dex_bytes(d) for _, d in blobs]
    return sha256, report, (sum(c for c, _ in counts), sum(b for _, b in counts)), sum(len(d) for _, d in blobs)


# -- snapshots ---------------------------------------------------------------------------------
_SNAPSHOT_AUDITOR: Any = None


def _snapshot_row(item: CorpusItem, done: frozenset[str]) -> Row | None:
    """Audit a saved snapshot (collect JSON, androidqf or bugreport zip) with the everyday profile."""
    global _SNAPSHOT_AUDITOR
    from howsafe.errors import HowsafeError

    if is_remote(item.url):
        return _snapshot_error(item, None, "unreadable", "snapshots are read from a local or shared path only")
    try:
        sha256 = _sha256_local(item.url)
    except OSError as exc:
        return _snapshot_error(item, None, "unreadable", exc.strerror or str(exc))
    if sha256 in done:
        return None
    try:
        from howsafe.engine import Auditor
        from howsafe.kb import KnowledgeBase
        from howsafe.model import UNKNOWN_DEVICE, to_json
        from howsafe.sources import load_path

        snapshot = load_path(Path(item.url))
        if _SNAPSHOT_AUDITOR is None:
            _SNAPSHOT_AUDITOR = Auditor(KnowledgeBase())
        auditor = _SNAPSHOT_AUDITOR
        report = auditor.run(auditor.context(snapshot), "everyday")
    except HowsafeError as exc:
        return _snapshot_error(item, sha256, "unreadable", str(exc))
    except (OSError, ValueError) as exc:
        return _snapshot_error(item, sha256, "unreadable", str(exc))
    row = _base_row(item, sha256)
    dev = report.device
    failed = sorted({f.id for f in report.findings if f.outcome.value == "fail"})
    row.update(
        {
            "kind": "snapshot",
            "package": None,
            "device": dev.display_name if dev.display_name != UNKNOWN_DEVICE else None,
            "android_version": dev.android_release,
            "security_patch": dev.security_patch.isoformat() if dev.security_patch else None,
            "grade": str(
                report.verdict.grade.value if hasattr(report.verdict.grade, "value") else report.verdict.grade
            ),
            "failed_checks": failed,
            "error": None,
            "error_detail": None,
            "report_json": to_json(report),
        }
    )
    return row


def _snapshot_error(item: CorpusItem, sha256: str | None, code: str, detail: str) -> Row:
    row = _base_row(item, sha256)
    row.update({"kind": "snapshot", "error": code, "error_detail": detail[:2000]})
    return row


# -- traffic captures --------------------------------------------------------------------------
_DOMAIN_KNOWLEDGE: Any = None


def _capture_row(item: CorpusItem, done: frozenset[str]) -> Row | None:
    """Read a pcap / pcapng (what ``howsafe net`` reads): the hosts contacted, their owner and country.

    ``hosts`` has one entry per (host, server country) over the app traffic (DNS to the resolver and
    LAN-to-LAN traffic are left out, as in the hosts table of ``howsafe net``); ``report_json`` is the
    whole NetworkReport. A damaged capture keeps what was read before the damage (``corrupt_capture``).
    """
    global _DOMAIN_KNOWLEDGE
    import io

    from howsafe.errors import CorruptInputError, HowsafeError
    from howsafe.kb import KnowledgeBase
    from howsafe.net.analyse import read_packet_capture
    from howsafe.net.attribution import DomainKnowledge, country_of
    from howsafe.net.build import build_report, category
    from howsafe.net.collect import Collector, FileStats
    from howsafe.net.pcapio import PCAP_MAGICS, PCAPNG_MAGIC

    try:
        if is_remote(item.url):
            import fsspec

            with fsspec.open(item.url, "rb") as fh:
                data = fh.read(MAX_REMOTE_FILE + 1)
            if len(data) > MAX_REMOTE_FILE:
                raise ValueError(f"larger than {MAX_REMOTE_FILE:,} bytes")
            sha256 = hashlib.sha256(data).hexdigest()
            size = len(data)
        else:
            sha256 = _sha256_local(item.url)
            data = b""
            size = item.size
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _capture_error(item, None, "unreadable", reason)
    if sha256 in done:
        return None
    try:
        fh = io.BytesIO(data) if is_remote(item.url) else open(item.url, "rb")  # noqa: SIM115
    except OSError as exc:
        return _capture_error(item, None, "unreadable", exc.strerror or str(exc))
    c = Collector()
    stats = FileStats(file=item.url)
    error = detail = None
    with fh:
        magic = fh.read(4)
        fh.seek(0)
        if not magic:
            return _capture_error(item, sha256, "empty_file", "0 bytes")
        if magic not in PCAP_MAGICS and magic != PCAPNG_MAGIC:
            return _capture_error(item, sha256, "not_a_capture", "not a pcap or pcapng file")
        kind = "pcapng" if magic == PCAPNG_MAGIC else "pcap"
        stats.format = kind
        c.files.append(stats)
        try:
            read_packet_capture(fh, item.url, kind, c, stats)
        except CorruptInputError as exc:
            error, detail = "corrupt_capture", str(exc)
            c.errors.append((item.url, str(exc), stats.records > 0 or stats.flows > 0))
        except (HowsafeError, OSError, ValueError) as exc:
            return _capture_error(item, sha256, "unreadable", str(exc))
    if _DOMAIN_KNOWLEDGE is None:
        _DOMAIN_KNOWLEDGE = DomainKnowledge.for_kb(KnowledgeBase.default())
    knowledge = _DOMAIN_KNOWLEDGE
    report = build_report(c, knowledge, {})
    named_by = {h.name: h.named_by for h in report.hosts}
    acc: dict[tuple[str, str | None], list[int]] = {}
    for fl in c.flows:
        if category(fl) != "app":
            continue
        key = (fl.name or fl.server, country_of(fl.server))
        a = acc.setdefault(key, [0, 0, 0, 0])
        a[0] += fl.up
        a[1] += fl.down
        a[2] += 1
        a[3] += fl.upk + fl.downk
    hosts = []
    for (name, cc), (up, down, flows, packets) in sorted(acc.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        att = knowledge.attribute(name) if named_by.get(name, "ip") != "ip" else None
        hosts.append(
            {
                "host": name,
                "named_by": named_by.get(name, "ip"),
                "owner": att.owner if att else None,
                "tracker": att.tracker if att else None,
                "country": cc,
                "bytes_up": up,
                "bytes_down": down,
                "flows": flows,
                "packets": packets,
            }
        )
    row = _base_row(item, sha256)
    row.update(
        {
            "size": size,
            "kind": kind,
            "hosts": hosts,
            "warnings": [f"{s.count} record(s) skipped: {s.reason}" for s in report.skipped],
            "error": error,
            "error_detail": detail[:2000] if detail else None,
            "report_json": json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False, default=str),
        }
    )
    return row


def _capture_error(item: CorpusItem, sha256: str | None, code: str, detail: str) -> Row:
    row = _base_row(item, sha256)
    row.update({"kind": "capture", "hosts": [], "warnings": [], "error": code, "error_detail": detail[:2000]})
    return row


def scan_batch(items: Sequence[CorpusItem], trackers: TrackerSet, done: frozenset[str] = frozenset()) -> list[Row]:
    """Rows for a batch of items (what one Dask task does); already-done content is left out."""
    out = []
    for item in items:
        row = scan_item(item, trackers, done)
        if row is not None:
            out.append(row)
    return out
