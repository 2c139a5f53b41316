"""Saved snapshot JSON (``howsafe collect -o phone.json``): validated, versioned, re-redactable."""

from __future__ import annotations

import json

from pydantic import ValidationError

from howsafe.errors import CorruptInputError, InputError
from howsafe.model import SNAPSHOT_SCHEMA_VERSION, Snapshot
from howsafe.parse.text import decode_text
from howsafe.sources.redact import redact_mapping


def snapshot_from_json(data: bytes | str, *, location: str, redact: bool = True) -> Snapshot:
    """Parse and validate a saved snapshot.

    A snapshot saved with ``--no-redact`` is redacted on load unless ``redact`` is False, so a
    report never shows identifiers the user did not ask to keep.
    """
    try:
        raw = json.loads(decode_text(data))
    except (ValueError, RecursionError) as exc:
        raise CorruptInputError(f"{location}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict) or "schema_version" not in raw or "device" not in raw:
        raise InputError(f"{location}: JSON, but not a howsafe snapshot (no schema_version/device)")
    version = raw.get("schema_version")
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise InputError(
            f"{location}: snapshot schema_version {version!r} is not supported "
            f"(this howsafe reads version {SNAPSHOT_SCHEMA_VERSION}); collect it again"
        )
    try:
        snapshot = Snapshot.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise CorruptInputError(
            f"{location}: invalid snapshot at {where or 'top level'}: {first.get('msg')}"
        ) from exc
    if redact and not snapshot.redacted:
        snapshot = snapshot.model_copy(
            update={
                "properties": redact_mapping(snapshot.properties),
                "settings": {ns: redact_mapping(t) for ns, t in snapshot.settings.items()},
                "redacted": True,
            }
        )
    return snapshot


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The stable on-disk form (what ``collect -o`` writes)."""
    return snapshot.model_dump_json(indent=1) + "\n"
