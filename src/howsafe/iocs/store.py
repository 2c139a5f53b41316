"""Where indicator collections live, and building the IndicatorSet an audit uses.

Sources, in order: collections stored by ``howsafe iocs add/update`` in the user data dir, the
paths in the ``MVT_STIX2`` environment variable (colon-separated, as MVT reads it), and the
files given with ``--iocs``. Large bundles of the last two are used through a compiled index kept
in the user cache dir (:func:`compiled_adhoc`). A damaged bundle is reported in ``IndicatorSet.errors`` and the
others still load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from howsafe.errors import HowsafeError, InputError, KnowledgeError
from howsafe.fsio import atomic_write
from howsafe.iocs.compiled import CompiledIndex, Parsed, build_index, open_index, open_keyed
from howsafe.iocs.locate import INDEX_NAME, bundle_files, configured, env_paths, store_dir
from howsafe.iocs.model import Collection, Indicator, IndicatorSet, IocType, LoadError, Unsupported, normalise, url_host
from howsafe.iocs.stix import MAX_BUNDLE_BYTES, read_bundle

log = logging.getLogger(__name__)


def read_index(directory: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((directory / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_index(directory: Path, index: Mapping[str, Mapping[str, str]]) -> None:
    atomic_write(directory / INDEX_NAME, json.dumps(index, indent=2, sort_keys=True), error=InputError)


def build_set(paths: Iterable[Path], iset: IndicatorSet | None = None, *, cache: Path | None = None) -> IndicatorSet:
    """Load every bundle in ``paths`` into one IndicatorSet, collecting per-file errors.

    With ``cache`` (a folder), bundles of at least ``ADHOC_MIN_BYTES`` are used through a compiled
    index kept there (see :func:`compiled_adhoc`) instead of being parsed; the answers are the same.
    """
    iset = iset if iset is not None else IndicatorSet()
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            iset.errors.append(LoadError(str(root), "no such file or folder"))
            continue
        names = read_index(root) if root.is_dir() else {}
        for f in bundle_files(root):
            key = f.resolve()
            if key in seen:
                continue
            seen.add(key)
            entry = names.get(f.name, {})
            name = entry.get("name") if isinstance(entry, dict) else None
            index = compiled_adhoc(f, name, cache) if cache is not None else None
            if index is not None:
                iset.compiled.append(index)
            else:
                load_bundle_into(iset, f, name)
    return iset


#: Bundles smaller than this are parsed directly (that costs less than opening an index).
ADHOC_MIN_BYTES = 256 * 1024
#: Compiled entries of ad-hoc bundles kept in the cache (least recently used removed first).
ADHOC_KEEP = 16
_MEMO = "paths.json"


def adhoc_cache_dir() -> Path:
    """Where compiled indexes of ``--iocs`` / ``$MVT_STIX2`` bundles are kept."""
    from howsafe.kb.base import user_cache_dir

    return user_cache_dir() / "ioc-index"


def compiled_adhoc(f: Path, name: str | None, cache: Path) -> CompiledIndex | None:
    """The compiled index of one bundle given at audit time: opened from ``cache`` when one was built
    from the same content (and read under the same path and name), else built there now.

    None when the bundle is small, unreadable (then it is read, and reported, as before) or the cache
    cannot be written or read. The content hash is recomputed only when the file's size or mtime moved
    (a per-path memo), as for the store.
    """
    try:
        st = f.stat()
        if not f.is_file() or st.st_size < ADHOC_MIN_BYTES or st.st_size > MAX_BUNDLE_BYTES:
            return None
        digest = _content_sha256(f, st, cache)
        key = hashlib.sha256(f"{digest}\0{f}\0{name or ''}".encode()).hexdigest()[:32]
        entry = cache / key
        index = open_keyed(entry, digest)
        if index is None:
            entry.mkdir(parents=True, exist_ok=True)
            index = build_index(entry, [f], {f.name: {"name": name}} if name else {})
            _prune(cache, keep=entry)
            if index.errors:  # a bundle that does not parse is read (and reported) as before
                index.close()
                return None
        with contextlib.suppress(OSError):  # a read-only cache is still used
            os.utime(entry)  # recently used
        return index
    except (OSError, KnowledgeError, sqlite3.Error, ValueError) as exc:
        log.warning("cannot use the compiled indicator cache in %s (%s); reading %s", cache, exc, f)
        return None


def _content_sha256(f: Path, st: os.stat_result, cache: Path) -> str:
    memo_path = cache / _MEMO
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
        if not isinstance(memo, dict):
            memo = {}
    except (OSError, ValueError, RecursionError):
        memo = {}
    where = str(f.resolve())
    seen = memo.get(where)
    if isinstance(seen, list) and seen[:2] == [st.st_size, st.st_mtime_ns] and isinstance(seen[2], str):
        return seen[2]
    h = hashlib.sha256()
    with f.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    memo[where] = [st.st_size, st.st_mtime_ns, digest]
    if len(memo) > 256:
        memo = dict(list(memo.items())[-256:])
    # the memo only saves a hash next time: a read-only cache is fine
    with contextlib.suppress(HowsafeError):
        atomic_write(memo_path, json.dumps(memo), make_parents=True)
    return digest


def _prune(cache: Path, keep: Path) -> None:
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) + 1 - ADHOC_KEEP)]:
        shutil.rmtree(old, ignore_errors=True)


def load_bundle_into(iset: IndicatorSet, f: Path, name: str | None) -> bool:
    """Read one bundle into ``iset``; a bundle that cannot be read becomes a LoadError."""
    try:
        collection, indicators, unsupported = read_bundle(f, collection_name=name if isinstance(name, str) else None)
    except HowsafeError as exc:
        iset.errors.append(LoadError(str(f), str(exc)))
        return False
    iset.collections.append(collection)
    iset.unsupported.extend(unsupported)
    for ind in indicators:
        iset.add(ind)
    return True


def load_indicator_set(
    extra: Iterable[Path] = (),
    *,
    include_stored: bool = True,
    env: Mapping[str, str] | None = None,
    directory: Path | None = None,
    cache: Path | None = None,
) -> IndicatorSet | None:
    """The indicators for an audit, or None when the user has none at all (then the compromise
    area says "not checked" rather than "clean")."""
    extra = list(extra)
    if not configured(extra, include_stored=include_stored, env=env, directory=directory):
        return None  # nothing to read: the compromise area says "not checked"
    paths: list[Path] = []
    d = directory or store_dir()
    iset = IndicatorSet()
    if include_stored and d.is_dir():
        compiled = compiled_store(d)
        if compiled is None:
            build_set([d], iset)  # the store's index cannot be written: its bundles are read
        else:
            iset.compiled.append(compiled)
            iset.errors.extend(compiled.errors)
    paths.extend(env_paths(env))
    paths.extend(extra)
    if not paths and not iset.compiled and not iset.collections and not iset.errors:
        return None
    build_set(paths, iset, cache=cache if cache is not None else adhoc_cache_dir())
    if not iset.all_collections() and not iset.errors:
        return None
    return iset


def compiled_store(d: Path, *, rebuild: bool = False, parsed: dict[str, Parsed] | None = None) -> CompiledIndex | None:
    """The store's compiled index: opened when fresh, rebuilt when missing, stale or damaged.
    None when the store holds no bundle or the index cannot be written (then bundles are read)."""
    files = bundle_files(d)
    if not files:
        return None
    index = None if rebuild else open_index(d, files)
    if index is not None:
        return index
    try:
        return build_index(d, files, read_index(d), parsed)
    except (OSError, KnowledgeError, sqlite3.Error) as exc:
        log.warning("cannot write the compiled indicator index in %s (%s); reading the bundles", d, exc)
        return None


@dataclass(frozen=True)
class Stored:
    """What ``iocs add`` did with one bundle."""

    name: str
    file: str
    source: str
    indicators: int
    unsupported: tuple[Unsupported, ...]
    already: bool = False


def add_to_store(sources: Iterable[Path], *, directory: Path | None = None) -> list[Stored]:
    """Validate every bundle fully (as an audit will read it), then store them.

    Nothing is stored unless every given bundle is usable, so one bad file never leaves the store
    half-updated. A stored bundle is named after its collection *and* its content hash: a second
    bundle that uses the same malware name is stored beside the first, never over it; the same
    content added twice is stored once.
    """
    d = directory or store_dir()
    checked: list[tuple[Path, str, Collection, list[Indicator], list[Unsupported]]] = []
    for src in sources:
        if not src.exists():
            raise InputError(f"{src}: no such file or folder")
        files = bundle_files(src)
        if not files:
            raise InputError(f"{src}: no STIX2 bundle (*.stix2, *.stix, *.json) in it")
        for f in files:
            collection, indicators, unsupported = read_bundle(f)  # raises a clear error for a bad bundle
            data = _read_capped(f)
            if not indicators:
                detail = f" ({len(unsupported)} pattern(s) howsafe cannot evaluate)" if unsupported else ""
                raise InputError(f"{f}: contains no indicator howsafe can use{detail}")
            for ind in indicators:  # what every later audit does with each value
                normalise(ind.type, ind.value)
                if ind.type is IocType.URL:
                    url_host(ind.value)
            checked.append((f, hashlib.sha256(data).hexdigest(), collection, indicators, unsupported))
    d.mkdir(parents=True, exist_ok=True)
    index = read_index(d)
    stored: list[Stored] = []
    by_hash = {v.get("sha256"): k for k, v in index.items() if isinstance(v, dict)}
    parsed: dict[str, Parsed] = {}
    for f, digest, collection, indicators, unsupported in checked:
        count = len(indicators)
        dest = d / f"{_safe_name(collection.name)}-{digest[:12]}{f.suffix.lower() or '.stix2'}"
        existing = by_hash.get(digest)
        already = existing is not None and (d / existing).is_file()
        if already:
            assert existing is not None
            dest = d / existing
        else:
            data = _read_capped(f)
            if hashlib.sha256(data).hexdigest() != digest:
                raise InputError(f"{f}: changed while it was being added; run again")
            atomic_write(dest, data, error=InputError)
            index[dest.name] = {"name": collection.name, "source": str(f.resolve()), "sha256": digest}
            parsed[dest.name] = (dataclasses.replace(collection, path=str(dest)), indicators, unsupported)
            by_hash[digest] = dest.name
        stored.append(Stored(collection.name, dest.name, str(f), count, tuple(unsupported), already))
    write_index(d, index)
    checked.clear()
    compiled = compiled_store(d, rebuild=True, parsed=parsed)
    if compiled is not None:
        compiled.close()
    return stored


def _read_capped(f: Path) -> bytes:
    try:
        if not f.is_file() or f.stat().st_size > MAX_BUNDLE_BYTES:
            raise InputError(f"{f}: larger than {MAX_BUNDLE_BYTES} bytes")
        return f.read_bytes()
    except OSError as exc:
        raise InputError(f"{f}: cannot read ({exc.strerror or exc})") from exc


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return cleaned[:80] or "collection"
