"""APK reading and tracker detection: APK / split / bundle / jar -> ``AppReport``.

Modules, one job each: :mod:`zipread` (bounded ZIP reading), :mod:`dex` (class table),
:mod:`axml` (binary manifest), :mod:`signer` (certificate digests), :mod:`trackerdb` (εxodus list +
howsafe additions), :mod:`matcher` (one automaton over all signatures), :mod:`scan` (inputs,
merging, worker processes), :mod:`update` (refreshing the εxodus list), :mod:`model` (results).

Importing the package imports none of them: the names below load their module on first use, so
that an audit reading only :mod:`model` or :mod:`trackerdb` does not pay for the scanner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from howsafe.apk.model import AppPart, AppReport, TrackerHit
    from howsafe.apk.scan import expand_inputs, scan_paths

_WHERE = {
    "AppPart": "howsafe.apk.model",
    "AppReport": "howsafe.apk.model",
    "TrackerHit": "howsafe.apk.model",
    "expand_inputs": "howsafe.apk.scan",
    "scan_paths": "howsafe.apk.scan",
}

__all__ = ["AppPart", "AppReport", "TrackerHit", "expand_inputs", "scan_paths"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
