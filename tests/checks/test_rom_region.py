"""vendor.rom_region on real devices: China-market ROMs are named from their properties alone."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEVICES
from howsafe.checks.base import AuditContext
from howsafe.checks.rom_region import RomRegionCheck
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome
from howsafe.sources import load_path


def run(folder: str):  # type: ignore[no-untyped-def]
    snap = load_path(DEVICES / folder)
    [f] = RomRegionCheck().run(AuditContext(snapshot=snap, kb=KnowledgeBase.default(), today=dt.date(2026, 11, 30)))
    return f


@pytest.mark.parametrize(
    ("folder", "key", "confidence"),
    [
        ("xiaomi-sheng-OS2.0.205.0.VNXCNXM", "ro.mi.os.version.incremental", "high"),  # HyperOS ...CNXM
        ("huawei-HWANG-11.0.0.155C00", "ro.build.display.id", "high"),  # (C00E137R9P2)
        ("vivo-PD2220-compiler05102005", "ro.product.locale", "medium"),  # zh-CN default locale only
    ],
)
def test_china_market_roms_fail_with_the_property_that_says_so(folder: str, key: str, confidence: str) -> None:
    f = run(folder)
    assert f.outcome is Outcome.FAIL
    assert "jurisdiction:CN" in f.tags
    assert f.evidence[0].key == key
    assert f.confidence == confidence


def test_global_rom_passes_and_names_its_region() -> None:
    f = run("redmi-garnet-OS2.0.205.0.VNRMIXM")
    assert f.outcome is Outcome.PASS and "Global" in f.summary


def test_china_samsung_is_not_guessed() -> None:
    # Samsung's China hosting is not in the knowledge base: say so rather than pass or fail.
    f = run("samsung-q7q-F9660ZCS2AYGG")
    assert f.outcome is Outcome.NOT_AVAILABLE and "Samsung" in f.summary
