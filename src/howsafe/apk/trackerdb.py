"""The tracker database: the εxodus list plus howsafe's own additions, loaded once per KB.

Both files live in ``kb/data/trackers/`` (an updated εxodus copy in the user cache wins, see
:class:`~howsafe.kb.KnowledgeBase`). Signatures are literal substrings of class names; as in
exodus-core, alternatives of 3 characters or fewer are dropped (an empty one would match every
class), which is why εxodus entries with an empty signature never match by themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase

EXODUS_FILE = "trackers/exodus_trackers.json"
EXODUS_META = "trackers/exodus_trackers.meta.json"
HOWSAFE_FILE = "trackers/howsafe_trackers.json"
MIN_SIGNATURE_LEN = 4


class TrackerDef(NamedTuple):
    """One tracker: its name, where it comes from and the class-name signatures that find it.

    The three records here are named tuples rather than frozen dataclasses: every ``apps`` and
    ``audit`` run builds the database (about 450 records), and a named tuple's class is made
    without compiling methods and its instances without one ``object.__setattr__`` per field."""

    name: str
    exodus_id: int | None
    categories: tuple[str, ...]
    company: str | None
    signatures: tuple[str, ...]
    origin: str
    website: str | None
    source: str
    country: str | None = None


class TrackerDB(NamedTuple):
    trackers: tuple[TrackerDef, ...]
    exodus_version: str
    exodus_count: int
    exodus_updated: bool

    def by_name(self, name: str) -> TrackerDef | None:
        return next((t for t in self.trackers if t.name == name), None)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"tracker data {path.name} is unreadable: {exc}") from exc


class ExodusRecord(NamedTuple):
    """The fields howsafe reads from one εxodus tracker record."""

    id: int
    name: str
    code_signature: str
    categories: tuple[str, ...]
    website: str | None


def exodus_records(raw: object) -> list[ExodusRecord]:
    """The tracker records of an εxodus list (``{"trackers": {"<id>": {...}}}``), read without
    validation: ``howsafe apps`` validates nothing, and the file is validated with
    :class:`~howsafe.kb.schema.ExodusTrackersFile` in the tests (bundled copy) and by ``kb update``
    before it installs a new one. A file of another shape is one KnowledgeError."""
    try:
        out = []
        for rec in raw["trackers"].values():  # type: ignore[index]
            tid, name = rec["id"], rec["name"]
            if not isinstance(tid, int) or isinstance(tid, bool) or not isinstance(name, str):
                raise TypeError(f"tracker {tid!r} needs an integer id and a text name")
            cats = rec.get("categories") or []
            out.append(
                ExodusRecord(
                    id=tid,
                    name=name,
                    code_signature=str(rec.get("code_signature") or ""),
                    categories=tuple(str(c) for c in cats) if isinstance(cats, list) else (),
                    website=str(rec.get("website") or "") or None,
                )
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"εxodus tracker list is invalid: {exc}") from exc
    return out


def _sigs(parts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in parts if len(s) >= MIN_SIGNATURE_LEN))


def load_tracker_db(kb: KnowledgeBase) -> TrackerDB:
    """Load (memoised per KnowledgeBase) the combined tracker database."""
    return kb.memo("apk.trackerdb", lambda: _load_or_explain(kb))


def _load_or_explain(kb: KnowledgeBase) -> TrackerDB:
    try:
        return _load(kb)
    except KnowledgeError as exc:
        updated = [n for n in (EXODUS_FILE, EXODUS_META) if kb.is_updated(n)]
        if updated and kb.cache_dir is not None:  # a damaged download: say which and how to recover
            where = ", ".join(str(kb.cache_dir / n) for n in updated)
            raise KnowledgeError(f"{exc} (updated copy: {where}); run `howsafe kb update` again or delete it") from exc
        raise


def _load(kb: KnowledgeBase) -> TrackerDB:
    exodus_path = kb.find(EXODUS_FILE)
    own_path = kb.find(HOWSAFE_FILE)
    assert exodus_path is not None and own_path is not None
    exodus = exodus_records(_read_json(exodus_path))
    own = _read_json(own_path)
    if not isinstance(own, dict):
        raise KnowledgeError("howsafe_trackers.json is not an object")
    companies: dict[str, str] = own.get("companies", {}).get("by_exodus_id", {})
    countries: dict[str, str] = own.get("companies", {}).get("countries", {})
    trackers: list[TrackerDef] = []
    for rec in exodus:
        tid = rec.id
        trackers.append(
            TrackerDef(
                name=rec.name,
                exodus_id=tid,
                categories=tuple(rec.categories),
                company=companies.get(str(tid)),
                signatures=_sigs(rec.code_signature.split("|")),
                origin="exodus",
                website=rec.website or None,
                source=f"https://reports.exodus-privacy.eu.org/trackers/{tid}/",
                country=countries.get(companies.get(str(tid), "")),
            )
        )
    for rec in own.get("trackers", []):
        try:
            trackers.append(
                TrackerDef(
                    name=rec["name"],
                    exodus_id=rec.get("exodus_id"),
                    categories=tuple(rec["categories"]),
                    company=rec.get("company"),
                    signatures=_sigs(list(rec["signatures"])),
                    origin="howsafe",
                    website=rec.get("website"),
                    source=rec["source"],
                    country=countries.get(rec.get("company", "")),
                )
            )
        except (KeyError, TypeError) as exc:
            raise KnowledgeError(f"howsafe_trackers.json entry is invalid: {rec!r}") from exc
    version = "bundled"
    meta_path = kb.find(EXODUS_META, required=False)
    if meta_path is not None:
        meta = _read_json(meta_path)
        if isinstance(meta, dict):
            version = str(meta.get("fetched") or meta.get("as_of") or "bundled")
    return TrackerDB(
        trackers=tuple(trackers),
        exodus_version=version,
        exodus_count=len(exodus),
        exodus_updated=kb.is_updated(EXODUS_FILE),
    )
