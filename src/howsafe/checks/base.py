"""What a check is, what it receives, and how its prose is kept as data.

A check is a small object with an ``id`` and a ``run(ctx)`` that returns Findings. Its human text
(title, why it matters, remediation, references, default severity) lives in
``checks/defs/<id>.toml`` so that reviewers and translators edit prose without touching logic,
and a schema test validates every definition (after OpenSSF scorecard's ``probes/*/def.yml``).
Checks derive from :class:`BaseCheck`, which hands them that definition as ``self.defn``.

A check declares what it needs and what it adds; the engine provides:

- ``requires``: the parts of the evidence it cannot run without (names in :data:`REQUIREMENTS`,
  e.g. ``("packages",)`` or ``("settings.secure",)``). When one is missing, :func:`run_check` returns
  a ``not_available`` finding naming the missing part and ``run`` is not called.
- ``sections`` / ``data_sources``: detail sections for the report and the knowledge it relied on;
  the engine collects them from the checks it runs (nothing here imports the engine).
- Derived facts shared by several checks (the vulnerability assessment, the ROM region) are
  computed at most once per audit on ``ctx.facts`` (:class:`Facts`).

A check never talks to a device and never raises for missing data: it returns a finding with
outcome ``not_available``. An exception inside a check is caught by the engine and becomes an
``error`` finding for that check only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.model import Area, DataSource, Evidence, Finding, Outcome, Section, Severity, Snapshot

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.iocs.model import IndicatorSet
    from howsafe.kb.rom_market import RomMarket
    from howsafe.net.model import NetworkReport
    from howsafe.vulns.model import Assessment

DEFS_DIR = Path(__file__).resolve().parent / "defs"


class AuditContext(msgspec.Struct, frozen=True, dict=True):
    """Everything a check may read. Optional evidence is ``None`` when the user did not supply it.

    ``dict=True`` gives each context the instance dictionary its :attr:`facts` cache lives in."""

    snapshot: Snapshot
    kb: KnowledgeBase
    today: dt.date
    profile: str = "everyday"
    apps: Sequence[AppReport] | None = None
    network: NetworkReport | None = None
    iocs: IndicatorSet | None = None
    options: dict[str, str] = msgspec.field(default_factory=dict)

    @cached_property
    def facts(self) -> Facts:
        """Derived facts, computed at most once per context (``structs.replace`` starts a new one)."""
        return Facts(self)

    def for_profile(self, profile: str) -> AuditContext:
        """This context under another threat profile, sharing its derived facts: open CVEs and the
        ROM market depend on the evidence, the knowledge and the date, never on the profile."""
        ctx = msgspec.structs.replace(self, profile=profile)
        ctx.__dict__["facts"] = self.facts
        return ctx


class Facts:
    """Facts derived from the evidence, computed at most once per audit and shared by every check
    and section that needs them (they travel with the AuditContext, never in a global cache)."""

    def __init__(self, ctx: AuditContext) -> None:
        self._ctx = ctx

    @cached_property
    def vulns(self) -> Assessment:
        """Which published CVEs are open on this phone (bulletin DB against its patch level)."""
        from howsafe.vulns import db as vdb
        from howsafe.vulns.match import assess

        ctx = self._ctx
        return assess(vdb.load_db(ctx.kb), ctx.snapshot, ctx.today)

    @cached_property
    def rom_market(self) -> RomMarket:
        """Which market the ROM was built for, by the one shared China-ROM rule (build properties)."""
        from howsafe.kb.rom_market import rom_market

        return rom_market(self._ctx.kb, self._ctx.snapshot)

    @cached_property
    def china_rom(self) -> bool:
        """True when the ROM is built for the China market (from ROM properties)."""
        return self.rom_market.china


class CheckDef(msgspec.Struct, frozen=True):
    """A check's prose and metadata, read from its TOML definition."""

    id: str
    area: Area
    title: str
    why: str
    remediation: str
    severity: Severity
    references: tuple[str, ...] = ()
    pass_title: str = ""

    def finding(
        self,
        outcome: Outcome,
        *,
        summary: str = "",
        evidence: Sequence[Evidence] = (),
        severity: Severity | None = None,
        subject: str | None = None,
        title: str | None = None,
        remediation: str | None = None,
        references: Sequence[str] = (),
        confidence: Literal["high", "medium", "low"] = "high",
        tags: Sequence[str] = (),
    ) -> Finding:
        """Build a Finding carrying this definition's prose; ``subject`` makes the id unique."""
        if title is None:
            title = self.pass_title if outcome is Outcome.PASS and self.pass_title else self.title
        sev = severity if severity is not None else self.severity
        if outcome is not Outcome.FAIL and severity is None:
            sev = Severity.INFO
        return Finding(
            id=f"{self.id}:{subject}" if subject else self.id,
            check=self.id,
            area=self.area,
            title=title,
            severity=sev,
            outcome=outcome,
            summary=summary,
            why=self.why,
            evidence=tuple(evidence),
            remediation=self.remediation if remediation is None else remediation,
            references=tuple(self.references) + tuple(r for r in references if r not in self.references),
            confidence=confidence,
            tags=tuple(tags),
        )

    def not_available(self, what: str) -> Finding:
        """The snapshot lacks what this check needs: say so, never guess."""
        return self.finding(Outcome.NOT_AVAILABLE, summary=f"Not available: {what}.")

    def not_applicable(self, why: str) -> Finding:
        return self.finding(Outcome.NOT_APPLICABLE, summary=why)


