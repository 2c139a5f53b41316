"""APK reading and tracker detection: APK / split / bundle / jar -> ``AppReport``.

Modules, one job each: :mod:`zipread` (bounded ZIP reading), :mod:`dex` (class table),
:mod:`axml` (binary manifest), :mod:`signer` (certificate digests), :mod:`trackerdb` (εxodus list +
howsafe additions), :mod:`matcher` (one automaton over all signatures), :mod:`scan` (inputs,
merging, worker processes), :mod:`update` (refreshing the εxodus list), :mod:`model` (results).

Importing the package imports none of them: the names below load their module on first use, so
that an audit reading only :mod:`model` or :mod:`trackerdb` does not pay for the scanner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe._lazy import lazy_attributes

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


__getattr__ = lazy_attributes(__name__, _WHERE, globals())
