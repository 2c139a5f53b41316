"""Every text parser and the redactor do work linear in their input.

Each case builds a hostile input of size ``n`` and ``4n`` (more lines, longer lines, or deeper
nesting) and compares the CPU time the parser spends on each (the best of three runs, so another
process on the machine does not count). Linear work grows about 4x, quadratic work 16x; the bound
of 8x is generous both ways. These are the shapes that hung the CLI before: two million settings
continuation lines, 200k root-binary lines, a dumpsys accessibility line of repeated ``{``, a
megabyte property value through the redactor, millions of package lines.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

import pytest

from howsafe.parse import (
    parse_accessibility,
    parse_device_policy,
    parse_dumpsys_package,
    parse_dumpsys_settings,
    parse_getprop,
    parse_notification_listeners,
    parse_pm_list,
    parse_ps,
    parse_root_binaries,
    parse_settings,
    split_dumpsys,
)
from howsafe.parse.jsonsafe import load_members
from howsafe.sources.bugreport import outputs_from_bugreport_text
from howsafe.sources.redact import redact_mapping, redact_value

LINEAR_BOUND = 8.0


def cpu_seconds(fn: Callable[[str], object], arg: str) -> float:
    """Best of three CPU times, with the cyclic GC off (its passes scale with everything else the
    test process holds, which is not the parser's work)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            start = time.process_time()
            fn(arg)
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return max(best, 1e-3)


def assert_linear(fn: Callable[[str], object], make: Callable[[int], str], n: int) -> None:
    small, large = make(n), make(4 * n)
    assert len(large) >= 3 * len(small)
    ratio = cpu_seconds(fn, large) / cpu_seconds(fn, small)
    assert ratio < LINEAR_BOUND, f"4x the input took {ratio:.1f}x the CPU time"


CASES: dict[str, tuple[Callable[[str], object], Callable[[int], str], int]] = {
    # lines
    "settings continuation lines": (parse_settings, lambda n: "a=1\n" + "x\n" * n, 100_000),
    "settings keys": (parse_settings, lambda n: "".join(f"k{i}=v\n" for i in range(n)), 50_000),
    "pm list lines": (parse_pm_list, lambda n: "".join(f"package:a{i} uid:{i}\n" for i in range(n)), 10_000),
    "pm list one id repeated": (
        parse_pm_list,
        lambda n: "".join(f"package:/data/app/{i}/base.apk=com.x\n" for i in range(n)),
        20_000,
    ),
    "root binary lines": (parse_root_binaries, lambda n: "".join(f"/system/bin/su{i}\n" for i in range(n)), 50_000),
    "getprop lines": (parse_getprop, lambda n: "".join(f"[p.{i}]: [v]\n" for i in range(n)), 20_000),
    "ps lines": (parse_ps, lambda n: "USER PID PPID NAME\n" + "".join(f"u {i} 1 n{i}\n" for i in range(n)), 20_000),
    "dumpsys package lines": (
        parse_dumpsys_package,
        lambda n: "Packages:\n  Package [a] (1):\n    requested permissions:\n" + "      p.X\n" * n,
        50_000,
    ),
    "device policy lines": (
        parse_device_policy,
        lambda n: "Enabled Device Admins (User 0):\n" + "  a/b:\n" * n,
        50_000,
    ),
    "notification listener lines": (
        parse_notification_listeners,
        lambda n: "All notification listeners (1) enabled for current profiles:\n" + "  ComponentInfo{a/b}\n" * n,
        50_000,
    ),
    "dumpsys services": (split_dumpsys, lambda n: "DUMP OF SERVICE s:\nx\n" * n, 20_000),
    "dumpsys settings blank lines": (
        parse_dumpsys_settings,
        lambda n: "\n" * n + "GLOBAL SETTINGS (user 0)\n",
        200_000,
    ),
    "bugreport sections": (
        outputs_from_bugreport_text,
        lambda n: "== dumpstate: 2024-01-01 00:00:00\n" + "------ X (y) ------\n" * n,
        20_000,
    ),
    # line length
    "accessibility repeated braces": (parse_accessibility, lambda n: "Enabled services:{" * n + "\n", 20_000),
    "accessibility long run without slash": (
        parse_accessibility,
        lambda n: "Enabled services:{" + "a." * n + "}\n",
        50_000,
    ),
    "notification ComponentInfo without brace": (
        parse_notification_listeners,
        lambda n: "All notification listeners (1) enabled for current profiles:\n  " + "ComponentInfo{" * n + "\n",
        20_000,
    ),
    "getprop long value": (parse_getprop, lambda n: "[ro.a]: [" + "a" * n + "]\n", 500_000),
    "pm list long line": (parse_pm_list, lambda n: "package:com.x " + "uid:1 " * n + "\n", 50_000),
    "redactor run without @": (redact_value, lambda n: "a" * n, 100_000),
    "redactor dotted run": (redact_value, lambda n: "a." * n, 50_000),
    "redactor many @": (redact_value, lambda n: "a@" * n, 50_000),
    "redactor long domain": (redact_value, lambda n: "x@" + "a." * n + "1", 50_000),
    "redactor long key": (lambda s: redact_mapping({s: "v"}), lambda n: "k" * n, 100_000),
    # nesting
    "JSON element nested too deeply": (
        lambda s: load_members(s, "objects"),
        lambda n: '{"objects": [' + "[" * n + "]" * n + ", 1]}",
        100_000,
    ),
    "root binaries as deeply nested JSON": (parse_root_binaries, lambda n: "[" * n + "]" * n, 100_000),
    "snapshot JSON nested objects": (
        lambda s: _try_snapshot(s),
        lambda n: '{"schema_version": 1, "device": {}, "x": ' + "[" * n + "]" * n + "}",
        100_000,
    ),
}


def _try_snapshot(text: str) -> None:
    from howsafe.errors import HowsafeError
    from howsafe.sources.snapshot import snapshot_from_json

    with contextlib.suppress(HowsafeError):
        snapshot_from_json(text, location="x")


@pytest.mark.parametrize("name", sorted(CASES))
def test_work_grows_linearly(name: str) -> None:
    fn, make, n = CASES[name]
    assert_linear(fn, make, n)
