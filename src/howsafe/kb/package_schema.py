"""The shape of ``kb/data/packages/<family>.json``: validated with pydantic, exported as JSON Schema.

Why a schema: the files are edited by hand and replaced by ``howsafe kb update``; a typo in a role
or a missing source must fail loudly in a test, not silently mislabel a package at audit time.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from howsafe.kb.schema import KbModel

# Files looked for, in this order (the first family to describe an id owns it).
PACKAGE_FAMILIES: tuple[str, ...] = (
    "xiaomi",
    "samsung",
    "google",
    "huawei",
    "oppo",
    "vivo",
    "motorola",
    "qualcomm",
    "mediatek",
    "thirdparty",
    "aosp",
)

Role = Literal[
    "telemetry",
    "analytics",
    "ads",
    "cloud",
    "push",
    "store",
    "security",
    "system-critical",
    "system",
    "user-app",
    "carrier",
    "test",
    "account",
    "payment",
]

DataKind = Literal[
    "contacts",
    "call-log",
    "sms",
    "location",
    "device-ids",
    "account",
    "usage",
    "app-list",
    "crash-logs",
    "photos",
    "files",
    "audio",
    "camera",
    "network",
    "health",
    "payment",
    "browsing",
    "clipboard",
    "notifications",
    "calendar",
    "messages",
    "typed-text",
]

# How risky it is to disable a package, least to most (docs/removal-levels.md):
#   safe    nothing else depends on it; only its own feature (named in `breaks`, if any) stops
#   breaks  a named feature stops working (``breaks`` says which)
#   expert  system functions may fail in ways that are hard to diagnose; for people who can recover
#   never   the phone may stop booting, calling or installing; never disable (see removal/never.json)
#   unknown not reviewed: treated like ``expert``
# The Universal Android Debloater levels map Recommended->safe, Advanced->breaks, Expert->expert,
# Unsafe->never; an entry is never looser than that unless it carries ``override_reason``.
RemovalLevel = Literal["safe", "breaks", "expert", "never", "unknown"]
REMOVAL_LEVELS: tuple[RemovalLevel, ...] = ("safe", "breaks", "expert", "never", "unknown")
# Strictness rank used to compare levels (unknown counts as expert).
REMOVAL_RANK: dict[str, int] = {"safe": 0, "breaks": 1, "expert": 2, "unknown": 2, "never": 3}
# Older files (schema 1 before removal levels were split) said "may-not-boot" for "never".
_LEGACY_REMOVAL = {"may-not-boot": "never"}


def _legacy_removal(value: object) -> object:
    return _LEGACY_REMOVAL.get(value, value) if isinstance(value, str) else value


Removal = Annotated[RemovalLevel, BeforeValidator(_legacy_removal)]

_PKG_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_DOMAIN_RE = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _check_pkg(value: str) -> str:
    if not _PKG_RE.match(value):
        raise ValueError(f"not a package id: {value!r}")
    return value


def _check_domain(value: str) -> str:
    if not _DOMAIN_RE.match(value):
        raise ValueError(f"not a domain name: {value!r}")
    return value


Domain = Annotated[str, AfterValidator(_check_domain)]


class PackageEntry(KbModel):
    """What one package is and does, in our own words, with sources."""

    label: str | None = Field(default=None, description="The name a user sees, when known")
    vendor: str | None = Field(default=None, description="Overrides the file's vendor (third-party preloads)")
    role: Role
    data: tuple[DataKind, ...] = ()
    domains: tuple[Domain, ...] = ()
    removal: Removal
    breaks: str | None = Field(default=None, description="What stops working when disabled")
    account_bound: bool = Field(
        default=False,
        description="Tied to a signed-in vendor account (account, find device): sign out before disabling",
    )
    override_reason: str | None = Field(
        default=None,
        min_length=20,
        description="Why the removal level is looser than the Universal Android Debloater's (needs a source)",
    )
    override_source: str | None = Field(default=None, description="Source key or URL backing override_reason")
    jurisdiction: tuple[str, ...] = Field(default=(), description="ISO country codes where its data goes")
    hosted: str | None = Field(default=None, description="Where its servers are, in words, when known")
    description: str = Field(min_length=10)
    sources: tuple[str, ...] = Field(min_length=1, description="Keys of the file's sources or URLs")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.account_bound and self.removal == "safe":
            raise ValueError("an account-bound package is never 'safe' to disable (sign out first)")
        if (self.override_reason is None) != (self.override_source is None):
            raise ValueError("override_reason and override_source go together")
        return self


class PrefixRule(KbModel):
    """Fallback knowledge for ids under a prefix (lower confidence than an exact entry)."""

    prefix: str = Field(min_length=3)
    entry: PackageEntry


class VendorFile(KbModel):
    """One vendor family file."""

    schema_version: Literal[1] = 1
    family: str = Field(pattern=r"^[a-z0-9]+$")
    vendor: str
    brands: tuple[str, ...] = Field(default=(), description="ro.product.brand values of this family")
    oem_prefixes: tuple[str, ...] = Field(
        default=(), description="Package id prefixes that mark this vendor's own packages (coverage)"
    )
    headquarters: str = Field(description="ISO country code of the vendor's seat")
    china_rom_hosting: str | None = Field(
        default=None, description="Where China-ROM services send data (ISO code), when the vendor says"
    )
    notes: str = ""
    sources: dict[str, str] = Field(description="Source key -> URL or citation")
    patterns: tuple[PrefixRule, ...] = ()
    packages: dict[Annotated[str, AfterValidator(_check_pkg)], PackageEntry]


def json_schema() -> dict[str, object]:
    """JSON Schema of a family file (for editors and reviewers)."""
    return VendorFile.model_json_schema()
