"""Pure parsers: text or bytes from a phone in, typed records out, no judgement.

One module per format. Every parser is tolerant of the quirks real devices and the people who
save their output produce (UTF-16 files from Windows shells, CRLF, values wrapped or cut by old
``getprop`` limits, lines glued together by copy and paste). What cannot be read is skipped and
counted, never guessed.

The names below are imported on first use (PEP 562): ``howsafe apps`` needs only the number
reader (:mod:`howsafe.parse.numbers`), and importing it must not load every device-output parser
with its patterns and record types (start-up cost, issue 13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe._lazy import lazy_attributes

if TYPE_CHECKING:
    from howsafe.parse.dumpsys import (
        BackupState,
        parse_accessibility,
        parse_backup,
        parse_device_policy,
        parse_notification_listeners,
        split_dumpsys,
    )
    from howsafe.parse.dumpsys_package import DumpsysPackage, parse_dumpsys_package
    from howsafe.parse.getprop import GetpropResult, parse_getprop
    from howsafe.parse.misc import parse_getenforce, parse_kernel_version, parse_root_binaries
    from howsafe.parse.pm_list import PmPackage, parse_pm_list
    from howsafe.parse.ps import parse_ps
    from howsafe.parse.settings import parse_dumpsys_settings, parse_settings
    from howsafe.parse.text import decode_text

_WHERE = {
    "BackupState": "howsafe.parse.dumpsys",
    "parse_accessibility": "howsafe.parse.dumpsys",
    "parse_backup": "howsafe.parse.dumpsys",
    "parse_device_policy": "howsafe.parse.dumpsys",
    "parse_notification_listeners": "howsafe.parse.dumpsys",
    "split_dumpsys": "howsafe.parse.dumpsys",
    "DumpsysPackage": "howsafe.parse.dumpsys_package",
    "parse_dumpsys_package": "howsafe.parse.dumpsys_package",
    "GetpropResult": "howsafe.parse.getprop",
    "parse_getprop": "howsafe.parse.getprop",
    "parse_getenforce": "howsafe.parse.misc",
    "parse_kernel_version": "howsafe.parse.misc",
    "parse_root_binaries": "howsafe.parse.misc",
    "PmPackage": "howsafe.parse.pm_list",
    "parse_pm_list": "howsafe.parse.pm_list",
    "parse_ps": "howsafe.parse.ps",
    "parse_dumpsys_settings": "howsafe.parse.settings",
    "parse_settings": "howsafe.parse.settings",
    "decode_text": "howsafe.parse.text",
}


__getattr__ = lazy_attributes(__name__, _WHERE, globals())


__all__ = [
    "BackupState",
    "DumpsysPackage",
    "GetpropResult",
    "PmPackage",
    "decode_text",
    "parse_accessibility",
    "parse_backup",
    "parse_device_policy",
    "parse_dumpsys_package",
    "parse_dumpsys_settings",
    "parse_getenforce",
    "parse_getprop",
    "parse_kernel_version",
    "parse_notification_listeners",
    "parse_pm_list",
    "parse_ps",
    "parse_root_binaries",
    "parse_settings",
    "split_dumpsys",
]
