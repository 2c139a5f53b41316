"""How much of a ROM's own packages the package knowledge classifies (exact ids only).

A device's *OEM-prefixed* ids are the installed ids that match its vendor family's
``oem_prefixes`` (data, per family file). *Classified* means an exact bundled entry exists; prefix
rules and the user's UAD import do not count, so the figure measures knowledge, not guesses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from howsafe.kb.packages import PackageDB, VendorFamily, _prefix_match

PACKAGE_FILES = ("packages.txt", "packages.partial.txt", "packages-f.txt")
MAX_LIST_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Coverage:
    """Coverage of one package list against one vendor family."""

    name: str
    family: str | None
    ids: int
    oem_ids: tuple[str, ...]
    classified: tuple[str, ...]
    unclassified: tuple[str, ...]
    prefix_only: tuple[str, ...]

    @property
    def percent(self) -> float | None:
        return 100.0 * len(self.classified) / len(self.oem_ids) if self.oem_ids else None


def _read_text(path: Path) -> str:
    with path.open("rb") as fh:
        return fh.read(MAX_LIST_BYTES).decode("utf-8", errors="replace")


def read_package_ids(folder: Path) -> set[str]:
    """Package ids from ``pm list packages [-f]`` text files and an ``apk_paths.tsv`` in ``folder``."""
    ids: set[str] = set()
    for name in PACKAGE_FILES:
        path = folder / name
        if not path.is_file():
            continue
        for line in _read_text(path).splitlines():
            line = line.strip().lstrip("\ufeff")
            if not line.startswith("package:"):
                continue
            rest = line[len("package:") :]
            pid = rest.rsplit("=", 1)[1] if "=" in rest else rest
            pid = pid.split()[0] if pid.split() else ""
            if pid:
                ids.add(pid)
    tsv = folder / "apk_paths.tsv"
    if tsv.is_file():
        for line in _read_text(tsv).splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) > 1 and cols[1].strip():
                ids.add(cols[1].strip())
    return ids


def device_brand(folder: Path) -> str | None:
    """Brand of a fixture-style folder: ``meta.json``, ``ro.product.brand``, else the folder name."""
    meta = folder / "meta.json"
    if meta.is_file():
        try:
            brand = json.loads(_read_text(meta)).get("brand")
            if isinstance(brand, str) and brand:
                return brand
        except (ValueError, AttributeError):
            pass
    prop = folder / "getprop.txt"
    if prop.is_file():
        for line in _read_text(prop).splitlines():
            if line.startswith("[ro.product.brand]:"):
                return line.split(":", 1)[1].strip().strip("[]") or None
    # Folders named "<brand>-<codename>-<build>" (user-pasted lists carry no properties).
    return folder.name.split("-", 1)[0] or None


def oem_ids(ids: Iterable[str], family: VendorFamily) -> list[str]:
    return sorted(i for i in ids if any(_prefix_match(i, p) for p in family.oem_prefixes))


def measure(name: str, ids: Iterable[str], family: VendorFamily | None, db: PackageDB) -> Coverage:
    """Coverage of ``ids`` for ``family`` (no family: nothing is OEM-prefixed)."""
    ids = set(ids)
    oem = oem_ids(ids, family) if family else []
    classified = [i for i in oem if db.classified(i)]
    unclassified = [i for i in oem if not db.classified(i)]
    prefix_only = [i for i in unclassified if db.lookup(i) is not None]
    return Coverage(
        name=name,
        family=family.family if family else None,
        ids=len(ids),
        oem_ids=tuple(oem),
        classified=tuple(classified),
        unclassified=tuple(unclassified),
        prefix_only=tuple(prefix_only),
    )


def measure_folder(folder: Path, db: PackageDB) -> Coverage | None:
    """Coverage of one device folder, or None when it has no package list."""
    ids = read_package_ids(folder)
    if not ids:
        return None
    return measure(folder.name, ids, db.family_for_brand(device_brand(folder)), db)
