"""Typed records that cross layers: the Snapshot, Findings, the Verdict and the Report.

The Snapshot and the Report are written to disk and read back (``howsafe collect -o``,
``howsafe audit phone.json``, the fleet store), are published as JSON Schema (``howsafe schema``)
and are the stable contract of ``--format json``. Every record is frozen so a check can never
mutate what another check will read; a changed copy is made with ``msgspec.structs.replace``.

Why msgspec and not pydantic here (issue 13, start-up): every audit imports this module. As
pydantic models, ``python -c "import howsafe.model"`` cost about 700M instructions (callgrind;
the interpreter alone 40M): pydantic's import, then building the core schemas of these ~30
models. As ``msgspec.Struct`` classes it costs 210M, of which 170M is ``import msgspec`` with the
standard modules it loads (``typing``, ``inspect``, ``datetime``, ... which an audit loads
anyway); the classes and ``howsafe.errors`` the rest. What pydantic gave and msgspec keeps:
typed validation with unknown keys refused when reading a file back (:func:`from_builtins`,
:func:`from_json`), frozen records, JSON Schema with the field descriptions
(``msgspec.json.schema``), the same JSON bytes out (:func:`to_json`). What it does not do: a
constructor does not coerce its arguments (a list stays a list, a str is not made an enum or a
date), so callers pass the declared types; mypy checks them.

Nothing in here judges; it only describes.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta, field

from howsafe.errors import RecordError

SNAPSHOT_SCHEMA_VERSION = 1
REPORT_SCHEMA_VERSION = 1

DateTime = Annotated[dt.datetime, Meta(extra_json_schema={"format": "date-time"})]
"""A datetime, published as ``"format": "date-time"`` in the JSON Schema as it always was
(msgspec names that format only for datetimes it requires to carry an offset; these keep
accepting a naive one on reading, as before)."""


class _Frozen(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every record: immutable, hashable when its fields are, unknown keys refused on
    decoding. Each subclass repeats ``frozen=True, kw_only=True``: mypy reads them per class and
    msgspec does not inherit ``kw_only``, which lets a field without a default follow one with a
    default and keeps the JSON keys in declaration order, the parent's fields first."""


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


class SourceInfo(_Frozen, frozen=True, kw_only=True):
    kind: SourceKind
    location: Annotated[str, Meta(description="Path of the dump, or 'adb:<serial>' for a live phone")]
    collected_at: DateTime | None = None
    tool: Annotated[str, Meta(description="Name and version of the collecting tool")] = ""
    files: Annotated[tuple[str, ...], Meta(description="Input files that were read")] = ()
    skipped: Annotated[
        tuple[str, ...],
        Meta(description="Entries of the dump that were not read and why (symlinks, devices, unsafe zip names)"),
    ] = ()


class Missing(_Frozen, frozen=True, kw_only=True):
    """A piece of state the source did not provide, and why: absence is data, not a finding."""

    item: Annotated[str, Meta(description="e.g. 'settings.secure', 'dumpsys.package', 'processes'")]
    reason: str


class Device(_Frozen, frozen=True, kw_only=True):
    """Identity and software of the device, parsed from properties."""

    brand: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    marketname: str | None = None
    device: str | None = None
    rom: Annotated[str | None, Meta(description="ROM family: MIUI, HyperOS, One UI, EMUI, ...")] = None
    rom_version: str | None = None
    region: Annotated[str | None, Meta(description="ROM region when the build says (CN, Global, EEA, ...)")] = None
    android_release: str | None = None
    sdk: int | None = None
    security_patch: dt.date | None = None
    vendor_security_patch: dt.date | None = None
    build_fingerprint: str | None = None
    build_id: str | None = None
    build_incremental: str | None = None
    build_type: Annotated[str | None, Meta(description="user, userdebug or eng")] = None
    build_tags: Annotated[str | None, Meta(description="release-keys, test-keys, ...")] = None
    kernel_version: str | None = None
    soc_manufacturer: str | None = None
    soc_model: str | None = None
    hardware: str | None = None
    mainline_version: Annotated[str | None, Meta(description="Google Play system update level")] = None

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


class Integrity(_Frozen, frozen=True, kw_only=True):
    """Boot and platform integrity facts as the device reports them. ``None`` = not reported."""

    bootloader_locked: bool | None = None
    verified_boot_state: Annotated[str | None, Meta(description="green, yellow, orange or red")] = None
    selinux: Literal["enforcing", "permissive", "disabled"] | None = None
    encryption_state: Annotated[str | None, Meta(description="ro.crypto.state: encrypted/unencrypted")] = None
    encryption_type: Annotated[str | None, Meta(description="ro.crypto.type: file/block")] = None
    debuggable: bool | None = None
    root_binaries: Annotated[
        tuple[str, ...] | None, Meta(description="Paths where a su/magisk binary was found; None when not probed")
    ] = None


class FileHashes(_Frozen, frozen=True, kw_only=True):
    """A file the source hashed (an APK of a package, or an entry of a file listing)."""

    path: str
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None


