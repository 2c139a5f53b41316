"""Typed results of the APK scanner (frozen: checks and reports only read them).

``AppReport`` is what one input (an APK, a split set, a bundle, a jar) yields. A file that cannot be
analysed is still an ``AppReport``, with ``error`` set to a stable code (``zip_bomb``,
``truncated_dex`` ...) and ``error_detail`` to one human line: "could not check" is data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class TrackerHit:
    """One tracker found in one app, with the classes that prove it."""

    name: str
    exodus_id: int | None
    categories: tuple[str, ...]
    company: str | None
    origin: Literal["exodus", "howsafe"]
    signatures: tuple[str, ...]
    classes: tuple[str, ...]
    class_count: int
    confidence: Confidence = "high"
    reason: str = ""
    website: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class AppPart:
    """One APK of a split set or bundle."""

    name: str
    split: str | None
    dex_files: tuple[tuple[str, int], ...]
    classes: int


@dataclass(frozen=True, slots=True)
class AppReport:
    """What one scanned input holds."""

    path: str
    kind: str = "apk"
    package: str | None = None
    version_name: str | None = None
    version_code: int | None = None
    label: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    permissions: tuple[str, ...] = ()
    signer_sha256: tuple[str, ...] = ()
    trackers: tuple[TrackerHit, ...] = ()
    classes_scanned: int = 0
    dex_files: tuple[tuple[str, int], ...] = ()
    parts: tuple[AppPart, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def version(self) -> str | None:
        return self.version_name

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return asdict(self)
