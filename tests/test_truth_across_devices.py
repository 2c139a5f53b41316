"""Issue 10 across every fixture device: advice never calls a non-safe package safe, and no
finding claims that data goes to mainland China without ROM (or capture) evidence."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pytest

from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.removal import removal_info
from howsafe.kb.rom_market import rom_market
from howsafe.model import Outcome, Report
from howsafe.sources import load_path

TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FOLDERS = sorted(p.name for p in DEVICES.iterdir() if p.is_dir())
_KB = KnowledgeBase(bundled_data_dir(), None)
_PKG = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_CHINA_CLAIMS = ("run from mainland China", "servers in mainland China", "Sends data to services in mainland China")


@cache
def _report(folder: str) -> tuple[Report, bool]:
    snap = load_path(DEVICES / folder)
    auditor = Auditor(_KB, clock=lambda: TODAY)
    return auditor.run(auditor.context(snap), "everyday"), rom_market(_KB, snap).china


def _safe_sentence(text: str) -> str:
    """The part of a remediation that calls packages safe (up to the end of that sentence)."""
    start = text.find("Safe to disable")
    return "" if start < 0 else text[start:].split(". ")[0]


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_remediation_calls_a_package_safe_whose_level_is_not_safe(folder: str) -> None:
    report, _ = _report(folder)
    texts = [f.remediation for f in report.findings if f.outcome is Outcome.FAIL]
    texts += [a.remediation for a in report.verdict.top_actions]
    for text in texts:
        sentence = _safe_sentence(text)
        for pid in _PKG.findall(sentence):
            if pid.startswith(("adb", "pm")) or "." not in pid:
                continue
            info = removal_info(_KB, pid)
            if info.known or info.level != "unknown":
                assert info.safe, (folder, pid, info.level, info.account_bound)
        # no other sentence uses the word "safe" about packages
        rest = text.replace(sentence, "")
        assert "safe to disable" not in rest.lower(), (folder, rest)


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_china_claim_without_rom_evidence(folder: str) -> None:
    report, china = _report(folder)
    for f in report.findings:
        if f.outcome is not Outcome.FAIL or f.area.value == "network":
            continue  # network findings stand on a capture's addresses
        claims = "jurisdiction:CN" in f.tags or any(c in f.summary for c in _CHINA_CLAIMS)
        if claims:
            assert china, (folder, f.id, f.summary[:200])


def test_the_fixtures_exercise_both_sides() -> None:
    """The properties above are not vacuous: some devices get China claims and some get advice."""
    china_claims = safe_advice = 0
    for folder in FOLDERS:
        report, _ = _report(folder)
        china_claims += any("jurisdiction:CN" in f.tags for f in report.findings)
        safe_advice += any("Safe to disable" in f.remediation for f in report.findings)
    assert china_claims >= 20 and safe_advice >= 5
