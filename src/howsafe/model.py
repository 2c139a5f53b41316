"""Typed records that cross layers: the Snapshot, Findings, the Verdict and the Report.

Why pydantic at this boundary: the Snapshot and the Report are written to disk and read back
(``howsafe collect -o``, ``howsafe audit phone.json``), are published as JSON Schema
(``howsafe schema``) and are the stable contract of ``--format json``. Every model is frozen so a
check can never mutate what another check will read.

Nothing in here judges; it only describes.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SNAPSHOT_SCHEMA_VERSION = 1
REPORT_SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ----------------------------------------------------------------------------------------------
# Snapshot: what a device looks like, from any source
# ----------------------------------------------------------------------------------------------


class SourceKind(StrEnum):
    """Where a snapshot came from; checks may weigh runtime evidence differently from static dumps."""

    ADB = "adb"
    ANDROIDQF = "androidqf"
    BUGREPORT = "bugreport"
    FOLDER = "folder"
    FIRMWARE = "firmware"
    SNAPSHOT = "snapshot"


class SourceInfo(_Frozen):
    kind: SourceKind
    location: str = Field(description="Path of the dump, or 'adb:<serial>' for a live phone")
    collected_at: dt.datetime | None = None
    tool: str = Field(default="", description="Name and version of the collecting tool")
    files: tuple[str, ...] = Field(default=(), description="Input files that were read")
    skipped: tuple[str, ...] = Field(
        default=(),
        description="Entries of the dump that were not read and why (symlinks, devices, unsafe zip names)",
    )


class Missing(_Frozen):
    """A piece of state the source did not provide, and why: absence is data, not a finding."""

    item: str = Field(description="e.g. 'settings.secure', 'dumpsys.package', 'processes'")
    reason: str


class Device(_Frozen):
    """Identity and software of the device, parsed from properties."""

    brand: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    marketname: str | None = None
    device: str | None = None
    rom: str | None = Field(default=None, description="ROM family: MIUI, HyperOS, One UI, EMUI, ...")
    rom_version: str | None = None
    region: str | None = Field(default=None, description="ROM region when the build says (CN, Global, EEA, ...)")
    android_release: str | None = None
    sdk: int | None = None
    security_patch: dt.date | None = None
    vendor_security_patch: dt.date | None = None
    build_fingerprint: str | None = None
    build_id: str | None = None
    build_incremental: str | None = None
    build_type: str | None = Field(default=None, description="user, userdebug or eng")
    build_tags: str | None = Field(default=None, description="release-keys, test-keys, ...")
    kernel_version: str | None = None
    soc_manufacturer: str | None = None
    soc_model: str | None = None
    hardware: str | None = None
    mainline_version: str | None = Field(default=None, description="Google Play system update level")

    def display_name(self) -> str:
        """How every output names the phone: brand (or maker) and market name (or model), the brand
        said once ("Redmi Note 8", not "Redmi Redmi Note 8"); see :func:`display_name`."""
        return display_name(self.brand or self.manufacturer, self.marketname or self.model, self.device)


UNKNOWN_DEVICE = "unknown device"
"""The :func:`display_name` of a device that names itself in no way."""


def display_name(brand: str | None, label: str | None, codename: str | None = None) -> str:
    """``label`` prefixed by ``brand`` unless it already starts with it (case-insensitive); without
    a label, the codename, else the brand, else :data:`UNKNOWN_DEVICE`."""
    if brand and label and label.lower().startswith(brand.lower()):
        return label
    if label:
        return f"{brand} {label}" if brand else label
    return codename or brand or UNKNOWN_DEVICE


class Integrity(_Frozen):
    """Boot and platform integrity facts as the device reports them. ``None`` = not reported."""

    bootloader_locked: bool | None = None
    verified_boot_state: str | None = Field(default=None, description="green, yellow, orange or red")
    selinux: Literal["enforcing", "permissive", "disabled"] | None = None
    encryption_state: str | None = Field(default=None, description="ro.crypto.state: encrypted/unencrypted")
    encryption_type: str | None = Field(default=None, description="ro.crypto.type: file/block")
    debuggable: bool | None = None
    root_binaries: tuple[str, ...] | None = Field(
        default=None, description="Paths where a su/magisk binary was found; None when not probed"
    )


class FileHashes(_Frozen):
    """A file the source hashed (an APK of a package, or an entry of a file listing)."""

    path: str
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None


class FileEntry(FileHashes):
    """One entry of a device file listing (androidqf ``files.json``)."""

    size: int | None = None
    mode: str | None = None


class Package(_Frozen):
    """One installed package as ``pm``/``dumpsys package`` describe it."""

    id: str
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    installer: str | None = None
    uid: int | None = None
    system: bool | None = None
    enabled: bool | None = None
    installed: bool | None = Field(
        default=None, description="False when removed for the user (pm uninstall --user 0) but kept on system"
    )
    first_install: dt.datetime | None = None
    last_update: dt.datetime | None = None
    apk_paths: tuple[str, ...] = ()
    signer_sha256: tuple[str, ...] = ()
    signer_sha1: tuple[str, ...] = ()
    signer_md5: tuple[str, ...] = ()
    apk_hashes: tuple[FileHashes, ...] = Field(
        default=(), description="Digests of the APK files, when the source hashed them"
    )
    granted_permissions: tuple[str, ...] | None = Field(
        default=None, description="Granted permissions; None when the source did not say"
    )
    requested_permissions: tuple[str, ...] | None = None
    target_sdk: int | None = None


class Process(_Frozen):
    pid: int
    ppid: int | None = None
    user: str | None = None
    name: str


class SpecialAccess(_Frozen):
    """Components holding powerful special access. ``None`` = the source did not show it."""

    accessibility_services: tuple[str, ...] | None = None
    device_admins: tuple[str, ...] | None = None
    notification_listeners: tuple[str, ...] | None = None
    default_sms: str | None = None
    default_dialer: str | None = None


class Backup(_Frozen):
    """Device backup state (``dumpsys backup`` / ``bmgr``); None fields = not reported."""

    enabled: bool | None = None
    transport: str | None = None
    source: str | None = Field(
        default=None, description="What it was read from: 'dumpsys backup' or 'settings secure' (backup_enabled)"
    )


class Snapshot(_Frozen):
    """One typed, versioned record of a device. JSON-serialisable and redactable."""

    schema_version: int = SNAPSHOT_SCHEMA_VERSION
    source: SourceInfo
    device: Device
    integrity: Integrity = Integrity()
    properties: dict[str, str] = Field(default_factory=dict)
    settings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="namespace (global/secure/system) -> key -> value"
    )
    packages: tuple[Package, ...] | None = Field(default=None, description="None when no package list")
    processes: tuple[Process, ...] | None = None
    files: tuple[FileEntry, ...] | None = Field(
        default=None, description="Files listed by the source (androidqf files.json); None when not listed"
    )
    app_ids_seen: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="dumpsys section (appops, activity, batterystats, ...) -> app ids it names",
    )
    special_access: SpecialAccess = SpecialAccess()
    backup: Backup = Backup()
    missing: tuple[Missing, ...] = ()
    redacted: bool = True

    @property
    def complete(self) -> bool:
        return not self.missing

    def package(self, package_id: str) -> Package | None:
        for pkg in self.packages or ():
            if pkg.id == package_id:
                return pkg
        return None

    def setting(self, namespace: str, key: str) -> str | None:
        return self.settings.get(namespace, {}).get(key)


# ----------------------------------------------------------------------------------------------
# Findings
# ----------------------------------------------------------------------------------------------


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Outcome(StrEnum):
    """Explicit result of a check (after OpenSSF scorecard's finding outcomes)."""

    FAIL = "fail"
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    NOT_AVAILABLE = "not_available"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Area(StrEnum):
    UPDATES = "updates"
    INTEGRITY = "integrity"
    VENDOR = "vendor"
    APPS = "apps"
    NETWORK = "network"
    COMPROMISE = "compromise"


class Evidence(_Frozen):
    """What was seen, and where: a property, a package, a class, a host."""

    kind: str = Field(description="property, setting, package, permission, class, host, file, cve, ...")
    key: str
    value: str | None = None
    source: str | None = Field(default=None, description="Input the value was read from")


class Finding(_Frozen):
    id: str = Field(description="Stable id: '<check>' or '<check>:<subject>'")
    check: str
    area: Area
    title: str
    severity: Severity
    outcome: Outcome
    summary: str = ""
    why: str = ""
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    references: tuple[str, ...] = ()
    confidence: Literal["high", "medium", "low"] = "high"
    tags: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------
# Verdict and report
# ----------------------------------------------------------------------------------------------


class Grade(StrEnum):
    """Letter grade per area and overall; UNKNOWN when too little was checked to say."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    UNKNOWN = "?"


class AreaVerdict(_Frozen):
    area: Area
    grade: Grade
    score: float | None = Field(default=None, description="0 (worst) .. 100 (best)")
    summary: str
    failed: int = 0
    checked: int = 0


class Action(_Frozen):
    title: str
    finding_ids: tuple[str, ...]
    remediation: str
    impact: float = Field(description="Risk reduction for this profile, relative")


class Verdict(_Frozen):
    profile: str
    grade: Grade
    score: float | None
    headline: str
    explanation: str = ""
    areas: tuple[AreaVerdict, ...] = ()
    top_actions: tuple[Action, ...] = ()
    evidence_missing: tuple[str, ...] = Field(
        default=(),
        description="Inputs a verdict needs that the source lacked, each with how to get it; when not "
        "empty the grade is '?' (not enough evidence) and `howsafe audit` exits 3",
    )


class Answer(_Frozen):
    """One of the owner's questions answered in one line, from the findings (passes included)."""

    id: str = Field(description="china, analytics, backup, patches or profile")
    question: str
    answer: str
    finding_ids: tuple[str, ...] = Field(default=(), description="Findings the answer rests on")


class DataSource(_Frozen):
    """Knowledge used by the audit and how current it is (a stale DB must never look like safety)."""

    name: str
    version: str | None = None
    covers_until: str | None = None
    licence: str | None = None
    note: str | None = None


class DeviceSummary(_Frozen):
    display_name: str = Field(
        default="",
        description="How every output names the device: brand and market name (or model), the brand said once",
    )
    brand: str | None
    model: str | None
    marketname: str | None
    device: str | None
    rom: str | None
    rom_version: str | None
    android_release: str | None
    sdk: int | None
    security_patch: dt.date | None
    source: SourceKind
    partial: bool = Field(description="True when the source lacked some state (see snapshot.missing)")

    @model_validator(mode="before")
    @classmethod
    def _name_when_absent(cls, data: Any) -> Any:
        """A report written before ``display_name`` existed gets it from its brand and model."""
        if isinstance(data, dict) and not data.get("display_name"):
            label = data.get("marketname") or data.get("model")
            return {**data, "display_name": display_name(data.get("brand"), label, data.get("device"))}
        return data


class Chart(_Frozen):
    """A bar chart a reporter can draw (inline SVG in HTML, bars in the terminal)."""

    title: str
    unit: str = ""
    items: tuple[tuple[str, float], ...] = ()


class Table(_Frozen):
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()


class Section(_Frozen):
    """A block of supporting detail (open CVEs, trackers per app, hosts per country ...).

    Domain modules build sections from their evidence; reporters draw them without computing.
    """

    id: str
    title: str
    summary: str = ""
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


class Report(_Frozen):
    schema_version: int = REPORT_SCHEMA_VERSION
    tool: str
    generated_at: dt.datetime
    device: DeviceSummary
    profile: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    missing: tuple[Missing, ...] = ()
    data_sources: tuple[DataSource, ...] = ()
    sections: tuple[Section, ...] = ()
    answers: tuple[Answer, ...] = Field(
        default=(),
        description="The owner's questions answered one line each (China hosting, vendor "
        "analytics, backups, patches and StageFright, fit for the profile)",
    )