_COMPILED_DEFS = "checkdefs"


@cache
def _def_tables() -> dict[str, dict[str, Any]]:
    """Every ``defs/*.toml`` parsed, by file name; kept in the compiled knowledge.

    Parsing the 55 definition files with tomllib cost about 2.5% of a whole audit; the compiled copy
    (:mod:`howsafe.kb.compiled`, keyed by the files' bytes and this module) is read instead. A file
    that does not parse is left out here and reported by :func:`load_def` when its check asks."""
    from howsafe.kb.compiled import compiled_key, read_compiled, write_compiled

    inputs = []
    for path in sorted(DEFS_DIR.glob("*.toml")):
        try:
            inputs.append((path.name, path.read_bytes()))
        except OSError:
            continue  # load_def says which file is missing
    kb = KnowledgeBase.default()
    key = compiled_key(_COMPILED_DEFS, inputs, [Path(__file__)])
    stored = read_compiled(kb, _COMPILED_DEFS, key)
    if isinstance(stored, dict):
        return stored
    import tomllib  # only when the compiled copy is missing or stale

    tables: dict[str, dict[str, Any]] = {}
    for name, raw in inputs:
        try:
            tables[name] = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    if len(tables) == len(inputs):  # only a complete, parsed set is kept
        write_compiled(kb, _COMPILED_DEFS, key, tables)
    return tables


@cache
def load_def(check_id: str) -> CheckDef:
    """Read ``defs/<check_id>.toml`` (file names use the id with dots replaced by underscores)."""
    path = DEFS_DIR / f"{check_id.replace('.', '_')}.toml"
    raw: dict[str, Any] | None = _def_tables().get(path.name)
    if raw is None:
        import tomllib  # a file the compiled set lacks: say what is wrong with it

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeError(f"check definition {path.name} is missing or invalid: {exc}") from exc
    try:
        return CheckDef(
            id=raw["id"],
            area=Area(raw["area"]),
            title=raw["title"],
            why=raw["why"],
            remediation=raw["remediation"],
            severity=Severity(raw["severity"]),
            references=tuple(raw.get("references", ())),
            pass_title=raw.get("pass_title", ""),
        )
    except (KeyError, ValueError) as exc:
        raise KnowledgeError(f"check definition {path.name} is invalid: {exc}") from exc


class Check(Protocol):
    """A check: ``id`` matches its definition file; ``run`` returns one or more findings.

    The optional attributes of :class:`BaseCheck` (``requires``, ``sections``, ``data_sources``) are
    read with defaults, so a bare object with ``id`` and ``run`` is a check too.
    """

    id: str

    def run(self, ctx: AuditContext) -> Sequence[Finding]: ...


