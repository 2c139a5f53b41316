"""Typed records of the vulnerability knowledge: one affected clause per bulletin row, and matches.

A bulletin row says "CVE X, fixed at security patch level Y, affects releases Z, in component C".
The same CVE may appear in several rows (one per severity/type/version split, or again in a Pixel
bulletin); matching keeps those rows apart and deduplicates per CVE at the end, keeping the worst
severity that applies to the device.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

import msgspec

from howsafe.model import Severity

if TYPE_CHECKING:
    from howsafe.vulns.db import Coverage


UNRATED = "unrated"
FIRST_BULLETIN = dt.date(2015, 8, 1)
PRE_BULLETIN_LEVEL = FIRST_BULLETIN - dt.timedelta(days=1)


class ComponentKind(StrEnum):
    """Coarse component groups used to summarise open CVEs."""

    FRAMEWORK = "framework"
    MEDIA = "media"
    SYSTEM = "system"
    KERNEL = "kernel"
    VENDOR = "vendor"


class VendorRole(StrEnum):
    """How a vendor component relates to a device, which decides how it is matched.

    SOC: chip vendors (Qualcomm, MediaTek, NVIDIA ...) matched against the device's SoC.
    OEM: phone makers (HTC, LG ...) matched against brand/manufacturer.
    PART: component makers (Broadcom Wi-Fi, Synaptics touch ...) that no property reveals.
    """

    SOC = "soc"
    OEM = "oem"
    PART = "part"


class VulnEntry(msgspec.Struct, frozen=True):
    """One affected clause: a CVE fixed at ``spl`` for the listed releases (None = every release).

    A msgspec record rather than a frozen dataclass: an audit of an old phone builds one per bulletin
    row after its patch level (2,355 on a 2019 phone), and a frozen dataclass's ``__init__`` sets each
    of the 15 fields through ``object.__setattr__``; msgspec builds the record in C."""

    cve: str
    bulletin: str  # "2018-06-01" (Android) or "pixel/2018-06-01"
    spl: dt.date
    severity: Severity
    type: str  # RCE, EoP, ID, DoS, or "" when the bulletin does not say
    kind: ComponentKind
    component: str
    vendor: str | None = None
    versions: tuple[str, ...] | None = None  # version tokens (see howsafe.vulns.versions)
    references: str = ""
    fixes: tuple[str, ...] = ()
    pixel_only: bool = False
    aliases: tuple[str, ...] = ()
    name: str | None = None  # a well-known name such as "StageFright"
    rated: bool = True  # False when the source gave no severity (``severity`` is then a placeholder)

    @property
    def severity_label(self) -> str:
        """The severity as the data states it, or "unrated" when the source did not give one."""
        return self.severity.value if self.rated else UNRATED

    @property
    def url(self) -> str:
        """Public page of the bulletin that lists this entry."""
        if self.bulletin.startswith("osv:"):
            return f"https://osv.dev/vulnerability/{self.bulletin[4:]}"
        if self.bulletin.startswith("pixel/"):
            return f"https://source.android.com/security/bulletin/pixel/{self.bulletin[6:]}"
        return f"https://source.android.com/security/bulletin/{self.bulletin}"


class MatchStatus(StrEnum):
    AFFECTED = "affected"
    POSSIBLE = "possibly affected"


class OpenVuln(msgspec.Struct, frozen=True):
    """A CVE still open on a device, with the entry (worst applicable row) that makes it so."""

    entry: VulnEntry
    status: MatchStatus
    reason: str = ""


class DeviceFacts(msgspec.Struct, frozen=True, dict=True):
    """What matching needs from a Snapshot: normalised, so the matcher never parses properties.

    ``dict=True`` gives the record the instance dictionary its cached levels are kept in."""

    release: str | None
    sdk: int | None
    spl: dt.date | None
    brand: str | None = None
    manufacturer: str | None = None
    soc_vendor: str | None = None  # canonical SoC vendor name when known
    soc_evidence: str | None = None  # e.g. "ro.hardware=qcom"
    vendor_spl: dt.date | None = None  # ro.vendor.build.security_patch, when the phone reports one
    # Android <= 5.1.1 without a patch level predates the monthly bulletins: it is treated as
    # unpatched since before the first bulletin (2015-08-01); ro.build.date.utc bounds it further.
    pre_bulletin: bool = False
    build_date: dt.date | None = None

    @cached_property
    def level(self) -> dt.date | None:
        """The patch level matching uses: the reported one, or for a pre-bulletin build the day
        before the first bulletin (nothing published since can be assumed fixed)."""
        if self.spl is not None:
            return self.spl
        return PRE_BULLETIN_LEVEL if self.pre_bulletin else None

    @cached_property
    def vendor_level(self) -> dt.date | None:
        """The level vendor, kernel and SoC fixes are counted against: the vendor partition's own
        level when it is older than the platform one (those fixes ship in the vendor image)."""
        if self.level is None:
            return None
        if self.vendor_spl is not None and self.vendor_spl < self.level:
            return self.vendor_spl
        return self.level

    @property
    def oldest_level(self) -> dt.date | None:
        levels = [d for d in (self.level, self.vendor_level) if d is not None]
        return min(levels) if levels else None


class Assessment(msgspec.Struct, frozen=True):
    """All open vulnerabilities of one device against one database."""

    device: DeviceFacts
    open: tuple[OpenVuln, ...]
    covers_until: dt.date
    bulletins_behind: int
    days_behind: int | None
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    coverage: Coverage | None = None  # how complete the data is for the months this device misses

    @property
    def affected(self) -> tuple[OpenVuln, ...]:
        return tuple(v for v in self.open if v.status is MatchStatus.AFFECTED)

    @property
    def possible(self) -> tuple[OpenVuln, ...]:
        return tuple(v for v in self.open if v.status is MatchStatus.POSSIBLE)
