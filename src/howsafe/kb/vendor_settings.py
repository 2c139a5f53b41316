"""OEM settings keys that switch vendor data collection (user experience programs, ads, diagnostics).

Data in ``kb/data/vendor_settings/<family>.json``; each entry names the settings namespace and key,
which values mean "on" (or which bits, for bit-field keys such as MIUI's personalised-ads flag),
where the data goes when known, and public sources (decompiled framework code, privacy policies).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.package_schema import PACKAGE_FAMILIES
from howsafe.kb.schema import END, KbModel, KbRecord, first_error, validate
from howsafe.parse.numbers import strict_int

State = Literal["on", "off", "unknown"]


class SettingEntry(KbModel, frozen=True, kw_only=True):
    """One settings key that switches vendor collection."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]+" + END)]
    title: str
    namespace: Literal["global", "secure", "system"]
    key: Annotated[str, msgspec.Meta(min_length=1)]
    on_values: tuple[str, ...] = ()
    off_values: tuple[str, ...] = ()
    on_bits: Annotated[int | None, msgspec.Meta(description="Integer bit field: any of these bits set = on")] = None
    role: Literal["telemetry", "analytics", "ads", "cloud"]
    what: str
    menu: str = ""
    domains: tuple[str, ...] = ()
    hosted: str | None = None
    confidence: Literal["high", "medium", "low"] = "high"
    sources: Annotated[tuple[str, ...], msgspec.Meta(min_length=1)]

    def state(self, value: str | None) -> State:
        """Interpret a raw settings value; unrecognised values are 'unknown', never guessed."""
        if value is None:
            return "unknown"
        v = value.strip()
        if self.on_bits is not None:
            n = strict_int(v, signed=True)
            if n is None:
                return "unknown"
            return "on" if n & self.on_bits else "off"
        if v in self.on_values:
            return "on"
        if v in self.off_values:
            return "off"
        return "unknown"


class SettingsFile(KbModel, frozen=True, kw_only=True):
    schema_version: Literal[1] = 1
    family: str
    settings: tuple[SettingEntry, ...]


class VendorSettings(KbRecord, frozen=True):
    """All known collection switches, per vendor family."""

    by_family: dict[str, tuple[SettingEntry, ...]]

    def for_family(self, family: str | None) -> tuple[SettingEntry, ...]:
        return self.by_family.get(family or "", ())

    def all(self) -> tuple[SettingEntry, ...]:
        return tuple(e for entries in self.by_family.values() for e in entries)


def _load(kb: KnowledgeBase) -> VendorSettings:
    out: dict[str, tuple[SettingEntry, ...]] = {}
    for family in PACKAGE_FAMILIES:
        name = f"vendor_settings/{family}.json"
        path = kb.find(name, required=False)
        if path is None:
            continue
        try:
            raw = json.loads(path.read_bytes())
        except (OSError, json.JSONDecodeError) as exc:
            raise KnowledgeError(f"vendor settings {name} is invalid: {exc}") from exc
        try:
            doc = validate(raw, SettingsFile)
        except msgspec.ValidationError as exc:
            raise KnowledgeError(f"vendor settings {name} is invalid: {first_error(exc, raw, SettingsFile)}") from exc
        out[doc.family] = doc.settings
    return VendorSettings(out)


def vendor_settings(kb: KnowledgeBase) -> VendorSettings:
    """The vendor settings knowledge of ``kb``, loaded once."""
    return kb.memo("howsafe.kb.vendor_settings", lambda: _load(kb))
