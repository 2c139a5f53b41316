"""Bulletin component knowledge (``kb/data/vulns/components.toml``), read once on first use.

Which vendor a component heading or OSV package names, that vendor's role (SoC, phone maker or
part maker), the words that mark media and framework components, the components outside a phone
and the severity words.
"""

from __future__ import annotations

import re
from functools import cache

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb.tables import bundled_toml
from howsafe.model import Severity
from howsafe.vulns.model import VendorRole

COMPONENTS_FILE = "vulns/components.toml"


class BulletinVendor(msgspec.Struct, frozen=True):
    key: str
    name: str
    role: VendorRole
    brands: frozenset[str]
    prefix_only: bool
    word: re.Pattern[str]  # the key as a whole word


class Components(msgspec.Struct, frozen=True):
    vendors: tuple[BulletinVendor, ...]
    by_name: dict[str, BulletinVendor]
    type_phrases: tuple[tuple[str, str], ...]
    severity: dict[str, Severity]  # a bulletin's severity word (lower-case) -> severity
    not_phone: frozenset[str]  # lower-case component names outside a phone
    media: tuple[str, ...]
    framework: tuple[str, ...]


@cache
def components() -> Components:
    raw = bundled_toml(COMPONENTS_FILE)
    try:
        vendors = tuple(
            BulletinVendor(
                key=str(v["key"]),
                name=str(v["name"]),
                role=VendorRole(v["role"]),
                brands=frozenset(str(b) for b in v.get("brands", ())),
                prefix_only=bool(v.get("prefix_only", False)),
                word=re.compile(rf"(?<![a-z]){re.escape(str(v['key']))}(?![a-z])"),
            )
            for v in raw["vendor"]
        )
        words = raw["words"]
        return Components(
            vendors=vendors,
            by_name={v.name: v for v in vendors},
            type_phrases=tuple((str(p), str(c)) for p, c in words["type_phrases"]),
            severity={str(k): Severity(v) for k, v in raw["severity"].items()},
            not_phone=frozenset(str(w) for w in words["not_phone"]),
            media=tuple(str(w) for w in words["media"]),
            framework=tuple(str(w) for w in words["framework"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"{COMPONENTS_FILE} is invalid: {exc}") from exc


def vendor_in(text: str) -> str | None:
    """The vendor a component heading or package name names as a whole word (first in file order)."""
    low = f" {text.lower()} "
    for v in components().vendors:
        if not v.prefix_only and v.word.search(low):
            return v.name
    return None


def vendor_prefixing(component: str) -> str | None:
    """A part maker named only at the start of a 2019+ facts-table component ("FPC ...")."""
    low = component.lower()
    for v in components().vendors:
        if v.prefix_only and low.startswith(v.key):
            return v.name
    return None


def vendor_role(vendor: str) -> VendorRole:
    """A vendor's role; a vendor the table does not list is a part maker."""
    known = components().by_name.get(vendor)
    return known.role if known else VendorRole.PART


def oem_brands(vendor: str) -> frozenset[str]:
    """Brand/manufacturer names (lower-case) of a phone maker's devices."""
    known = components().by_name.get(vendor)
    return known.brands if known else frozenset()
