"""The documents the formatters lay out besides the audit Report (typed, no judgement here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.apk.trackerdb import TrackerDB
    from howsafe.model import Report
    from howsafe.net.model import NetworkReport
    from howsafe.vulns.model import Assessment


@dataclass(frozen=True)
class VulnsDoc:
    """``howsafe vulns``: the open vulnerabilities of one device."""

    device: str
    assessment: Assessment


@dataclass(frozen=True)
class AppsDoc:
    """``howsafe apps``: scan results of APKs, with the tracker list they were matched against."""

    apps: Sequence[AppReport]
    db: TrackerDB
    tool: str
    dangerous: dict[str, str] | None = None
    """Dangerous permission -> the data it exposes (for SARIF results), when known."""


@dataclass(frozen=True)
class NetDoc:
    """``howsafe net``: the capture analysis and the audit of the network checks on it."""

    report: Report
    network: NetworkReport
