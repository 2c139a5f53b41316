"""The contract between checks and the engine: checks declare, the engine provides.

- no module in ``howsafe.checks`` imports the engine (the import arrows point one way);
- a check's ``requires`` is enforced by the engine, which answers ``not_available`` with the reason;
- derived facts are computed once per audit and travel on the context;
- sections and data sources come from the checks that run (or are passed to the Auditor).
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from msgspec.structs import replace

from conftest import DEVICES
from howsafe.checks import all_checks
from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.model import Finding, Outcome
from howsafe.sources import load_path

CHECKS_DIR = Path(__file__).resolve().parents[2] / "src" / "howsafe" / "checks"
TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
XIAOMI = "xiaomi-vince-V10.2.3.0.OEGMIXM"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_check_module_imports_the_engine() -> None:
    offenders = {p.name for p in CHECKS_DIR.glob("*.py") if any(m.startswith("howsafe.engine") for m in _imports(p))}
    assert offenders == set()
    assert len(list(CHECKS_DIR.glob("*.py"))) > 8  # the scan really saw the check modules


def test_every_registered_check_has_its_definition_and_known_requirements() -> None:
    from howsafe.checks.base import REQUIREMENTS

    for check in all_checks():
        assert isinstance(check, BaseCheck), check.id
        assert check.defn.id == check.id
        for need in check.requires:
            assert need in REQUIREMENTS or need.startswith("settings."), (check.id, need)


class _NeedsPackages(BaseCheck):
    id = "apps.sideload"  # borrows a real definition for its prose
    requires = ("packages", "settings.secure")
    ran = 0

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        type(self).ran += 1
        return [self.defn.finding(Outcome.PASS, summary="ran")]


def _getprop_only() -> AuditContext:
    snap = load_path(DEVICES / XIAOMI)
    snap = replace(snap, packages=None)
    return AuditContext(snapshot=snap, kb=KnowledgeBase(), today=TODAY.date())


def test_engine_answers_not_available_with_the_reason_and_never_runs_the_check() -> None:
    check = _NeedsPackages()
    report = Auditor(KnowledgeBase(), [check], clock=lambda: TODAY).run(_getprop_only())
    (f,) = report.findings
    assert f.outcome is Outcome.NOT_AVAILABLE
    assert f.summary == "Not available: no package list."
    assert _NeedsPackages.ran == 0


def test_a_missing_settings_namespace_is_named() -> None:
    ctx = _getprop_only()
    snap = load_path(DEVICES / XIAOMI)
    ctx = AuditContext(snapshot=replace(snap, settings={}), kb=ctx.kb, today=ctx.today)
    (f,) = Auditor(KnowledgeBase(), [_NeedsPackages()], clock=lambda: TODAY).run(ctx).findings
    assert f.outcome is Outcome.NOT_AVAILABLE
    assert "secure settings were not captured" in f.summary


class _ReadsFacts(BaseCheck):
    id = "updates.open_cves"
    seen: list[object] = []  # noqa: RUF012 - test bookkeeping

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        type(self).seen.append(ctx.facts.vulns)
        return []


def test_derived_facts_are_computed_once_per_audit_and_not_shared_between_audits() -> None:
    snap = load_path(DEVICES / XIAOMI)
    auditor = Auditor(KnowledgeBase(), [_ReadsFacts(), _ReadsFacts()], clock=lambda: TODAY)
    auditor.run(auditor.context(snap))
    first, second = _ReadsFacts.seen
    assert first is second  # one assessment for both checks
    assert first.device.spl == dt.date(2019, 6, 1)  # type: ignore[attr-defined]  # the real patch level
    auditor.run(auditor.context(snap))
    assert _ReadsFacts.seen[2] is not first  # a new audit computes its own


def test_sections_and_data_sources_come_from_the_checks_that_run() -> None:
    snap = load_path(DEVICES / XIAOMI)
    kb = KnowledgeBase()
    only_vendor = Auditor(kb, all_checks(lambda c: c.id == "vendor.telemetry"), clock=lambda: TODAY)
    report = only_vendor.run(only_vendor.context(snap))
    assert [s.id for s in report.sections] == ["vendor-flows"]
    assert len(report.data_sources) == 1  # the package knowledge only
    everything = Auditor(kb, clock=lambda: TODAY)
    full = everything.run(everything.context(snap))
    assert "vendor-flows" in {s.id for s in full.sections}
    assert len(full.data_sources) > 1
