"""Coverage of the real Xiaomi/Redmi/POCO ROM package lists (exact ids only, prefix rules excluded)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from conftest import DATA, DEVICES, REPO
from howsafe.kb import KnowledgeBase
from howsafe.kb.coverage import measure_folder, read_package_ids
from howsafe.kb.packages import package_db

FOLDERS = sorted(d for d in DEVICES.iterdir() if d.is_dir() and read_package_ids(d))
XIAOMI = [d for d in FOLDERS if d.name.split("-")[0] in {"xiaomi", "redmi", "poco"}]


def test_there_are_xiaomi_rom_package_lists_to_measure() -> None:
    assert len(XIAOMI) >= 8


@pytest.mark.parametrize("folder", XIAOMI, ids=lambda d: d.name)
def test_at_least_95_percent_of_each_xiaomi_rom_is_classified(folder) -> None:  # type: ignore[no-untyped-def]
    cov = measure_folder(folder, package_db(KnowledgeBase()))
    assert cov is not None and cov.family == "xiaomi"
    if "CUSTOMROM" in folder.name:
        # An AOSP custom ROM that only spoofs a MIUI fingerprint ships no MIUI packages.
        assert cov.oem_ids == ()
        return
    assert len(cov.oem_ids) >= 5
    assert cov.percent is not None and cov.percent >= 95.0, cov.unclassified


def test_prefix_rules_do_not_count_as_classified() -> None:
    db = package_db(KnowledgeBase())
    guess = db.lookup("com.miui.not.a.real.package")
    assert guess is not None and (guess.vendor, guess.matched_by, guess.confidence) == ("Xiaomi", "prefix", "low")
    assert not db.classified("com.miui.not.a.real.package")


def test_the_coverage_document_lists_every_device_with_a_package_list() -> None:
    text = (REPO / "docs" / "kb-coverage.md").read_text(encoding="utf-8")
    for folder in FOLDERS:
        assert f"| {folder.name} |" in text


def test_the_coverage_document_is_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/kb-coverage.md states figures: they must be what the script measures on the fixtures now."""
    spec = importlib.util.spec_from_file_location("kb_coverage", REPO / "scripts" / "kb_coverage.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "kb-coverage.md"
    assert mod.main([str(DEVICES), "-o", str(out), "--uad", str(DATA / "oem" / "uad_lists_ng.json")]) == 0
    capsys.readouterr()
    assert (REPO / "docs" / "kb-coverage.md").read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), (
        "docs/kb-coverage.md is stale: run python scripts/kb_coverage.py --uad ../shared/data/oem/uad_lists_ng.json"
    )
