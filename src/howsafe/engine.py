"""The audit engine: run every check on a snapshot, isolate failures, score, build the Report.

``Auditor(kb, checks, clock).run(ctx_inputs) -> Report``. Nothing here talks to a device or the
network; the clock is injected so reports are reproducible in tests.

The engine provides what checks declare (see :mod:`howsafe.checks.base`): it answers
``not_available`` for a check whose required evidence is missing, gives each check its definition,
and gathers the report sections and data sources the checks it runs declare (plus any passed to
the Auditor). Imports point one way: ``engine -> checks``, never back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from msgspec import structs

from howsafe import __version__
from howsafe.checks.base import (
    AuditContext,
    Check,
    DataSourceProvider,
    SectionProvider,
    load_def,
    run_check,
)
from howsafe.kb import KnowledgeBase
from howsafe.model import (
    Area,
    DataSource,
    DeviceSummary,
    Finding,
    Outcome,
    Report,
    Section,
    Severity,
    Snapshot,
    Verdict,
)
from howsafe.progress import Observer
from howsafe.score import Profile, load_profile, verdict_for
from howsafe.score.answers import answer_questions
from howsafe.score.evidence import present_inputs
from howsafe.score.jurisdiction import apply_home_country

log = logging.getLogger(__name__)
T = TypeVar("T")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def device_summary(snapshot: Snapshot) -> DeviceSummary:
    d = snapshot.device
    return DeviceSummary(
        display_name=d.display_name(),
        brand=d.brand,
        model=d.model,
        marketname=d.marketname,
        device=d.device,
        rom=d.rom,
        rom_version=d.rom_version,
        android_release=d.android_release,
        sdk=d.sdk,
        security_patch=d.security_patch,
        source=snapshot.source.kind,
        partial=not snapshot.complete,
    )


class Auditor:
    """Runs checks against an AuditContext and produces a Report for one threat profile."""

    def __init__(
        self,
        kb: KnowledgeBase,
        checks: Sequence[Check] | None = None,
        *,
        clock: Clock = utc_now,
        observer: Observer | None = None,
        sections: Sequence[SectionProvider] = (),
        data_sources: Sequence[DataSourceProvider] = (),
    ) -> None:
        if checks is None:
            from howsafe.checks import all_checks

            checks = all_checks()
        self.kb = kb
        self.checks = list(checks)
        self.clock = clock
        self.observer = observer
        self.section_providers: list[SectionProvider] = _declared(self.checks, "sections", sections)
        self.data_source_providers: list[DataSourceProvider] = _declared(self.checks, "data_sources", data_sources)

    def context(self, snapshot: Snapshot, **extra: object) -> AuditContext:
        """An AuditContext for ``snapshot`` dated by this auditor's clock."""
        return AuditContext(snapshot=snapshot, kb=self.kb, today=self.clock().date(), **extra)  # type: ignore[arg-type]

    def findings(self, ctx: AuditContext) -> list[Finding]:
        out: list[Finding] = []
        total = len(self.checks)
        for i, check in enumerate(self.checks):
            if self.observer:
                self.observer(check.id, i, total)
            out.extend(self._run_one(check, ctx))
        if self.observer:
            self.observer("done", total, total)
        return out

    def _run_one(self, check: Check, ctx: AuditContext) -> Sequence[Finding]:
        try:
            return run_check(check, ctx)
        except Exception as exc:  # a broken check must not sink the audit (design rule 3)
            log.exception("check %s failed", check.id)
            area = Area.INTEGRITY
            with contextlib.suppress(Exception):  # the definition itself may be what is broken
                area = load_def(check.id).area
            return [
                Finding(
                    id=check.id,
                    check=check.id,
                    area=area,
                    title=f"Check {check.id} could not run",
                    severity=Severity.INFO,
                    outcome=Outcome.ERROR,
                    summary=f"{type(exc).__name__}: {exc}",
                )
            ]

    def run(self, ctx: AuditContext, profile: Profile | str | None = None) -> Report:
        prof = profile if isinstance(profile, Profile) else load_profile(profile or ctx.profile)
        if ctx.profile != prof.id:  # a context already made for this profile keeps its computed facts
            ctx = ctx.for_profile(prof.id)
        findings, jurisdiction_note = apply_home_country(self.findings(ctx), prof, ctx.options.get("country") or None)
        findings.sort(key=lambda f: (_OUTCOME_ORDER[f.outcome], -f.severity.rank, f.area.value, f.id))
        sources: list[DataSource] = []
        for provider in self.data_source_providers:
            sources.extend(provider(self.kb))
        sections: list[Section] = []
        for section_provider in self.section_providers:
            try:
                section = section_provider(ctx)
            except Exception:  # a broken detail section must not sink the audit
                log.exception("section provider %s failed", getattr(section_provider, "__name__", "?"))
                continue
            if section is not None:
                sections.append(section)
        verdict = _with_note(
            verdict_for(
                findings,
                prof,
                present_inputs(ctx.snapshot, capture=ctx.network is not None, apks=ctx.apps is not None),
            ),
            jurisdiction_note,
        )
        try:
            answers = answer_questions(ctx, findings, verdict)
        except Exception:  # answers restate findings; a bug there must not sink the audit
            log.exception("answering the owner's questions failed")
            answers = ()
        return Report(
            tool=f"howsafe {__version__}",
            generated_at=self.clock(),
            device=device_summary(ctx.snapshot),
            profile=prof.id,
            verdict=verdict,
            answers=answers,
            findings=tuple(findings),
            missing=ctx.snapshot.missing,
            data_sources=tuple(sources),
            sections=tuple(sections),
        )


def _with_note(verdict: Verdict, note: str) -> Verdict:
    """The verdict with ``note`` (why foreign jurisdiction counted) in front of its explanation."""
    if not note:
        return verdict
    return structs.replace(verdict, explanation=f"{note} {verdict.explanation}".strip())


def _declared(checks: Sequence[Check], attr: str, extra: Sequence[T]) -> list[T]:
    """What ``checks`` declare under ``attr`` followed by ``extra``, each provider once.

    Declared providers come in the order of the modules of the checks declaring them (the order
    reports have always used), then in declaration order.
    """
    ordered = sorted(checks, key=lambda c: type(c).__module__)
    out: list[T] = []
    for provider in [p for c in ordered for p in getattr(c, attr, ())] + list(extra):
        if all(provider is not p for p in out):
            out.append(provider)
    return out


_OUTCOME_ORDER = {
    Outcome.FAIL: 0,
    Outcome.ERROR: 1,
    Outcome.NOT_AVAILABLE: 2,
    Outcome.PASS: 3,
    Outcome.NOT_APPLICABLE: 4,
}
