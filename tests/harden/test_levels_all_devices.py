"""Across every fixture device: a `safe` plan never holds an Expert/Unsafe/never or account-bound package,
and every step carries level, reason and source."""

from __future__ import annotations

import json
from functools import cache

import pytest

from conftest import DATA, DEVICES
from harden.phones import NOW
from howsafe.engine import Auditor
from howsafe.harden import Plan, build_plan
from howsafe.harden.model import Level
from howsafe.kb import KnowledgeBase
from howsafe.kb.removal import never_list, removal_info
from howsafe.score import load_profile
from howsafe.sources import load_path

#: The user's own UAD copy, as `howsafe kb import-uad` would read it (test data, not bundled).
UAD: dict[str, dict[str, object]] = json.loads((DATA / "oem" / "uad_lists_ng.json").read_bytes())
FOLDERS = sorted(p.name for p in DEVICES.iterdir() if p.is_dir())
WITH_PACKAGES = [
    f for f in FOLDERS if (DEVICES / f / "packages.txt").is_file() or (DEVICES / f / "packages.partial.txt").is_file()
]


@cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.default()


def _plan(folder: str, level: Level, *, audit: bool = False) -> Plan:
    kb = _kb()
    snap = load_path(DEVICES / folder)
    profile = load_profile("at-risk")
    findings = ()
    if audit:
        auditor = Auditor(kb)
        findings = auditor.run(auditor.context(snap), profile).findings  # type: ignore[assignment]
    return build_plan(snap, kb, profile, findings, level=level, now=NOW)


def test_the_fixture_set_has_phones_with_package_lists() -> None:
    assert len(FOLDERS) >= 140 and len(WITH_PACKAGES) >= 14


@pytest.mark.parametrize("folder", FOLDERS)
def test_safe_plan_holds_only_safe_packages(folder: str) -> None:
    kb = _kb()
    plan = _plan(folder, "safe")
    never = never_list(kb)
    for step in plan.steps:
        assert step.level == "safe", step.id
        if step.kind != "package":
            continue
        info = removal_info(kb, step.target)
        assert info.group == "safe" and not info.account_bound, step.target
        assert step.target not in never, step.target
        uad = UAD.get(step.target, {}).get("removal")
        assert uad not in ("Expert", "Unsafe") or info.reason, (step.target, uad)
        assert step.op == "disable" and step.action[0].words[:2] == ("pm", "disable-user")
    for held in plan.held_back:
        assert held.level != "safe"


@pytest.mark.parametrize("folder", WITH_PACKAGES)
@pytest.mark.parametrize("level", ["safe", "advanced", "expert"])
def test_every_step_has_level_reason_source_and_an_inverse(folder: str, level: Level) -> None:
    plan = _plan(folder, level, audit=level == "safe")
    for step in plan.steps:
        assert step.level in ("safe", "advanced", "expert") and step.reason and step.source, step.id
        assert bool(step.action) == bool(step.undo), step.id
        if step.kind == "package" and level != "expert":
            assert step.op == "disable"
        if step.op == "uninstall":  # only at expert level, only for expert packages, data kept
            assert level == "expert" and step.level == "expert" and "-k" in step.action[0].words
    assert all(s.level != "never" for s in plan.steps)
    assert {h.package for h in plan.held_back}.isdisjoint({s.target for s in plan.steps})