SectionProvider = Callable[[AuditContext], Section | None]
DataSourceProvider = Callable[[KnowledgeBase], Sequence[DataSource]]


class BaseCheck:
    """What most checks share: their definition, what they need, what they add to the report."""

    id: str = ""
    requires: ClassVar[tuple[str, ...]] = ()
    """Evidence the check cannot run without (keys of :data:`REQUIREMENTS`)."""
    requires_why: ClassVar[Mapping[str, str]] = {}
    """Optional wording of the ``not_available`` reason per requirement, when the default is too vague."""
    sections: ClassVar[tuple[SectionProvider, ...]] = ()
    data_sources: ClassVar[tuple[DataSourceProvider, ...]] = ()

    @property
    def defn(self) -> CheckDef:
        """This check's prose and metadata (``defs/<id>.toml``), read once."""
        return load_def(self.id)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        raise NotImplementedError


def _has_permission_data(ctx: AuditContext) -> bool:
    return any(p.granted_permissions is not None for p in ctx.snapshot.packages or ())


def _pre_bulletin(snapshot: Snapshot) -> bool:
    from howsafe.vulns.match import is_pre_bulletin
    from howsafe.vulns.versions import normalise_release

    d = snapshot.device
    return is_pre_bulletin(normalise_release(d.android_release, d.sdk), d.security_patch)


def _has_flows(ctx: AuditContext) -> bool:
    return ctx.network is not None and any(f.flows for f in ctx.network.files)


REQUIREMENTS: dict[str, tuple[Callable[[AuditContext], bool], str]] = {
    "packages": (lambda c: c.snapshot.packages is not None, "no package list"),
    "permissions": (_has_permission_data, "no granted-permission data (dumpsys package)"),
    "security_patch": (
        lambda c: c.snapshot.device.security_patch is not None,
        "the phone reports no security patch level (ro.build.version.security_patch)",
    ),
    # a reported level, or a pre-bulletin build (Android <= 5.1.1 without one: unpatched since 2015-08)
    "patch_level": (
        lambda c: c.snapshot.device.security_patch is not None or _pre_bulletin(c.snapshot),
        "the phone reports no security patch level (ro.build.version.security_patch)",
    ),
    "apps": (lambda c: c.apps is not None, "no APKs were scanned (give --apks DIR or scan with `howsafe apps`)"),
    "network": (lambda c: c.network is not None, "no traffic capture or DNS log was given (--capture)"),
    "flows": (_has_flows, "no packet capture or connection log was given (--capture)"),
    "iocs": (
        lambda c: c.iocs is not None,
        "no indicator collections are installed; run `howsafe iocs update` or pass --iocs FILE",
    ),
}
"""Named evidence a check may require: a test on the context and the reason shown when it fails.
``settings.<namespace>`` (global, secure, system) is accepted too: that namespace was captured."""


def missing_requirement(check: object, ctx: AuditContext) -> str | None:
    """The reason ``check`` cannot run on ``ctx`` (its first unmet requirement), or None."""
    why: Mapping[str, str] = getattr(check, "requires_why", {})
    for need in getattr(check, "requires", ()):
        if need.startswith("settings."):
            ns = need.split(".", 1)[1]
            if not ctx.snapshot.settings.get(ns):
                return why.get(need, f"the {ns} settings were not captured (settings list {ns})")
            continue
        try:
            test, reason = REQUIREMENTS[need]
        except KeyError:
            raise KnowledgeError(f"check {getattr(check, 'id', '?')} requires unknown evidence {need!r}") from None
        if not test(ctx):
            return why.get(need, reason)
    return None


def run_check(check: Check, ctx: AuditContext) -> Sequence[Finding]:
    """Run one check, or answer ``not_available`` for it when evidence it requires is missing."""
    reason = missing_requirement(check, ctx)
    if reason is not None:
        return [load_def(check.id).not_available(reason)]
    return check.run(ctx)
