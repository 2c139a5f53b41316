"""Saved snapshot JSON (``howsafe collect -o phone.json``): validated, versioned, re-redactable."""

from __future__ import annotations

import json

from msgspec.structs import replace

from howsafe.errors import CorruptInputError, InputError, RecordError, TooLargeError
from howsafe.model import SNAPSHOT_SCHEMA_VERSION, Snapshot, from_builtins, to_json
from howsafe.parse.pm_list import MAX_PACKAGES
from howsafe.parse.text import decode_text
from howsafe.sources.redact import redact_mapping

MAX_CONTAINERS = 500_000
"""Objects and arrays in one snapshot JSON. A real phone's snapshot has a few thousand (one per
package plus its lists); each costs hundreds of bytes once parsed, so the count is checked on the
text before parsing: a million tiny packages must not become gigabytes of Python objects."""
MAX_ITEMS = 4_000_000
"""Separators (``,``) in one snapshot JSON: bounds the number of values parsed."""


def _check_amplification(text: str, location: str) -> None:
    containers = text.count("{") + text.count("[")
    items = text.count(",")
    if containers > MAX_CONTAINERS or items > MAX_ITEMS:
        raise TooLargeError(
            f"{location}: {containers:,} objects/arrays and {items:,} values; a phone's snapshot has "
            f"far fewer (limits {MAX_CONTAINERS:,} and {MAX_ITEMS:,})"
        )


def _check_strings(raw: object, location: str) -> None:
    """Refuse lone UTF-16 surrogates (``"\\ud800"``) anywhere in the document: no phone output
    holds them, and such a string cannot be written back out as UTF-8 (a report, a store). NUL
    is kept: it is valid JSON text, and every writer escapes it."""
    stack: list[tuple[object, str]] = [(raw, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if value.isascii():
                continue
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                shown = "".join(c if c.isprintable() else "?" for c in where[:120]) or "top level"
                raise CorruptInputError(
                    f"{location}: invalid snapshot at {shown}: a string holds a lone UTF-16 surrogate"
                ) from None
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, where))
                stack.append((item, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list):
            stack.extend((item, f"{where}.{i}") for i, item in enumerate(value))


def snapshot_from_json(data: bytes | str, *, location: str, redact: bool = True) -> Snapshot:
    """Parse and validate a saved snapshot.

    A snapshot saved with ``--no-redact`` is redacted on load unless ``redact`` is False, so a
    report never shows identifiers the user did not ask to keep.
    """
    text = decode_text(data)
    _check_amplification(text, location)
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CorruptInputError(f"{location}: not valid JSON ({exc})".replace("\n", " ")) from exc
    del text
    if not isinstance(raw, dict) or "schema_version" not in raw or "device" not in raw:
        raise InputError(f"{location}: JSON, but not a howsafe snapshot (no schema_version/device)")
    version = raw.get("schema_version")
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise InputError(
            f"{location}: snapshot schema_version {version!r} is not supported "
            f"(this howsafe reads version {SNAPSHOT_SCHEMA_VERSION}); collect it again"
        )
    packages = raw.get("packages")
    if isinstance(packages, list) and len(packages) > MAX_PACKAGES:
        raise TooLargeError(
            f"{location}: {len(packages):,} packages; a phone has a few thousand (limit {MAX_PACKAGES:,})"
        )
    _check_strings(raw, location)
    try:
        snapshot = from_builtins(raw, Snapshot)
    except RecordError as exc:
        raise CorruptInputError(f"{location}: invalid snapshot {exc}") from exc
    if redact and not snapshot.redacted:
        snapshot = replace(
            snapshot,
            properties=redact_mapping(snapshot.properties),
            settings={ns: redact_mapping(t) for ns, t in snapshot.settings.items()},
            redacted=True,
        )
    return snapshot


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The stable on-disk form (what ``collect -o`` writes)."""
    return to_json(snapshot, indent=1) + "\n"