class FileEntry(FileHashes, frozen=True, kw_only=True):
    """One entry of a device file listing (androidqf ``files.json``)."""

    size: int | None = None
    mode: str | None = None


class Package(_Frozen, frozen=True, kw_only=True):
    """One installed package as ``pm``/``dumpsys package`` describe it."""

    id: str
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    installer: str | None = None
    uid: int | None = None
    system: bool | None = None
    enabled: bool | None = None
    installed: Annotated[
        bool | None, Meta(description="False when removed for the user (pm uninstall --user 0) but kept on system")
    ] = None
    first_install: DateTime | None = None
    last_update: DateTime | None = None
    apk_paths: tuple[str, ...] = ()
    signer_sha256: tuple[str, ...] = ()
    signer_sha1: tuple[str, ...] = ()
    signer_md5: tuple[str, ...] = ()
    apk_hashes: Annotated[
        tuple[FileHashes, ...], Meta(description="Digests of the APK files, when the source hashed them")
    ] = ()
    granted_permissions: Annotated[
        tuple[str, ...] | None, Meta(description="Granted permissions; None when the source did not say")
    ] = None
    requested_permissions: tuple[str, ...] | None = None
    target_sdk: int | None = None


class Process(_Frozen, frozen=True, kw_only=True):
    pid: int
    ppid: int | None = None
    user: str | None = None
    name: str


class SpecialAccess(_Frozen, frozen=True, kw_only=True):
    """Components holding powerful special access. ``None`` = the source did not show it."""

    accessibility_services: tuple[str, ...] | None = None
    device_admins: tuple[str, ...] | None = None
    notification_listeners: tuple[str, ...] | None = None
    default_sms: str | None = None
    default_dialer: str | None = None


class Backup(_Frozen, frozen=True, kw_only=True):
    """Device backup state (``dumpsys backup`` / ``bmgr``); None fields = not reported."""

    enabled: bool | None = None
    transport: str | None = None
    source: Annotated[
        str | None, Meta(description="What it was read from: 'dumpsys backup' or 'settings secure' (backup_enabled)")
    ] = None


class Snapshot(_Frozen, frozen=True, kw_only=True):
    """One typed, versioned record of a device. JSON-serialisable and redactable."""

    schema_version: int = SNAPSHOT_SCHEMA_VERSION
    source: SourceInfo
    device: Device
    integrity: Integrity = Integrity()
    properties: dict[str, str] = field(default_factory=dict)
    settings: Annotated[
        dict[str, dict[str, str]], Meta(description="namespace (global/secure/system) -> key -> value")
    ] = field(default_factory=dict)
    packages: Annotated[tuple[Package, ...] | None, Meta(description="None when no package list")] = None
    processes: tuple[Process, ...] | None = None
    files: Annotated[
        tuple[FileEntry, ...] | None,
        Meta(description="Files listed by the source (androidqf files.json); None when not listed"),
    ] = None
    app_ids_seen: Annotated[
        dict[str, tuple[str, ...]],
        Meta(description="dumpsys section (appops, activity, batterystats, ...) -> app ids it names"),
    ] = field(default_factory=dict)
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


class Evidence(_Frozen, frozen=True, kw_only=True):
    """What was seen, and where: a property, a package, a class, a host."""

    kind: Annotated[str, Meta(description="property, setting, package, permission, class, host, file, cve, ...")]
    key: str
    value: str | None = None
    source: Annotated[str | None, Meta(description="Input the value was read from")] = None


class Finding(_Frozen, frozen=True, kw_only=True):
    id: Annotated[str, Meta(description="Stable id: '<check>' or '<check>:<subject>'")]
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


class AreaVerdict(_Frozen, frozen=True, kw_only=True):
    area: Area
    grade: Grade
    score: Annotated[float | None, Meta(description="0 (worst) .. 100 (best)")] = None
    summary: str
    failed: int = 0
    checked: int = 0


class Action(_Frozen, frozen=True, kw_only=True):
    title: str
    finding_ids: tuple[str, ...]
    remediation: str
    impact: Annotated[float, Meta(description="Risk reduction for this profile, relative")]


class Verdict(_Frozen, frozen=True, kw_only=True):
    profile: str
    grade: Grade
    score: float | None
    headline: str
    explanation: str = ""
    areas: tuple[AreaVerdict, ...] = ()
    top_actions: tuple[Action, ...] = ()
    evidence_missing: Annotated[
        tuple[str, ...],
        Meta(
            description="Inputs a verdict needs that the source lacked, each with how to get it; when not "
            "empty the grade is '?' (not enough evidence) and `howsafe audit` exits 3"
        ),
    ] = ()


class Answer(_Frozen, frozen=True, kw_only=True):
    """One of the owner's questions answered in one line, from the findings (passes included)."""

    id: Annotated[str, Meta(description="china, analytics, backup, patches or profile")]
    question: str
    answer: str
    finding_ids: Annotated[tuple[str, ...], Meta(description="Findings the answer rests on")] = ()


class DataSource(_Frozen, frozen=True, kw_only=True):
    """Knowledge used by the audit and how current it is (a stale DB must never look like safety)."""

    name: str
    version: str | None = None
    covers_until: str | None = None
    licence: str | None = None
    note: str | None = None


