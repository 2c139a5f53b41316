"""What a corpus scan reads: items listed from a folder, an fsspec URL or a manifest file.

An item is one app (an APK, a jar, a bundle, or a split folder of ``base.apk`` + ``split_*.apk``)
or, with ``snapshots=True``, one saved device snapshot (a ``howsafe collect`` JSON, an androidqf
or bugreport zip), or with ``captures=True`` one traffic capture (``.pcap``, ``.pcapng``).
Listing only reads directory entries (name, size, mtime): the corpus is never copied to the
client; the workers read the files themselves.

A manifest is a text file (``.txt``, ``.list``, ``.lst``, ``.manifest``, ``.csv``) with one path or
URL per line (for CSV: the first column); blank lines and ``#`` comments are skipped; relative
paths are relative to the manifest's folder.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from howsafe.errors import InputError

APP_SUFFIXES = (".apk", ".jar", ".apks", ".xapk", ".apkm")
SNAPSHOT_SUFFIXES = (".json", ".zip")
CAPTURE_SUFFIXES = (".pcap", ".pcapng")
MANIFEST_SUFFIXES = (".txt", ".list", ".lst", ".manifest", ".csv")
#: Lines read from a manifest (a bound against a hostile or mistaken multi-GB file).
MAX_MANIFEST_LINES = 50_000_000


@dataclass(frozen=True, slots=True)
class CorpusItem:
    """One thing to scan: ``url`` is a local path or an fsspec URL."""

    url: str
    record: str  # "app", "snapshot" or "capture"
    kind: str  # "file" or "split_dir"
    parts: tuple[str, ...] = ()
    size: int = 0
    mtime: float = 0.0


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def _local(url: str) -> str:
    return url[len("file://") :] if url.startswith("file://") else url


def _wanted(name: str, snapshots: bool, captures: bool = False) -> str | None:
    low = name.lower()
    if low.endswith(APP_SUFFIXES):
        return "app"
    if snapshots and low.endswith(SNAPSHOT_SUFFIXES):
        return "snapshot"
    if captures and low.endswith(CAPTURE_SUFFIXES):
        return "capture"
    return None


def list_items(source: str, *, snapshots: bool = False, captures: bool = False) -> Iterator[CorpusItem]:
    """Every item under ``source`` (a folder, a file, a URL or a manifest), in sorted order."""
    if _is_manifest(source):
        yield from _from_manifest(source, snapshots=snapshots, captures=captures)
        return
    if is_remote(source):
        yield from _list_remote(source, snapshots=snapshots, captures=captures)
        return
    path = Path(_local(source))
    if not path.exists():
        raise InputError(f"{source}: no such file or folder")
    yield from _list_local(path, snapshots=snapshots, captures=captures, top=True)


def _is_manifest(source: str) -> bool:
    return source.lower().endswith(MANIFEST_SUFFIXES) and (is_remote(source) or Path(_local(source)).is_file())


def _stat_item(path: Path, record: str) -> CorpusItem:
    st = path.stat()
    return CorpusItem(str(path), record, "file", (), st.st_size, st.st_mtime)


def _split_parts(d: Path) -> list[Path] | None:
    try:
        apks = sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() == ".apk")
    except OSError:
        return None
    names = {p.name for p in apks}
    if "base.apk" in names or (apks and any(n.startswith("split_") for n in names)):
        return apks
    return None


def _list_local(path: Path, *, snapshots: bool, captures: bool = False, top: bool) -> Iterator[CorpusItem]:
    if path.is_file():
        record = _wanted(path.name, snapshots, captures)
        if record is not None or top:  # a file named on the command line is scanned whatever its name
            yield _stat_item(path, record or "app")
        return
    if not path.is_dir():
        return
    parts = _split_parts(path)
    if parts is not None:
        stats = [p.stat() for p in parts]
        yield CorpusItem(
            str(path),
            "app",
            "split_dir",
            tuple(str(p) for p in parts),
            sum(s.st_size for s in stats),
            max(s.st_mtime for s in stats),
        )
        return
    try:
        children = sorted(path.iterdir())
    except OSError as exc:
        raise InputError(f"{path}: cannot list: {exc.strerror or exc}") from exc
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_symlink() and child.is_dir():  # a link loop must not hang the listing
            continue
        if child.is_dir():
            yield from _list_local(child, snapshots=snapshots, captures=captures, top=False)
        elif child.is_file() and _wanted(child.name, snapshots, captures):
            yield _stat_item(child, _wanted(child.name, snapshots, captures) or "app")
        elif child.is_symlink() and not child.exists() and _wanted(child.name, snapshots, captures):
            # a dangling link (a download not finished, a mount not there yet): a row with its error,
            # rescanned on the next run once the target exists
            yield CorpusItem(str(child), _wanted(child.name, snapshots, captures) or "app", "file", (), 0, 0.0)


def _list_remote(url: str, *, snapshots: bool, captures: bool = False) -> Iterator[CorpusItem]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    protocol = url.split("://", 1)[0]

    def full(name: str) -> str:  # HTTP names are whole URLs already; object stores drop the protocol
        return name if "://" in name else f"{protocol}://{name}"

    # isdir first: an HTTP server answers a folder URL like a file (its HTML listing)
    if not fs.isdir(root) and fs.isfile(root):
        info = fs.info(root)
        yield CorpusItem(url, _wanted(root, snapshots, captures) or "app", "file", (), int(info.get("size") or 0), 0.0)
        return
    found = fs.find(root, detail=True)
    by_dir: dict[str, list[tuple[str, dict[str, object]]]] = {}
    for name, info in sorted(found.items()):
        by_dir.setdefault(posixpath.dirname(name), []).append((name, info))
    for d, entries in sorted(by_dir.items()):
        apks = [(n, i) for n, i in entries if n.lower().endswith(".apk")]
        names = {posixpath.basename(n) for n, _ in apks}
        if "base.apk" in names or any(n.startswith("split_") for n in names):
            yield CorpusItem(
                full(d),
                "app",
                "split_dir",
                tuple(full(n) for n, _ in apks),
                sum(int(i.get("size") or 0) for _, i in apks),  # type: ignore[call-overload]
                0.0,
            )
            entries = [(n, i) for n, i in entries if not n.lower().endswith(".apk")]
        for name, info in entries:
            record = _wanted(posixpath.basename(name), snapshots, captures)
            if record is not None and not any(p.startswith(".") for p in name.split("/")):
                yield CorpusItem(full(name), record, "file", (), int(info.get("size") or 0), 0.0)  # type: ignore[call-overload]


def _from_manifest(source: str, *, snapshots: bool, captures: bool = False) -> Iterator[CorpusItem]:
    if is_remote(source):
        import fsspec

        with fsspec.open(source, "rt", encoding="utf-8") as fh:
            text = fh.read()
        base = source.rsplit("/", 1)[0]
    else:
        p = Path(_local(source))
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{source}: cannot read the manifest: {exc}") from exc
        base = str(p.parent)
    rows: Iterator[str]
    if source.lower().endswith(".csv"):
        rows = (r[0] for r in csv.reader(io.StringIO(text)) if r)
    else:
        rows = iter(text.splitlines())
    seen = 0
    for raw in rows:
        seen += 1
        if seen > MAX_MANIFEST_LINES:
            raise InputError(f"{source}: more than {MAX_MANIFEST_LINES:,} lines")
        line = raw.strip()
        if not line or line.startswith("#") or line.lower() == "path":
            continue
        url = line if ("://" in line or os.path.isabs(line)) else f"{base}/{line}"
        if is_remote(url):
            yield from _list_remote(url, snapshots=snapshots, captures=captures)
            continue
        path = Path(_local(url))
        if not path.exists():
            # a missing file is a row with its error, not a failed run
            yield CorpusItem(str(path), _wanted(path.name, snapshots, captures) or "app", "file", (), 0, 0.0)
            continue
        yield from _list_local(path, snapshots=snapshots, captures=captures, top=True)
