"""The default reports answer the owner's questions, one line each, from the findings."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.model import Report
from howsafe.report import render
from howsafe.sources import load_path

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IDS = ["china", "analytics", "backup", "patches", "profile"]


def _audit(folder: Path, profile: str = "everyday") -> Report:
    au = Auditor(KnowledgeBase(bundled_data_dir(), None), clock=lambda: NOW)
    return au.run(au.context(load_path(folder)), profile)


def _answers(report: Report) -> dict[str, str]:
    return {a.id: a.answer for a in report.answers}


def _pre_bulletin_dump(tmp_path: Path) -> Path:
    # the real Meizu MX5 (Android 5.1) getprop without its patch-level line, plus a real package list
    out = tmp_path / "pre"
    out.mkdir()
    lines = (DEVICES / "meizu-mx5-1600774225" / "getprop.txt").read_text(encoding="utf-8").splitlines()
    (out / "getprop.txt").write_text(
        "\n".join(ln for ln in lines if "ro.build.version.security_patch" not in ln) + "\n", encoding="utf-8"
    )
    shutil.copyfile(DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM" / "packages.txt", out / "packages.txt")
    return out


def test_five_answers_in_order_each_one_line() -> None:
    report = _audit(DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM")
    assert [a.id for a in report.answers] == IDS
    for a in report.answers:
        assert a.answer and "\n" not in a.answer
    ans = _answers(report)
    # a Global ROM: not called a China ROM, and the evidence is named
    assert ans["china"].startswith("No China-market ROM") and "Global" in ans["china"]
    # analytics: the packages found, and where the switches are on this ROM
    assert "com.miui.analytics" in ans["analytics"] and "User Experience Program" in ans["analytics"]
    assert "Settings >" in ans["analytics"]
    # backups: contacts and call history, and whose servers
    assert "contacts" in ans["backup"] and "Xiaomi" in ans["backup"]
    assert "StageFright" in ans["patches"] and "monthly bulletin" in ans["patches"]
    assert report.verdict.headline in ans["profile"]


def test_china_rom_answer_says_yes_with_the_rom_evidence() -> None:
    ans = _answers(_audit(DEVICES / "redmi-picasso-V13.0.3.0.SGICNXM"))
    assert ans["china"].startswith("Yes") and "mainland China" in ans["china"]
    assert "(evidence: ro." in ans["china"]  # the ROM property that says so


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_stagefright_and_answers_appear_in_every_human_format(fmt: str, tmp_path: Path) -> None:
    folder = _pre_bulletin_dump(tmp_path)
    report = _audit(folder)
    out = render(report, fmt, snapshot=load_path(folder))
    assert "Your questions" in out
    assert "StageFright: OPEN" in out
    assert "unpatched since before 2015-08-01" in out
    assert out.count("Is it fit for my profile?") == 1


def test_pre_bulletin_dump_with_packages_is_graded_and_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _pre_bulletin_dump(tmp_path)
    assert main(["audit", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "StageFright" in out and "Redmi Redmi" not in out
