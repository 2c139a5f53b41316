"""``compare`` never contradicts itself: it ranks updates by facts, takes N >= 2 phones, and has HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.compare import DeviceColumn, compare_snapshots, differences
from howsafe.kb import KnowledgeBase
from howsafe.sources import load_path

XIAOMI = DEVICES / "xiaomi-sheng-OS2.0.205.0.VNXCNXM"  # SPL 2025-07-01
PIXEL = DEVICES / "google-oriole-13277524"  # SPL 2025-05-05
GARNET = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"  # firmware, SPL 2025-11-01
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _col(label: str, spl: str | None, updates_grade: str, eol: str) -> DeviceColumn:
    age = (NOW.date() - dt.date.fromisoformat(spl)).days if spl else None
    return DeviceColumn(
        label=label,
        source="folder",
        android="14",
        security_patch=spl,
        patch_age_days=age,
        end_of_life=eol,
        end_of_life_state=eol,  # type: ignore[arg-type]
        grade="C",
        score=60.0,
        headline="C",
        areas={"updates": updates_grade},
        failed={},
        vendor_flows=None,
        trackers=None,
        tracker_names=[],
        top_actions=[],
    )


def test_a_newer_patch_level_ranks_better_on_updates_whatever_the_grades() -> None:
    newer = _col("Newer", "2025-11-01", "C", "supported")
    older = _col("Older", "2024-01-01", "A", "supported")  # graded better (e.g. its CVE check could not run)
    (line,) = [d for d in differences([older, newer]) if d.startswith("Security updates")]
    assert line.index("Newer") < line.index("Older") and "is better than" in line
    patches = [d for d in differences([older, newer]) if d.startswith("Security patches")]
    assert patches and patches[0].startswith("Security patches: Newer")


def test_an_unknown_end_of_support_is_not_better_than_a_known_one() -> None:
    known = _col("Known", "2025-05-01", "C", "supported")
    unknown = _col("Unknown", "2025-05-01", "A", "unknown")
    (line,) = [d for d in differences([unknown, known]) if d.startswith("Security updates")]
    assert line.startswith("Security updates: Known")
    ended = _col("Ended", "2025-05-01", "B", "ended")
    # same patch level, unknown vs ended: the facts tie, and a better grade must not rank "unknown" first
    assert not [d for d in differences([unknown, ended]) if d.startswith("Security updates")]


def test_three_phones_are_ranked_in_one_sentence_per_row() -> None:
    kb = KnowledgeBase.default()
    snaps = [load_path(p) for p in (XIAOMI, PIXEL, GARNET)]
    cmp = compare_snapshots(snaps, "everyday", kb=kb, clock=lambda: NOW)
    assert len(cmp.devices) == 3
    (updates,) = [d for d in cmp.differences if d.startswith("Security updates")]
    order = [c.label for c in sorted(cmp.devices, key=lambda c: c.security_patch or "")][::-1]
    positions = [updates.index(label) for label in order]
    assert positions == sorted(positions)  # newest patch first
    with pytest.raises(ValueError):
        compare_snapshots(snaps[:1], "everyday", kb=kb, clock=lambda: NOW)
    one = dataclasses.replace(cmp, devices=cmp.devices[:2])
    assert len(one.devices) == 2


def test_compare_cli_three_phones_html_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(XIAOMI), str(PIXEL), str(GARNET), "--format", "html"]) == 0
    page = capsys.readouterr().out

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)

    parsed = Cells()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.tags.count("table") == 1
    assert "Content-Security-Policy" in page and "Pixel 6" in page and "What differs" in page
    assert main(["compare", str(XIAOMI), str(PIXEL), str(GARNET), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["devices"]) == 3
    assert all(c["end_of_life_state"] in ("supported", "ended", "partly known", "unknown") for c in data["devices"])


def test_compare_needs_two_phones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(XIAOMI)]) == 2
    assert "at least two" in capsys.readouterr().err
