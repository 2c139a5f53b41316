"""Minimum evidence for a verdict (docs/evidence-rules.md), on every real fixture device.

A getprop-only dump, a package list without getprop, or either one cut down, must never read as a
pass: the grade is "?" (not enough evidence), the report says what is missing and how to get it,
and `howsafe audit` exits 3. Areas are graded only with their inputs and enough judged checks.
"""

from __future__ import annotations

import datetime as dt
import shutil
from functools import cache
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DEVICES
from howsafe.cli import main
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.model import Area, Grade, Outcome, Report
from howsafe.score import load_profile, verdict_for
from howsafe.score.evidence import load_rules
from howsafe.sources import load_path

TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FOLDERS = sorted(p.name for p in DEVICES.iterdir() if p.is_dir())
PACKAGE_FILES = ("packages.txt", "packages.partial.txt")
WITH_PACKAGES = [f for f in FOLDERS if any((DEVICES / f / n).is_file() for n in PACKAGE_FILES)]
WITH_GETPROP = [f for f in FOLDERS if (DEVICES / f / "getprop.txt").is_file()]


@cache
def _auditor() -> Auditor:
    return Auditor(KnowledgeBase(bundled_data_dir(), None), clock=lambda: TODAY)


def _audit(folder: Path, profile: str = "everyday") -> Report:
    au = _auditor()
    return au.run(au.context(load_path(folder)), profile)


def _only(tmp: Path, folder: str, names: tuple[str, ...]) -> Path:
    out = tmp / folder
    out.mkdir(parents=True)
    for n in names:
        if (DEVICES / folder / n).is_file():
            shutil.copyfile(DEVICES / folder / n, out / n)
    return out


def _assert_no_verdict(report: Report, missing_word: str) -> None:
    v = report.verdict
    assert v.grade is Grade.UNKNOWN and v.score is None, v.headline
    assert "not enough evidence" in v.headline
    assert v.evidence_missing and any(missing_word in m for m in v.evidence_missing)
    assert any("howsafe collect --adb" in m for m in v.evidence_missing)


@pytest.mark.parametrize("folder", WITH_GETPROP)
def test_getprop_only_dump_gets_no_verdict_and_no_vendor_grade(folder: str, tmp_path: Path) -> None:
    report = _audit(_only(tmp_path, folder, ("getprop.txt",)))
    _assert_no_verdict(report, "package")
    areas = {a.area: a for a in report.verdict.areas}
    # vendor and apps areas need a package list, whatever a property-only check concluded
    assert areas[Area.VENDOR].grade is Grade.UNKNOWN and areas[Area.APPS].grade is Grade.UNKNOWN


@pytest.mark.parametrize("folder", WITH_PACKAGES)
def test_package_list_without_getprop_gets_no_verdict(folder: str, tmp_path: Path) -> None:
    report = _audit(_only(tmp_path, folder, PACKAGE_FILES))
    _assert_no_verdict(report, "security patch level")
    areas = {a.area: a for a in report.verdict.areas}
    assert areas[Area.UPDATES].grade is Grade.UNKNOWN


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_fixture_device_grades_a_without_both_inputs(folder: str) -> None:
    snap = load_path(DEVICES / folder)
    report = _audit(DEVICES / folder, "at-risk" if len(folder) % 2 else "everyday")
    if snap.device.security_patch is None or not snap.packages:
        _assert_no_verdict(report, "")
    else:
        assert not report.verdict.evidence_missing
    for a in report.verdict.areas:
        if a.grade is not Grade.UNKNOWN:
            judged = [f for f in report.findings if f.area is a.area and f.outcome in (Outcome.PASS, Outcome.FAIL)]
            assert len({f.check for f in judged}) >= load_rules().areas[a.area].min_judged


@pytest.mark.parametrize(
    ("folder", "names"),
    [
        ("redmi-rosemary-unknown-ksalokya3", PACKAGE_FILES),  # a 33-line package list from an issue
        ("xiaomi-lmi-V14.0.1.0.SJKMIXM-uad838", PACKAGE_FILES),
        ("google-oriole-13277524", ("getprop.txt",)),
        ("huawei-HWHMA-200C00R2", ("getprop.txt",)),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json", "md"])
def test_audit_exits_3_on_partial_input(
    folder: str, names: tuple[str, ...], fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _only(tmp_path, folder, names)
    rc = main(["audit", str(src), "--format", fmt, "--profile", "everyday"])
    out = capsys.readouterr().out
    assert rc == 3
    assert "not enough evidence" in out and "howsafe collect --adb" in out


def test_full_input_is_still_graded_and_exits_0_or_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["audit", "--demo", "--format", "json"])
    assert rc in (0, 1)
    assert '"evidence_missing": []' in capsys.readouterr().out


def test_vulns_without_a_patch_level_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _only(tmp_path, "redmi-rosemary-unknown-ksalokya3", PACKAGE_FILES)
    assert main(["vulns", str(src)]) == 3
    assert "security patch level" in capsys.readouterr().out


def test_one_judged_check_does_not_grade_an_area() -> None:
    # Without inputs (a caller that only has findings) the judged-check rule still applies.
    report = _audit(DEVICES / "google-oriole-13277524")
    vendor = [f for f in report.findings if f.area is Area.VENDOR]
    one = [next(f for f in vendor if f.outcome is not Outcome.ERROR)]
    one = [replace(one[0], outcome=Outcome.PASS)]
    v = verdict_for(one, load_profile("everyday"))
    (area,) = [a for a in v.areas if a.area is Area.VENDOR]
    assert area.grade is Grade.UNKNOWN and "at least 2 needed" in area.summary
