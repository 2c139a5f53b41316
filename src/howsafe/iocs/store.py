"""Where indicator collections live, and building the IndicatorSet an audit uses.

Sources, in order: collections stored by ``howsafe iocs add/update`` in the user data dir, the
paths in the ``MVT_STIX2`` environment variable (colon-separated, as MVT reads it), and the
files given with ``--iocs``. A damaged bundle is reported in ``IndicatorSet.errors`` and the
others still load.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from howsafe.errors import HowsafeError, InputError
from howsafe.iocs.model import Collection, IndicatorSet, LoadError, Unsupported
from howsafe.iocs.stix import MAX_BUNDLE_BYTES, read_bundle

BUNDLE_SUFFIXES = (".stix2", ".stix", ".json")
INDEX_NAME = "index.json"


def store_dir() -> Path:
    return Path(platformdirs.user_data_dir("howsafe", appauthor=False)) / "iocs"


def bundle_files(path: Path) -> list[Path]:
    """A file as given, or every bundle below a folder (sorted for reproducible reports)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in BUNDLE_SUFFIXES
                      and p.name != INDEX_NAME)
    return [path]


def read_index(directory: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((directory / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_index(directory: Path, index: Mapping[str, Mapping[str, str]]) -> None:
    tmp = directory / (INDEX_NAME + ".part")
    tmp.write_text(json.dumps(index, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(directory / INDEX_NAME)


def env_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    value = (env if env is not None else os.environ).get("MVT_STIX2", "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def build_set(paths: Iterable[Path]) -> IndicatorSet:
    """Load every bundle in ``paths`` into one IndicatorSet, collecting per-file errors."""
    iset = IndicatorSet()
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
            load_bundle_into(iset, f, entry.get("name") if isinstance(entry, dict) else None)
    return iset


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
) -> IndicatorSet | None:
    """The indicators for an audit, or None when the user has none at all (then the compromise
    area says "not checked" rather than "clean")."""
    paths: list[Path] = []
    d = directory or store_dir()
    if include_stored and d.is_dir():
        paths.append(d)
    paths.extend(env_paths(env))
    paths.extend(extra)
    if not paths:
        return None
    iset = build_set(paths)
    if not iset.collections and not iset.errors:
        return None
    return iset


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
    checked: list[tuple[Path, str, Collection, int, list[Unsupported]]] = []
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
            probe = IndicatorSet()  # exactly what every later audit does with it
            for ind in indicators:
                probe.add(ind)
            checked.append((f, hashlib.sha256(data).hexdigest(), collection, len(indicators), unsupported))
    d.mkdir(parents=True, exist_ok=True)
    index = read_index(d)
    stored: list[Stored] = []
    by_hash = {v.get("sha256"): k for k, v in index.items() if isinstance(v, dict)}
    for f, digest, collection, count, unsupported in checked:
        dest = d / f"{_safe_name(collection.name)}-{digest[:12]}{f.suffix.lower() or '.stix2'}"
        existing = by_hash.get(digest)
        already = existing is not None and (d / existing).is_file()
        if already:
            assert existing is not None
            dest = d / existing
        else:
            tmp = dest.with_name(dest.name + ".part")
            try:
                shutil.copyfile(f, tmp)
                tmp.replace(dest)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            index[dest.name] = {"name": collection.name, "source": str(f.resolve()), "sha256": digest}
            by_hash[digest] = dest.name
        stored.append(Stored(collection.name, dest.name, str(f), count, tuple(unsupported), already))
    write_index(d, index)
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
