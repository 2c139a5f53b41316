"""Pure parsers: text or bytes from a phone in, typed records out, no judgement.

One module per format. Every parser is tolerant of the quirks real devices and the people who
save their output produce (UTF-16 files from Windows shells, CRLF, values wrapped or cut by old
``getprop`` limits, lines glued together by copy and paste). What cannot be read is skipped and
counted, never guessed.
"""

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
