"""Parsers never raise on arbitrary input: junk yields empty or partial records, not crashes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from howsafe.parse import (
    parse_accessibility,
    parse_backup,
    parse_device_policy,
    parse_dumpsys_package,
    parse_dumpsys_settings,
    parse_getenforce,
    parse_getprop,
    parse_kernel_version,
    parse_notification_listeners,
    parse_pm_list,
    parse_ps,
    parse_root_binaries,
    parse_settings,
    split_dumpsys,
)
from parse import samples

PARSERS = (
    parse_accessibility, parse_backup, parse_device_policy, parse_dumpsys_package, parse_dumpsys_settings,
    parse_getenforce, parse_getprop, parse_kernel_version, parse_notification_listeners, parse_pm_list,
    parse_ps, parse_root_binaries, parse_settings, split_dumpsys,
)  # fmt: skip

# Fragments of real formats mixed with noise reach deeper branches than random bytes alone.
FRAGMENTS = [
    "[ro.a]: [", "]", "]: [", "\n", "\r\n", "package:", "=", "uid:", "installer=", "Packages:\n",
    "  Package [x] (1):\n", "    User 0: enabled=", "      runtime permissions:\n", "granted=true",
    "DUMP OF SERVICE x:\n", "Available transports:\n", "  * ", "Enabled services:{{a/b}}",
    "USER PID PPID NAME\n", "[", "{", "ComponentInfo{", "_id:1 name:a pkg:b value:",
    samples.DUMPSYS_PACKAGE[:400], samples.PS_A[:120],
]  # fmt: skip

mixed = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), mixed))
def test_no_parser_raises(data: bytes | str) -> None:
    for parse in PARSERS:
        parse(data)  # type: ignore[operator]
