"""Where indicator bundles live: the user's store, ``MVT_STIX2`` and the files given on the command line.

Kept apart from the loaders so that an audit can tell "the user has no indicators" (then the
compromise area says "not checked") without importing the STIX reader, the matcher and SQLite."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import platformdirs

BUNDLE_SUFFIXES = (".stix2", ".stix", ".json")
INDEX_NAME = "index.json"


def store_dir() -> Path:
    return Path(platformdirs.user_data_dir("howsafe", appauthor=False)) / "iocs"


def bundle_files(path: Path) -> list[Path]:
    """A file as given, or every bundle below a folder (sorted for reproducible reports)."""
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in BUNDLE_SUFFIXES
            and p.name != INDEX_NAME
            and not p.name.startswith(".")
        )
    return [path]


def env_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    value = (env if env is not None else os.environ).get("MVT_STIX2", "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def configured(
    extra: Iterable[Path] = (),
    *,
    include_stored: bool = True,
    env: Mapping[str, str] | None = None,
    directory: Path | None = None,
) -> bool:
    """Whether there is anything to load: a bundle in the store, a path in ``MVT_STIX2`` or one given.

    False exactly when :func:`howsafe.iocs.store.load_indicator_set` would answer None without
    reading anything (a named path that does not exist is something: its error is reported)."""
    if list(extra) or env_paths(env):
        return True
    d = directory or store_dir()
    return include_stored and d.is_dir() and bool(bundle_files(d))
