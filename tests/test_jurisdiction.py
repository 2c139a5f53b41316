"""Government profile: 'foreign jurisdiction' is relative to the owner's home country (issue 10 §3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from conftest import DEVICES
from howsafe.cli import cli, main
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.model import Outcome, Report, Severity
from howsafe.score.saved import config_path, saved_country
from howsafe.sources import load_path

NIKEL = DEVICES / "xiaomi-nikel-V10.2.1.0.MBFMIXM"  # MIUI Global ROM: Xiaomi hosts it in Singapore
HUAWEI_CN = DEVICES / "huawei-HWANG-11.0.0.155C00"  # China-market EMUI build (C00)
TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _audit(folder: object, profile: str, country: str | None) -> Report:
    auditor = Auditor(KnowledgeBase(bundled_data_dir(), None), clock=lambda: TODAY)
    options = {"country": country} if country else {}
    return auditor.run(auditor.context(load_path(folder), options=options), profile)  # type: ignore[arg-type]


def _finding(report: Report, fid: str):  # type: ignore[no-untyped-def]
    return next(f for f in report.findings if f.id == fid)


def test_data_hosted_in_another_state_is_at_least_high_and_the_verdict_says_so() -> None:
    report = _audit(NIKEL, "government", "DE")
    tele = _finding(report, "vendor.telemetry")
    assert tele.outcome is Outcome.FAIL
    assert "jurisdiction:SG" in tele.tags and "jurisdiction:foreign" in tele.tags
    assert tele.severity.rank >= Severity.HIGH.rank
    assert "foreign to your home country DE" in tele.summary
    assert "foreign state's jurisdiction" in report.verdict.explanation and "SG" in report.verdict.explanation


def test_the_home_state_is_not_foreign() -> None:
    report = _audit(NIKEL, "government", "SG")
    tele = _finding(report, "vendor.telemetry")
    assert "jurisdiction:foreign" not in tele.tags and "jurisdiction:home" in tele.tags
    assert tele.severity is Severity.MEDIUM
    assert "foreign state" not in report.verdict.explanation


def test_a_china_rom_is_foreign_for_a_german_owner_and_home_for_a_chinese_one() -> None:
    de = _finding(_audit(HUAWEI_CN, "government", "DE"), "vendor.rom_region")
    cn = _finding(_audit(HUAWEI_CN, "government", "CN"), "vendor.rom_region")
    assert de.outcome is Outcome.FAIL and "jurisdiction:foreign" in de.tags and de.severity.rank >= Severity.HIGH.rank
    assert "jurisdiction:foreign" not in cn.tags and cn.severity is Severity.MEDIUM


def test_without_a_home_country_every_state_is_foreign_and_the_verdict_asks_for_it() -> None:
    report = _audit(NIKEL, "government", None)
    assert "jurisdiction:foreign" in _finding(report, "vendor.telemetry").tags
    assert "home country is not set" in report.verdict.explanation


def test_other_profiles_are_not_relative() -> None:
    report = _audit(NIKEL, "everyday", "DE")
    tele = _finding(report, "vendor.telemetry")
    assert "jurisdiction:foreign" not in tele.tags and tele.severity is Severity.MEDIUM


def test_profile_command_stores_the_country_and_audit_uses_or_overrides_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--set", "government", "--country", "de"]) == 0
    assert saved_country() == "DE"
    assert json.loads(config_path().read_text(encoding="utf-8"))["country"] == "DE"
    assert main(["profile", "--show"]) == 0
    assert "Home country: DE" in capsys.readouterr().out
    assert main(["audit", str(NIKEL), "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert "foreign to your home country DE" in report["verdict"]["explanation"] or any(
        "foreign to your home country DE" in f["summary"] for f in report["findings"]
    )
    assert main(["audit", str(NIKEL), "--format", "json", "--country", "SG"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    tele = next(f for f in report["findings"] if f["id"] == "vendor.telemetry")
    assert "jurisdiction:home" in tele["tags"]


def test_the_government_questions_ask_for_the_home_country() -> None:
    result = CliRunner().invoke(cli, ["profile"], input="y\nn\nn\nn\nn\nadvertisers\nfr\n")
    assert result.exit_code == 0, result.output
    assert "Your profile: government" in result.output
    assert saved_country() == "FR"


def test_a_bad_country_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(NIKEL), "--country", "Germany"]) == 2
    assert "two-letter ISO 3166" in capsys.readouterr().err
