"""Compiled knowledge: validated data kept in the user's cache folder so that later runs skip validating it.

Validating a knowledge file (msgspec models, row checks) can cost more than the rest of a typical
audit. A loader that has validated and indexed its files stores the result here as plain values
(tuples, lists, dicts, strings, numbers; written with :mod:`marshal`) under
``<cache>/compiled/<name>.marshal``, keyed by a SHA-256 of the input files' bytes and of the code
that validates and indexes them. A later run with the same key loads the plain values instead.

Why it never gives a wrong answer: a file changed by ``kb update`` or an upgrade changes the key,
so the old copy is not used (stale); a damaged copy fails its own SHA-256 (or, if written by some
other tool, the magic) and is rebuilt; only values that were validated first are ever stored. Why
it never crashes: any read problem means "no copy", and any write problem (a read-only or full
cache) only means validating every time. The copy lives in the user's own cache folder, which
only this user's howsafe writes.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from howsafe.errors import KnowledgeError
from howsafe.fsio import atomic_write
from howsafe.kb.base import KnowledgeBase

log = logging.getLogger(__name__)

MAGIC = b"howsafe-compiled-1\n"


def compiled_key(name: str, inputs: Iterable[tuple[str, bytes]], code: Iterable[Path]) -> str | None:
    """SHA-256 over the named inputs and the code files (None when the code cannot be read)."""
    h = hashlib.sha256(MAGIC + f"{marshal.version}\0{name}\0".encode())
    try:
        for path in code:
            data = path.read_bytes()
            h.update(f"{path.name}\0{len(data)}\0".encode())
            h.update(data)
    except OSError:  # installed without sources: a stale copy could not be told, so none is used
        return None
    for label, raw in inputs:
        h.update(f"\0{label}\0{len(raw)}\0".encode())
        h.update(raw)
    return h.hexdigest()


def _path(kb: KnowledgeBase, name: str) -> Path | None:
    return kb.cache_dir / "compiled" / f"{name}.marshal" if kb.cache_dir is not None else None


def read_compiled(kb: KnowledgeBase, name: str, key: str | None) -> Any:
    """The plain values stored for ``key``, or None (no cache folder, no copy, stale or damaged)."""
    path = _path(kb, name)
    if path is None or key is None:
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC)
    if blob[:head] != MAGIC:
        return None
    digest, payload = blob[head : head + 32], blob[head + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        stored = marshal.loads(payload)  # noqa: S302 - own file in the user's cache, SHA-256 checked above
    except (ValueError, TypeError, EOFError):
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != key:
        return None
    return stored[1]


def write_compiled(kb: KnowledgeBase, name: str, key: str | None, value: Any) -> None:
    """Store ``value`` (plain values only) for ``key``, atomically; failures are only logged."""
    path = _path(kb, name)
    if path is None or key is None:
        return
    try:
        payload = marshal.dumps((key, value))
    except ValueError as exc:  # a value marshal cannot hold: a programming error, not worth a crash
        log.debug("cannot compile %s: %s", name, exc)
        return
    blob = MAGIC + hashlib.sha256(payload).digest() + payload
    try:
        atomic_write(path, blob, error=KnowledgeError, make_parents=True)
    except KnowledgeError as exc:
        log.debug("no compiled %s: %s", name, exc)
