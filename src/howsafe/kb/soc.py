"""Which SoC vendor a phone's properties name: the one table ``kb/data/soc/vendors.toml``.

Used by the device identity (``Device.soc_manufacturer``) and by the vulnerability matcher (the
bulletin vendor whose chip rows apply), so both read the same facts.
"""

from __future__ import annotations

import re
from functools import cache

from howsafe.errors import KnowledgeError
from howsafe.kb.schema import KbRecord
from howsafe.kb.tables import bundled_toml

SOC_FILE = "soc/vendors.toml"


class SocVendor(KbRecord, frozen=True):
    name: str  # shown for the device
    bulletin: str  # its name in Android Security Bulletins
    declared: frozenset[str]  # ro.soc.manufacturer values (lower-case)
    platform: re.Pattern[str]  # matched from the start of a lower-cased platform/hardware value


@cache
def soc_vendors() -> tuple[SocVendor, ...]:
    """The vendors in file order (read once per process)."""
    try:
        return tuple(
            SocVendor(
                name=str(v["name"]),
                bulletin=str(v["bulletin"]),
                declared=frozenset(str(d).lower() for d in v["declared"]),
                platform=re.compile(str(v["platform"])),
            )
            for v in bundled_toml(SOC_FILE)["vendor"]
        )
    except (KeyError, TypeError, re.error) as exc:
        raise KnowledgeError(f"{SOC_FILE} is invalid: {exc}") from exc


def soc_vendor_for(value: str | None) -> SocVendor | None:
    """The vendor a property value names (a declared maker or a platform name), None when unknown."""
    low = (value or "").strip().lower()
    if not low:
        return None
    for vendor in soc_vendors():
        if low in vendor.declared or vendor.platform.match(low):
            return vendor
    return None
