"""Redaction of device and personal identifiers before a snapshot is stored or shown.

Why here, at the source edge: a snapshot is written to disk, pasted into issues and rendered into
reports; serial numbers, IMEI/MEID, ICCID/IMSI, phone numbers, MAC/Bluetooth addresses and account
names must not travel with it unless the owner asks (``--no-redact``). Keys are matched by the
identifier they name (the keys real phones use, including vendor spellings such as
``ro.ril.miui.imei0``, ``persist.radio.factory_sn`` or ``ro.meizu.hardware.sn``); values are also
checked for shapes that are identifiers wherever they appear (e-mail addresses, MAC addresses,
IMEIs, international phone numbers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

REDACTED = "<redacted>"

_KEY_PATTERNS = re.compile(
    r"imei|meid|iccid|imsi|msisdn|serialno|serial_no|serialnum|(^|[._])serial$|"
    r"(^|[._])sn($|[._])|_sn$|_sn\.|\.sn$|net_sn|emmc_sn|"
    r"mac_?addr|wifimac|wifi\.mac|btmac|bt\.mac|bdaddr|bluetooth_address|bluetooth\.address|"
    r"uuid|cpuid|deviceid|device_id|android_id|hwmultimsim|meida_controller_music|"
    r"phone_?number|line1|msisdn|e_?mail|account_?name|owner_info|"
    r"^bluetooth_name$|^device_name$|^persist\.sys\.device_name$|^net\.hostname$",
    re.IGNORECASE,
)

# The look-behind makes a match start only where a run of local-part characters starts: without it
# the scan restarts at every character of a long run that has no ``@`` (quadratic on 300 KB values).
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_MAC = re.compile(r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b")
_PHONE = re.compile(r"^\+[0-9]{7,15}$")
_DIGITS15 = re.compile(r"^[0-9]{15}$")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_sensitive_key(key: str) -> bool:
    """True when a property or setting key names a device or personal identifier."""
    return bool(_KEY_PATTERNS.search(key))


def redact_value(value: str) -> str:
    """Mask identifier-shaped parts of a value whose key looked harmless."""
    if not value:
        return value
    stripped = value.strip()
    if _PHONE.match(stripped) or (_DIGITS15.match(stripped) and _luhn_ok(stripped)):
        return REDACTED
    if "@" in value:
        value = _EMAIL.sub(REDACTED, value)
    return _MAC.sub(REDACTED, value) if ":" in value else value


def redact_mapping(values: Mapping[str, str]) -> dict[str, str]:
    """Redact a key -> value table (properties or one settings namespace). Empty values stay empty."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value and is_sensitive_key(key):
            out[key] = REDACTED
        else:
            out[key] = redact_value(value)
    return out
