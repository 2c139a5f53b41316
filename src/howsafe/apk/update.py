"""Refresh the εxodus tracker list from its public API (only ever called by ``howsafe kb update``).

The fetch function is injected (``fetch(url) -> bytes``) so the update is testable offline with a
function serving a saved real answer, and so this module never opens a connection by itself. The
new list is validated before it replaces anything, then written atomically next to a small meta
file (source, fetch time, SHA-256, count) that reports show as the data source's version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.fsio import atomic_write
from howsafe.kb.schema import ExodusTrackersFile, first_error, validate

EXODUS_API = "https://reports.exodus-privacy.eu.org/api/trackers"
#: A real answer lists hundreds of trackers; far fewer means a broken or truncated answer.
MIN_TRACKERS = 100
MAX_ANSWER = 64 * 1024 * 1024

from howsafe.http import Fetch  # noqa: E402 - the one fetch type


def _write_atomic(path: Path, data: bytes) -> None:
    atomic_write(path, data, error=KnowledgeError)


def update_trackers(dest_dir: Path, fetch: Fetch, *, now: Callable[[], dt.datetime] | None = None) -> str:
    """Fetch the εxodus list into ``dest_dir/trackers/``; returns a one-line summary.

    ``dest_dir`` is the knowledge-base cache folder (the same layout as the bundled data), so the
    fresh copy takes precedence over the bundled one from then on.
    """
    try:
        raw = fetch(EXODUS_API)
    except OSError as exc:
        raise KnowledgeError(f"could not fetch the εxodus tracker list: {exc}") from exc
    if len(raw) > MAX_ANSWER:
        raise KnowledgeError("εxodus tracker list answer is implausibly large")
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise KnowledgeError(f"εxodus tracker list is not JSON: {exc}") from exc
    try:  # audits and `howsafe apps` read the installed copy without validating it: check it here
        records = list(validate(doc, ExodusTrackersFile).trackers.values())
    except msgspec.ValidationError as exc:
        raise KnowledgeError(f"εxodus tracker list is invalid: {first_error(exc, doc, ExodusTrackersFile)}") from exc
    if len(records) < MIN_TRACKERS:
        raise KnowledgeError(f"εxodus tracker list has only {len(records)} trackers; keeping the current one")
    out = dest_dir / "trackers"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KnowledgeError(f"cannot create {out}: {exc.strerror or exc}") from exc
    stamp = (now or (lambda: dt.datetime.now(dt.UTC)))()
    dates = [r.creation_date or "" for r in records]
    meta = {
        "name": "εxodus tracker list",
        "source": EXODUS_API,
        "fetched": stamp.date().isoformat(),
        "as_of": max(dates) if dates else None,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "trackers": len(records),
        "licence": "ODbL-1.0",
    }
    _write_atomic(out / "exodus_trackers.json", raw)
    _write_atomic(out / "exodus_trackers.meta.json", json.dumps(meta, indent=1, ensure_ascii=False).encode())
    return f"εxodus trackers: {len(records)} trackers ({meta['fetched']})"
