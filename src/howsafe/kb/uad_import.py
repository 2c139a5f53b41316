"""Import a user's own copy of the Universal Android Debloater (NG) list at run time.

The UAD list is GPL-3.0, so howsafe never bundles it. A user who has a copy may import it with
``howsafe kb import-uad FILE``: we validate it, keep a converted copy (id, list, removal level and
the list's own description) in the user's data folder, and lookups consult it for ids the bundled
knowledge does not describe, marked ``UAD (user import)``.

Hostile input is normal here: the file is size-bounded, every entry is checked, and a file that is
mostly not a UAD list is refused as a whole.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from howsafe.errors import InputError, KnowledgeError, TooLargeError
from howsafe.fsio import atomic_write
from howsafe.kb.schema import KbRecord

log = logging.getLogger(__name__)

UAD_SOURCE_LABEL = "UAD (user import)"
MAX_UAD_BYTES = 64 * 1024 * 1024
MAX_DESCRIPTION = 4000
_IMPORT_NAME = "uad_import.json"
_FORMAT = "howsafe-uad-import/1"

UAD_LISTS = frozenset({"Oem", "Google", "Aosp", "Carrier", "Misc", "Pending", "Unlisted"})
UAD_REMOVAL = {
    "Recommended": "safe",
    "Advanced": "breaks",
    "Expert": "expert",
    "Unsafe": "never",
    "Unlisted": "unknown",
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_PKG_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")


class ImportedEntry(KbRecord, frozen=True):
    """One id from the user's UAD list, converted."""

    list: str
    removal: str
    description: str = ""

    @property
    def removal_level(self) -> str:
        """UAD's removal class mapped to howsafe's safe / breaks / expert / never."""
        return UAD_REMOVAL.get(self.removal, "unknown")


class ImportResult(KbRecord, frozen=True):
    path: Path
    imported: int
    skipped: int


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("howsafe", appauthor=False))


def import_path() -> Path:
    """Where the converted copy lives (per user; never inside the package)."""
    return user_data_dir() / _IMPORT_NAME


def convert_uad(raw: bytes) -> tuple[dict[str, ImportedEntry], int]:
    """Validate a UAD NG ``uad_lists.json`` and convert it; returns (entries, skipped count)."""
    if len(raw) > MAX_UAD_BYTES:
        raise TooLargeError(f"UAD list is larger than {MAX_UAD_BYTES // (1024 * 1024)} MiB")
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise InputError("not a UAD list: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, a 5,000-digit integer
        raise InputError(f"not a UAD list: invalid JSON ({str(exc)[:200]})") from exc
    if isinstance(doc, list):  # older UAD releases: a list of objects with an "id" field
        doc = {str(e.get("id")): e for e in doc if isinstance(e, dict)}
    if not isinstance(doc, dict) or not doc:
        raise InputError("not a UAD list: expected a JSON object keyed by package id")
    out: dict[str, ImportedEntry] = {}
    skipped = 0
    for pid, entry in doc.items():
        if (
            not isinstance(pid, str)
            or not _PKG_RE.match(pid)
            or not isinstance(entry, dict)
            or entry.get("list") not in UAD_LISTS
            or entry.get("removal") not in UAD_REMOVAL
        ):
            skipped += 1
            continue
        desc = entry.get("description")
        out[pid] = ImportedEntry(
            list=str(entry["list"]),
            removal=str(entry["removal"]),
            description=_clean_text(desc[:MAX_DESCRIPTION]) if isinstance(desc, str) else "",
        )
    if not out or skipped > len(out):
        raise InputError(f"not a UAD list: {skipped} of {len(doc)} entries lack a valid id, list or removal")
    return out, skipped


def _clean_text(text: str) -> str:
    """The text with lone surrogates (valid JSON escapes, invalid Unicode) replaced by U+FFFD,
    so that it can be written as UTF-8 and shown."""
    return _SURROGATE.sub("\ufffd", text)


def import_uad(source: Path, dest: Path | None = None) -> ImportResult:
    """Validate ``source`` and store the converted copy atomically at ``dest`` (default: user dir)."""
    try:
        size = source.stat().st_size
        if not source.is_file():  # a FIFO blocks forever, /dev/zero never ends
            raise InputError(f"cannot read {source}: not a regular file")
        if size > MAX_UAD_BYTES:
            raise TooLargeError(f"{source}: larger than {MAX_UAD_BYTES // (1024 * 1024)} MiB")
        raw = source.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc
    entries, skipped = convert_uad(raw)
    dest = dest or import_path()
    payload = {
        "format": _FORMAT,
        "note": "Converted from the user's own copy of the UAD NG list (GPL-3.0); local use only.",
        "source_file": source.name,
        "packages": {
            pid: {"list": e.list, "removal": e.removal, "description": e.description}
            for pid, e in sorted(entries.items())
        },
    }
    try:
        data = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    except ValueError as exc:  # text that cannot be encoded
        raise KnowledgeError(f"cannot store the UAD import at {dest}: {exc}") from exc
    atomic_write(
        dest,
        data,
        error=lambda msg: KnowledgeError(
            f"cannot store the UAD import at {dest}: {msg.removeprefix(f'cannot write {dest}: ')}"
        ),
        make_parents=True,
    )
    log.info("imported %d UAD entries (%d skipped) into %s", len(entries), skipped, dest)
    return ImportResult(path=dest, imported=len(entries), skipped=skipped)


def load_imported(path: Path | None = None) -> Mapping[str, ImportedEntry]:
    """The user's converted UAD copy, or an empty mapping; a damaged copy is ignored with a warning."""
    path = path or import_path()
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format") != _FORMAT:
            raise ValueError("unknown format")
        pkgs = doc["packages"]
        return {
            pid: ImportedEntry(str(e["list"]), str(e["removal"]), str(e.get("description", "")))
            for pid, e in pkgs.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("ignoring the damaged UAD import at %s: %s", path, exc)
        return {}
