"""The results dataset: a folder of Parquet parts (``part-<run>-<n>.parquet``), one row per item.

Parts are written whole to a hidden temporary name and then renamed, so a part either exists
complete or not at all: a scan killed at any moment leaves a readable dataset, and the next run
reads the ``key`` column of the existing parts to skip what is done. Memory stays flat: at most
one part's rows are held before they are written.

Columns (``SCHEMA``): identity (``sha256``, ``key`` = sha256 or ``path:<url>`` when the content was
unreadable, ``path``, ``size``, ``mtime``), the app (``kind``, ``package``, versions, ``label``,
SDKs, ``permissions``, ``signer_sha256``, ``trackers`` with their match evidence,
``tracker_names``, ``classes_scanned``, ``dex_count``, ``dex_bytes``, ``warnings``), errors
(``error``, ``error_detail``), a saved snapshot's summary (``device``, ``android_version``,
``security_patch``, ``grade``, ``failed_checks``), provenance (``howsafe_version``,
``trackers_version``, ``worker``, ``scan_seconds``), ``report_json``: the full ``howsafe apps``
record (or audit report) of the item, so nothing is lost to the flat columns, and ``scanned_at``
(when the client wrote the row, seconds since the epoch); for a traffic capture, ``hosts``: one
entry per (host contacted, server country) with owner, bytes, flows and packets.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from howsafe.errors import InputError
from howsafe.fsio import atomic_write

PART_GLOB = "part-*.parquet"
_TMP_PREFIX = ".tmp-"


def schema() -> Any:
    """The pyarrow schema of a results part."""
    import pyarrow as pa

    s = pa.string()
    tracker = pa.struct(
        [
            ("name", s),
            ("exodus_id", pa.int64()),
            ("categories", pa.list_(s)),
            ("company", s),
            ("country", s),
            ("origin", s),
            ("confidence", s),
            ("class_count", pa.int64()),
            ("evidence", pa.list_(s)),
        ]
    )
    host = pa.struct(
        [
            ("host", s),
            ("named_by", s),
            ("owner", s),
            ("tracker", s),
            ("country", s),
            ("bytes_up", pa.int64()),
            ("bytes_down", pa.int64()),
            ("flows", pa.int64()),
            ("packets", pa.int64()),
        ]
    )
    return pa.schema(
        [
            ("sha256", s),
            ("key", s),
            ("path", s),
            ("record", s),
            ("size", pa.int64()),
            ("mtime", pa.float64()),
            ("kind", s),
            ("package", s),
            ("version_name", s),
            ("version_code", pa.int64()),
            ("label", s),
            ("min_sdk", pa.int64()),
            ("target_sdk", pa.int64()),
            ("permissions", pa.list_(s)),
            ("signer_sha256", pa.list_(s)),
            ("trackers", pa.list_(tracker)),
            ("tracker_names", pa.list_(s)),
            ("classes_scanned", pa.int64()),
            ("dex_count", pa.int64()),
            ("dex_bytes", pa.int64()),
            ("warnings", pa.list_(s)),
            ("error", s),
            ("error_detail", s),
            ("device", s),
            ("android_version", s),
            ("security_patch", s),
            ("grade", s),
            ("failed_checks", pa.list_(s)),
            ("howsafe_version", s),
            ("trackers_version", s),
            ("worker", s),
            ("scan_seconds", pa.float64()),
            ("report_json", s),
            ("scanned_at", pa.float64()),
            ("hosts", pa.list_(host)),
        ]
    )


def _fs(url: str) -> tuple[Any, str]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    return fs, root


def existing_parts(out: str) -> list[str]:
    """The complete part files of the dataset at ``out`` (sorted); none when it does not exist."""
    fs, root = _fs(out)
    if not fs.exists(root):
        return []
    if not fs.isdir(root):
        raise InputError(f"{out}: exists and is not a results folder (a Parquet dataset is a folder of parts)")
    return sorted(p for p in fs.glob(f"{root.rstrip('/')}/{PART_GLOB}"))


def remove_stale_temporaries(out: str) -> int:
    """Delete parts a killed run left half-written; returns how many."""
    fs, root = _fs(out)
    if not fs.exists(root):
        return 0
    stale = fs.glob(f"{root.rstrip('/')}/{_TMP_PREFIX}*")
    stale += fs.glob(f"{root.rstrip('/')}/.{PART_GLOB}.*.part")  # fsio.atomic_write's, on a local store
    for p in stale:
        fs.rm(p)
    return len(stale)


def done_keys(out: str) -> tuple[set[str], set[tuple[str, int, float]]]:
    """Keys already in the dataset, and the (path, size, mtime) of rows whose content was read.

    The second set lets a rerun skip an unchanged local file without even hashing it. Rows with an
    error are left out of it: a file that failed (a partial download, a file being written) is
    hashed again on every run, so a file completed in place keeping its size and modification
    time (``rsync -t``, ``cp -p``, a preallocated download) is still rescanned; unchanged content
    is then skipped by its key.
    """
    import pyarrow.parquet as pq

    keys: set[str] = set()
    seen: set[tuple[str, int, float]] = set()
    fs, _ = _fs(out)
    for part in existing_parts(out):
        table = pq.read_table(part, columns=["key", "sha256", "path", "size", "mtime", "error"], filesystem=fs)
        cols = table.to_pydict()
        keys.update(k for k in cols["key"] if k)
        rows = zip(cols["sha256"], cols["path"], cols["size"], cols["mtime"], cols["error"], strict=True)
        for sha, path, size, mtime, error in rows:
            if sha and path is not None and error is None:
                seen.add((path, int(size or 0), float(mtime or 0.0)))
    return keys, seen


class PartWriter:
    """Buffers rows and writes them as Parquet parts of at most ``part_rows`` rows.

    ``flush_seconds`` also writes a part when rows have waited that long, so a slow scan still
    saves its progress. Rows whose key was already written (a duplicate file, a retried task)
    are dropped: the dataset holds each content once.
    """

    def __init__(
        self, out: str, *, part_rows: int = 1000, flush_seconds: float = 30.0, written: Iterable[str] = ()
    ) -> None:
        import pyarrow as pa

        self._pa = pa
        self.out = out
        self.fs, self.root = _fs(out)
        self.fs.makedirs(self.root, exist_ok=True)
        self.part_rows = max(1, part_rows)
        self.flush_seconds = flush_seconds
        self.run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.schema = schema()
        self.written: set[str] = set(written)
        self.rows: list[dict[str, Any]] = []
        self.parts_written = 0
        self.rows_written = 0
        self.duplicates = 0
        self._oldest = time.monotonic()

    def add(self, rows: Iterable[dict[str, Any]]) -> int:
        """Queue rows (writing full parts); returns how many were new."""
        new = 0
        for row in rows:
            key = row.get("key")
            if key in self.written:
                self.duplicates += 1
                continue
            self.written.add(str(key))
            row.setdefault("scanned_at", time.time())  # orders the rows of one path across runs (stale rows)
            if not self.rows:
                self._oldest = time.monotonic()
            self.rows.append(row)
            new += 1
            if len(self.rows) >= self.part_rows:
                self.flush()
        if self.rows and time.monotonic() - self._oldest >= self.flush_seconds:
            self.flush()
        return new

    def flush(self) -> None:
        if not self.rows:
            return
        import pyarrow.parquet as pq

        names = self.schema.names
        table = self._pa.Table.from_pylist([{k: r.get(k) for k in names} for r in self.rows], schema=self.schema)
        name = f"part-{self.run_id}-{self.parts_written:05d}.parquet"
        final = f"{self.root.rstrip('/')}/{name}"
        if self.fs.protocol in ("file", ("file", "local")) or "file" in self.fs.protocol:
            buf = io.BytesIO()
            pq.write_table(table, buf, compression="zstd")
            atomic_write(Path(final), buf.getvalue(), error=InputError)
        else:  # a remote store: write a temporary object, then move it into place
            tmp = f"{self.root.rstrip('/')}/{_TMP_PREFIX}{name}"
            with self.fs.open(tmp, "wb") as fh:
                pq.write_table(table, fh, compression="zstd")
            self.fs.mv(tmp, final)
        self.parts_written += 1
        self.rows_written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
