"""A compiled index of the stored collections: ready in milliseconds, whatever their size.

Why: reading and indexing 300,000 indicators from STIX2 JSON takes seconds and about a gigabyte
(every indicator becomes a Python object), and an audit needs only a few thousand lookups. So
``iocs add`` and ``iocs update`` compile the store's bundles once into an SQLite file (stdlib,
indexed on ``(type, key)``) that an audit opens read-only and queries per observable: opening
costs a hash of the file and a few small queries, memory stays at SQLite's page cache.

Kept honest by content hashes, in a small manifest beside it:
- the SHA-256 of the index file itself: a damaged or truncated index is detected and rebuilt;
- each source bundle's name, size, mtime and SHA-256: a bundle added, removed or edited makes
  the index stale and it is rebuilt (a changed mtime alone is checked against the content hash).

Bundles given with ``--iocs`` or ``$MVT_STIX2`` (of at least ``ADHOC_MIN_BYTES``) are compiled too,
each into its own entry of the user cache dir keyed by the bundle's content hash (and the path and
collection name it is read under, which the answers carry): built on first use, reused while the
content is the same, rebuilt when damaged; when the cache cannot be written they are read as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from howsafe.errors import HowsafeError, KnowledgeError
from howsafe.fsio import atomic_path, atomic_write
from howsafe.iocs.model import (
    PROCESS_TRUNCATION,
    Collection,
    Indicator,
    IocType,
    LoadError,
    Unsupported,
    normalise,
    url_host,
)
from howsafe.iocs.stix import read_bundle

log = logging.getLogger(__name__)

DB_NAME = ".compiled.sqlite"
MANIFEST_NAME = ".compiled.json"
FORMAT = "howsafe-ioc-index/1"
_URL_HOST = "~url-host"
_PROC_PREFIX = "~process-prefix"
_CHUNK = 1 << 20


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class _Stat:
    name: str
    size: int
    mtime_ns: int


def _stats(files: Iterable[Path]) -> list[_Stat]:
    out = []
    for f in files:
        st = f.stat()
        out.append(_Stat(f.name, st.st_size, st.st_mtime_ns))
    return out


class CompiledIndex:
    """Read-only view of a compiled index (implements ``IndexBackend``)."""

    def __init__(self, db: Path, manifest: dict[str, Any]) -> None:
        self._db = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self.path = db
        meta = manifest["meta"]
        self._len = int(meta["indicators"])
        self._types = {IocType(t) for t in meta["types"]}
        self._path_lengths = {int(n) for n in meta["path_lengths"]}
        self._unsupported_count = int(meta["unsupported"])
        self.errors = [LoadError(str(e["path"]), str(e["message"])) for e in manifest.get("errors", [])]
        self._colls: dict[int, Collection] = {}
        self._memory: dict[IocType, dict[str, list[Indicator]]] = {}
        for cid, name, path, malware, description in self._db.execute(
            "SELECT id, name, path, malware, description FROM coll ORDER BY id"
        ):
            self._colls[cid] = Collection(
                name=name, path=path, malware=tuple(json.loads(malware)), description=description
            )

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._len

    def collections(self) -> list[Collection]:
        return list(self._colls.values())

    def unsupported_count(self) -> int:
        return self._unsupported_count

    def unsupported(self) -> list[Unsupported]:
        return [
            Unsupported(self._colls[c].name, pattern, reason, self._colls[c].path)
            for c, pattern, reason in self._db.execute("SELECT coll, pattern, reason FROM unsup ORDER BY rowid")
        ]

    def counts(self) -> Counter[tuple[str, IocType]]:
        c: Counter[tuple[str, IocType]] = Counter()
        for coll, t, n in self._db.execute("SELECT coll, type, n FROM counts"):
            c[(self._colls[coll].path, IocType(t))] = n
        return c

    def _rows(self, type_: str, key: str | None = None) -> list[Indicator]:
        query = "SELECT real_type, value, coll, malware, stix_id, key FROM ind WHERE type = ?"
        rows = (
            self._db.execute(query + " AND key = ?", (type_, key))
            if key is not None
            else self._db.execute(query, (type_,))
        )
        out = []
        for t, value, coll, malware, stix_id, _key in rows:
            c = self._colls[coll]
            out.append(
                Indicator(
                    type=IocType(t), value=value, collection=c.name, malware=malware, stix_id=stix_id, source=c.path
                )
            )
        return out

    def _in_memory(self, ioc_type: IocType) -> dict[str, list[Indicator]]:
        """Path indicators are looked up once per prefix length of every listed file: kept in
        memory (they are few) rather than queried thousands of times."""
        table = self._memory.get(ioc_type)
        if table is None:
            table = {}
            for ind in self._rows(ioc_type.value):
                table.setdefault(normalise(ioc_type, ind.value), []).append(ind)
            self._memory[ioc_type] = table
        return table

    def lookup(self, ioc_type: IocType, key: str) -> list[Indicator]:
        if ioc_type not in self._types:
            return []
        if ioc_type is IocType.FILE_PATH:
            return self._in_memory(ioc_type).get(key, [])
        return self._rows(ioc_type.value, key)

    def lookup_url_host(self, host: str) -> list[Indicator]:
        return self._rows(_URL_HOST, host) if IocType.URL in self._types else []

    def lookup_process_prefix(self, prefix: str) -> list[Indicator]:
        return self._rows(_PROC_PREFIX, prefix) if IocType.PROCESS_NAME in self._types else []

    def path_lengths(self) -> set[int]:
        return self._path_lengths

    def has(self, ioc_type: IocType) -> bool:
        return ioc_type in self._types


def _read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def _fresh(directory: Path, manifest: dict[str, Any], files: list[Path]) -> bool:
    """The manifest describes exactly these bundle files (by stat, or by content when stat moved)."""
    recorded = {b["name"]: b for b in manifest.get("bundles", []) if isinstance(b, dict)}
    if set(recorded) != {f.name for f in files}:
        return False
    for f, st in zip(files, _stats(files), strict=True):
        rec = recorded[f.name]
        if rec.get("size") == st.size and rec.get("mtime_ns") == st.mtime_ns:
            continue
        if rec.get("size") != st.size or rec.get("sha256") != _sha256_file(f):
            return False
    return True


def open_index(directory: Path, files: list[Path]) -> CompiledIndex | None:
    """The compiled index for ``files`` in ``directory``, or None when missing, stale or damaged."""
    manifest = _read_manifest(directory)
    db = directory / DB_NAME
    if manifest is None or not db.is_file():
        return None
    try:
        if not _fresh(directory, manifest, files):
            log.info("compiled indicator index in %s is stale; rebuilding", directory)
            return None
        if _sha256_file(db) != manifest.get("db_sha256"):
            log.warning("compiled indicator index in %s is damaged; rebuilding", directory)
            return None
        return CompiledIndex(db, manifest)
    except (OSError, sqlite3.Error, KeyError, TypeError, ValueError) as exc:
        log.warning("compiled indicator index in %s unusable (%s); rebuilding", directory, exc)
        return None


_SCHEMA = """
CREATE TABLE coll (id INTEGER PRIMARY KEY, name TEXT, path TEXT, malware TEXT, description TEXT);
CREATE TABLE ind (type TEXT, key TEXT, real_type TEXT, value TEXT, coll INTEGER, malware TEXT, stix_id TEXT);
CREATE TABLE unsup (coll INTEGER, pattern TEXT, reason TEXT);
CREATE TABLE counts (coll INTEGER, type TEXT, n INTEGER);
"""


Parsed = tuple[Collection, list[Indicator], list[Unsupported]]


def build_index(
    directory: Path, files: list[Path], names: dict[str, dict[str, str]], parsed: dict[str, Parsed] | None = None
) -> CompiledIndex:
    """Compile ``files`` (bundles of the store in ``directory``) and return the opened index.

    Written through :mod:`howsafe.fsio` (a temporary file renamed into place, manifest last), so a
    crash leaves either the old index or none, never a half-written one that looks valid. A file
    that cannot be written raises KnowledgeError (the callers then read the bundles).
    """
    stats = _stats(files)
    with atomic_path(directory / DB_NAME, error=KnowledgeError) as tmp:
        manifest = _compile(tmp, files, stats, names, parsed or {})
        manifest["db_sha256"] = _sha256_file(tmp)
    atomic_write(directory / MANIFEST_NAME, json.dumps(manifest, indent=1), error=KnowledgeError)
    return CompiledIndex(directory / DB_NAME, manifest)


def _compile(
    db_path: Path,
    files: list[Path],
    stats: list[_Stat],
    names: dict[str, dict[str, str]],
    parsed: dict[str, Parsed],
) -> dict[str, Any]:
    con = sqlite3.connect(db_path)
    try:
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        bundles: list[dict[str, Any]] = []
        errors: list[dict[str, str]] = []
        types: set[str] = set()
        path_lengths: set[int] = set()
        total = unsup_total = 0
        for cid, (f, st) in enumerate(zip(files, stats, strict=True)):
            bundles.append({"name": st.name, "size": st.size, "mtime_ns": st.mtime_ns, "sha256": _sha256_file(f)})
            entry = names.get(f.name, {})
            if f.name in parsed:  # just validated by `iocs add`: not parsed twice
                collection, indicators, unsupported = parsed[f.name]
            else:
                try:
                    collection, indicators, unsupported = read_bundle(
                        f, collection_name=entry.get("name") if isinstance(entry, dict) else None
                    )
                except HowsafeError as exc:
                    errors.append({"path": str(f), "message": str(exc)})
                    continue
            con.execute(
                "INSERT INTO coll VALUES (?, ?, ?, ?, ?)",
                (cid, collection.name, collection.path, json.dumps(list(collection.malware)), collection.description),
            )
            con.executemany("INSERT INTO ind VALUES (?, ?, ?, ?, ?, ?, ?)", _rows(indicators, cid, path_lengths))
            per_type = Counter(i.type.value for i in indicators)
            con.executemany("INSERT INTO counts VALUES (?, ?, ?)", [(cid, t, n) for t, n in per_type.items()])
            con.executemany("INSERT INTO unsup VALUES (?, ?, ?)", [(cid, u.pattern, u.reason) for u in unsupported])
            types.update(per_type)
            total += len(indicators)
            unsup_total += len(unsupported)
        con.execute("CREATE INDEX ind_key ON ind (type, key)")
        con.commit()
    finally:
        con.close()
    return {
        "format": FORMAT,
        "bundles": bundles,
        "errors": errors,
        "meta": {
            "indicators": total,
            "types": sorted(types),
            "path_lengths": sorted(path_lengths),
            "unsupported": unsup_total,
        },
    }


def _rows(
    indicators: list[Indicator], cid: int, path_lengths: set[int]
) -> Iterator[tuple[str, str, str, str, int, str | None, str | None]]:
    for ind in indicators:
        t = ind.type.value
        key = normalise(ind.type, ind.value)
        yield t, key, t, ind.value, cid, ind.malware, ind.stix_id
        if ind.type is IocType.URL:
            host = url_host(ind.value)
            if host:
                yield _URL_HOST, normalise(IocType.DOMAIN, host), t, ind.value, cid, ind.malware, ind.stix_id
        elif ind.type is IocType.FILE_PATH:
            path_lengths.add(len(key.rstrip("/")))
        elif ind.type is IocType.PROCESS_NAME and len(key) >= PROCESS_TRUNCATION:
            yield _PROC_PREFIX, key[:PROCESS_TRUNCATION], t, ind.value, cid, ind.malware, ind.stix_id


def open_keyed(directory: Path, content_sha256: str) -> CompiledIndex | None:
    """The single-bundle index in ``directory`` if it was built from content ``content_sha256`` and is
    undamaged; None otherwise (missing, other content, damaged: the caller rebuilds)."""
    manifest = _read_manifest(directory)
    db = directory / DB_NAME
    if manifest is None or not db.is_file():
        return None
    try:
        bundles = manifest.get("bundles") or []
        if len(bundles) != 1 or bundles[0].get("sha256") != content_sha256 or manifest.get("errors"):
            return None
        if _sha256_file(db) != manifest.get("db_sha256"):
            log.warning("compiled indicator index in %s is damaged; rebuilding", directory)
            return None
        return CompiledIndex(db, manifest)
    except (OSError, sqlite3.Error, KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("compiled indicator index in %s unusable (%s); rebuilding", directory, exc)
        return None