class DeviceSummary(_Frozen, frozen=True, kw_only=True):
    display_name: Annotated[
        str,
        Meta(description="How every output names the device: brand and market name (or model), the brand said once"),
    ] = ""
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
    partial: Annotated[bool, Meta(description="True when the source lacked some state (see snapshot.missing)")]

    def __post_init__(self) -> None:
        """A report written before ``display_name`` existed (or a summary built without one) gets
        it from its brand and model; runs on construction and on decoding alike."""
        if not self.display_name:
            name = display_name(self.brand, self.marketname or self.model, self.device)
            msgspec.structs.force_setattr(self, "display_name", name)


class Chart(_Frozen, frozen=True, kw_only=True):
    """A bar chart a reporter can draw (inline SVG in HTML, bars in the terminal)."""

    title: str
    unit: str = ""
    items: tuple[tuple[str, float], ...] = ()


class Table(_Frozen, frozen=True, kw_only=True):
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()


class Section(_Frozen, frozen=True, kw_only=True):
    """A block of supporting detail (open CVEs, trackers per app, hosts per country ...).

    Domain modules build sections from their evidence; reporters draw them without computing.
    """

    id: str
    title: str
    summary: str = ""
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


class Report(_Frozen, frozen=True, kw_only=True):
    schema_version: int = REPORT_SCHEMA_VERSION
    tool: str
    generated_at: DateTime
    device: DeviceSummary
    profile: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    missing: tuple[Missing, ...] = ()
    data_sources: tuple[DataSource, ...] = ()
    sections: tuple[Section, ...] = ()
    answers: Annotated[
        tuple[Answer, ...],
        Meta(
            description="The owner's questions answered one line each (China hosting, vendor "
            "analytics, backups, patches and StageFright, fit for the profile)"
        ),
    ] = ()


# ----------------------------------------------------------------------------------------------
# Reading, writing and describing records
# ----------------------------------------------------------------------------------------------

R = TypeVar("R", bound=_Frozen)


def _record_error(exc: msgspec.ValidationError) -> RecordError:
    """Split msgspec's ``"Expected `int`, got `str` - at `$.packages[3].uid`"``."""
    what, sep, path = str(exc).rpartition(" - at `")
    if not sep:
        return RecordError("top level", str(exc))
    where = re.sub(r"\[(\d+)\]", r".\1", path.rstrip("`").removeprefix("$").removeprefix("."))
    return RecordError(where or "top level", what)


def from_builtins(raw: object, cls: type[R]) -> R:
    """Validate parsed JSON (dicts, lists, str, numbers) into a record: strict types (ISO strings
    become dates and datetimes, lists become tuples, values become enums), unknown keys refused.

    Raises :class:`RecordError`."""
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError as exc:
        raise _record_error(exc) from None


def from_json(data: bytes | str, cls: type[R]) -> R:
    """Parse and validate JSON text into a record in one pass (as :func:`from_builtins`).

    Raises :class:`RecordError` for a document that does not fit, ``msgspec.DecodeError`` (a
    ``ValueError``) for text that is not JSON."""
    try:
        return msgspec.json.decode(data, type=cls)
    except msgspec.ValidationError as exc:
        raise _record_error(exc) from None


def to_json(record: _Frozen, *, indent: int = 0) -> str:
    """The JSON text of a record: keys in declaration order, defaults included, enums as their
    values, tuples as arrays, dates in ISO 8601 (UTC as ``Z``); compact, or pretty-printed with
    ``indent`` spaces. The bytes are those pydantic wrote before (tested), so saved snapshots,
    reports and the fleet store's hashes do not change. Raises ``UnicodeEncodeError`` for a string
    holding a lone surrogate."""
    data = msgspec.json.encode(record)
    if indent:
        data = msgspec.json.format(data, indent=indent)
    return data.decode("utf-8")


def to_builtins(record: _Frozen) -> dict[str, Any]:
    """The record as JSON-ready dicts, lists, str, numbers and None (dates as ISO strings, enums as
    values); what :func:`to_json` writes, before writing."""
    out: dict[str, Any] = msgspec.to_builtins(record)
    return out


def json_schema(cls: type[_Frozen]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a record type, field descriptions included.

    Shaped as ``howsafe schema`` has always published it: the record's own object at the top
    (``properties``, ``required``, ...) and the types it uses under ``$defs``; msgspec puts the
    record itself under ``$defs`` too and refers to it, which is lifted here when nothing else
    refers to it."""
    import json  # only `howsafe schema` needs it

    schema: dict[str, Any] = msgspec.json.schema(cls)
    ref = schema.get("$ref", "")
    name = ref.removeprefix("#/$defs/")
    defs: dict[str, Any] = schema.get("$defs", {})
    if not ref.startswith("#/$defs/") or name not in defs:
        return schema
    root = defs.pop(name)
    if f'"{ref}"' in json.dumps(defs):  # a type refers back to the record: keep msgspec's shape
        defs[name] = root
        return schema
    return {**root, "$defs": defs} if defs else root
