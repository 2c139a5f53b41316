"""Where indicator collections live, and building the IndicatorSet an audit uses.

Sources, in order: collections stored by ``howsafe iocs add/update`` in the user data dir, the
paths in the ``MVT_STIX2`` environment variable (colon-separated, as MVT reads it), and the
files given with ``--iocs``. A damaged bundle is reported in ``IndicatorSet.errors`` and the
others still load.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import platformdirs

from howsafe.errors import HowsafeError, InputError
from howsafe.iocs.model import IndicatorSet, LoadError
from howsafe.iocs.stix import read_bundle

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
            try:
                collection, indicators, skipped = read_bundle(f, collection_name=names.get(f.name, {}).get("name"))
            except HowsafeError as exc:
                iset.errors.append(LoadError(str(f), str(exc)))
                continue
            iset.collections.append(collection)
            iset.skipped_patterns += skipped
            for ind in indicators:
                iset.add(ind)
    return iset


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


def add_to_store(sources: Iterable[Path], *, directory: Path | None = None) -> list[str]:
    """Validate then copy bundles into the store; returns the stored collection names."""
    d = directory or store_dir()
    d.mkdir(parents=True, exist_ok=True)
    index = read_index(d)
    added: list[str] = []
    for src in sources:
        if not src.exists():
            raise InputError(f"{src}: no such file or folder")
        for f in bundle_files(src):
            collection, indicators, _ = read_bundle(f)  # raises a clear error for a bad bundle
            if not indicators:
                raise InputError(f"{f}: contains no indicator howsafe can use")
            dest = d / f"{_safe_name(collection.name)}{f.suffix or '.stix2'}"
            tmp = dest.with_name(dest.name + ".part")
            shutil.copyfile(f, tmp)
            tmp.replace(dest)
            index[dest.name] = {"name": collection.name, "source": str(f.resolve())}
            added.append(collection.name)
    write_index(d, index)
    return added


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return cleaned[:80] or "collection"
