"""The shape of ``kb/data/packages/<family>.json``: validated with msgspec, exported as JSON Schema.

Why a schema: the files are edited by hand and replaced by ``howsafe kb update``; a typo in a role
or a missing source must fail loudly in a test, not silently mislabel a package at audit time.
Why msgspec: see :mod:`howsafe.kb.schema` (pydantic's import was a third of an audit's start-up).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

from howsafe.kb.schema import END, KbModel

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
# Older files (schema 1 before removal levels were split) said "may-not-boot" for "never": still
# read, and turned into "never" by PackageEntry.__post_init__ (msgspec has no before-validators).
_LEGACY_REMOVAL: dict[str, RemovalLevel] = {"may-not-boot": "never"}
Removal = RemovalLevel | Literal["may-not-boot"]

# Python's re, with match semantics as before (msgspec searches, hence the ^)
_PKG_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_DOMAIN_RE = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$")

PackageId = Annotated[str, msgspec.Meta(pattern=_PKG_RE.pattern, description="A package id")]
Domain = Annotated[str, msgspec.Meta(pattern=_DOMAIN_RE.pattern, description="A domain name")]


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class PackageEntry(KbModel, frozen=True, kw_only=True):
    """What one package is and does, in our own words, with sources."""

    label: Annotated[str | None, _doc("The name a user sees, when known")] = None
    vendor: Annotated[str | None, _doc("Overrides the file's vendor (third-party preloads)")] = None
    role: Role
    data: tuple[DataKind, ...] = ()
    domains: tuple[Domain, ...] = ()
    removal: Removal  # always a RemovalLevel once validated ("may-not-boot" is read as "never")
    breaks: Annotated[str | None, _doc("What stops working when disabled")] = None
    account_bound: Annotated[
        bool, _doc("Tied to a signed-in vendor account (account, find device): sign out before disabling")
    ] = False
    override_reason: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=20,
                description="Why the removal level is looser than the Universal Android Debloater's (needs a source)",
            ),
        ]
        | None
    ) = None
    override_source: Annotated[str | None, _doc("Source key or URL backing override_reason")] = None
    jurisdiction: Annotated[tuple[str, ...], _doc("ISO country codes where its data goes")] = ()
    hosted: Annotated[str | None, _doc("Where its servers are, in words, when known")] = None
    description: Annotated[str, msgspec.Meta(min_length=10)]
    sources: Annotated[tuple[str, ...], msgspec.Meta(min_length=1, description="Keys of the file's sources or URLs")]

    def __post_init__(self) -> None:
        """The checks across fields (a ValueError here is a ValidationError naming the entry)."""
        if self.removal in _LEGACY_REMOVAL:
            msgspec.structs.force_setattr(self, "removal", _LEGACY_REMOVAL[self.removal])
        if self.account_bound and self.removal == "safe":
            raise ValueError("an account-bound package is never 'safe' to disable (sign out first)")
        if (self.override_reason is None) != (self.override_source is None):
            raise ValueError("override_reason and override_source go together")


class PrefixRule(KbModel, frozen=True, kw_only=True):
    """Fallback knowledge for ids under a prefix (lower confidence than an exact entry)."""

    prefix: Annotated[str, msgspec.Meta(min_length=3)]
    entry: PackageEntry


class VendorFile(KbModel, frozen=True, kw_only=True):
    """One vendor family file."""

    schema_version: Literal[1] = 1
    family: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+" + END)]
    vendor: str
    brands: Annotated[tuple[str, ...], _doc("ro.product.brand values of this family")] = ()
    oem_prefixes: Annotated[
        tuple[str, ...], _doc("Package id prefixes that mark this vendor's own packages (coverage)")
    ] = ()
    headquarters: Annotated[str, _doc("ISO country code of the vendor's seat")]
    china_rom_hosting: Annotated[
        str | None, _doc("Where China-ROM services send data (ISO code), when the vendor says")
    ] = None
    notes: str = ""
    sources: Annotated[dict[str, str], _doc("Source key -> URL or citation")]
    patterns: tuple[PrefixRule, ...] = ()
    packages: dict[PackageId, PackageEntry]


def json_schema() -> dict[str, object]:
    """JSON Schema of a family file (for editors and reviewers): the VendorFile object at the top,
    the nested definitions under ``$defs``."""
    schema = msgspec.json.schema(VendorFile)
    defs = dict(schema["$defs"])
    return {**defs.pop("VendorFile"), "$defs": defs}
