"""Coverage of the real Xiaomi/Redmi/POCO ROM package lists (exact ids only, prefix rules excluded)."""

from __future__ import annotations

import pytest

from conftest import DEVICES, REPO
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
    assert db.lookup("com.miui.not.a.real.package") is not None
    assert not db.classified("com.miui.not.a.real.package")


def test_the_coverage_document_lists_every_device_with_a_package_list() -> None:
    text = (REPO / "docs" / "kb-coverage.md").read_text(encoding="utf-8")
    for folder in FOLDERS:
        assert f"| {folder.name} |" in text
