"""APK reading and tracker detection: APK / split / bundle / jar -> ``AppReport``.

Modules, one job each: :mod:`zipread` (bounded ZIP reading), :mod:`dex` (class table),
:mod:`axml` (binary manifest), :mod:`signer` (certificate digests), :mod:`trackerdb` (εxodus list +
howsafe additions), :mod:`matcher` (one automaton over all signatures), :mod:`scan` (inputs,
merging, worker processes), :mod:`update` (refreshing the εxodus list), :mod:`model` (results).
"""

from __future__ import annotations

from howsafe.apk.model import AppPart, AppReport, TrackerHit
from howsafe.apk.scan import expand_inputs, scan_paths

__all__ = ["AppPart", "AppReport", "TrackerHit", "expand_inputs", "scan_paths"]
