"""The terminal report: verdict first, grades, actions, evidence, gaps and data dates, no injection."""

from __future__ import annotations

import re

import pytest
from msgspec.structs import replace

from howsafe.errors import ReportError
from howsafe.model import Package, Report, Snapshot
from howsafe.report import render
from howsafe.score.verdict import area_label
from report.report_helpers import PIXEL, XIAOMI, audit, snapshot_from_folder


@pytest.fixture(scope="module")
def xiaomi() -> tuple[Snapshot, Report]:
    snap = snapshot_from_folder(XIAOMI)
    return snap, audit(snap)


def test_verdict_comes_first_then_sections_in_reading_order(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    out = render(report, "text", snapshot=snap)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert "Verdict" in lines[0]
    grade = report.verdict.grade.value
    # the badge shows the grade once; the headline beside it does not repeat "C: "
    assert report.verdict.headline.removeprefix(f"{grade}: ") in lines[1]
    assert f"{grade}: " not in lines[1]
    headings = [ln.split(" ─")[0] for ln in lines if ln.endswith("───")]
    assert headings == [
        "Your questions",
        "Grades by area",
        "What to do first",
        "Problems found (5)",
        "Not checked",
        "Device",
        "Knowledge used",
        "Installed packages by vendor prefix",
    ]


def test_every_area_has_its_grade(xiaomi: tuple[Snapshot, Report]) -> None:
    _, report = xiaomi
    out = render(report, "text")
    for area in report.verdict.areas:
        line = next(ln for ln in out.splitlines() if area_label(area.area) in ln and f"[{area.grade.value}]" in ln)
        assert area.summary.split(";")[0] in line


def test_top_actions_and_failed_findings_show_their_evidence(xiaomi: tuple[Snapshot, Report]) -> None:
    _, report = xiaomi
    out = render(report, "text", width=160)
    actions = out[out.index("What to do first") : out.index("Problems found")]
    assert "1. Security patches are more than a year old" in actions
    assert "Install the latest system update" in actions
    # The real SPL of this Redmi 5 Plus, with where it was read.
    assert "seen: property ro.build.version.security_patch = 2019-06-01 (getprop.txt)" in out
    assert "seen: package com.miui.analytics = installed (packages.txt)" in out
    assert "HIGH" in out and "MEDIUM" in out


def test_gaps_errors_and_data_dates_are_stated(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    out = render(report, "text", snapshot=snap, width=160)
    assert "network traffic: not checked: no data" in out
    assert "no traffic capture was given" in out
    assert "Check test.broken could not run" in out
    assert "Android Security Bulletins test: covers up to 2019-03" in out
    assert "howsafe kb update" in out
    assert re.search(r"Security patch level +2019-06-01", out)
    assert re.search(r"Packages +220 total", out)
    # The source folder is named, the user's directory layout is not.
    assert re.search(rf"Source +\w+: {re.escape(XIAOMI.name)}", out)
    assert str(XIAOMI.parent) not in out


def test_plain_without_colour_and_within_width(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    plain = render(report, "text", snapshot=snap, width=80)
    assert "\x1b" not in plain
    assert max(len(ln) for ln in plain.splitlines()) <= 80
    coloured = render(report, "text", snapshot=snap, color=True)
    assert "\x1b[" in coloured


def test_without_snapshot_there_is_no_device_table(xiaomi: tuple[Snapshot, Report]) -> None:
    _, report = xiaomi
    out = render(report, "text")
    assert "Build fingerprint" not in out
    assert "Verdict" in out


def test_pixel_renders_with_its_own_identity() -> None:
    snap = snapshot_from_folder(PIXEL)
    report = audit(snap)
    out = render(report, "text", snapshot=snap, width=200)
    assert "Pixel 5" in out
    assert "redfin" in out
    assert "vendor data collection" in out


def test_device_strings_cannot_drive_the_terminal(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, _ = xiaomi
    label = "[bold red]Bank[/bold red]\x1b[2J\x1b]8;;http://evil.example/\x07click\u202egnp.exe\nFAKE LINE"
    evil = replace(snap, packages=(*(snap.packages or ()), Package(id="com.evil.term", label=label, system=False)))
    out = render(audit(evil), "text", snapshot=evil, color=True, width=200)
    assert "[bold red]Bank[/bold red]" in out  # markup shown literally, not interpreted
    assert "\x1b[2J" not in out and "\x1b]8" not in out and "\x07" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out
    assert not any(ln.startswith("FAKE LINE") for ln in out.splitlines())


def test_unknown_format_is_a_clear_error(xiaomi: tuple[Snapshot, Report]) -> None:
    with pytest.raises(ReportError, match="unknown report format 'pdf'"):
        render(xiaomi[1], "pdf")
