"""Hosting words name the market this ROM was built for, never both halves of a vendor's split.

A Global or India Xiaomi ROM is hosted in Singapore or India per Xiaomi's privacy policy; printing
"mainland China for China ROMs; Singapore ... for international ROMs" on that phone's plan or report
invites the reader to believe the wrong half. The narrowing lives in ``kb.rom_market.hosting_for_rom``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.harden.plan import build_plan
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.rom_market import RomMarket, hosting_for_rom, rom_market
from howsafe.model import Report
from howsafe.score.profile import load_profile
from howsafe.sources import load_path

TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPLIT = "Xiaomi servers: mainland China for China ROMs; Singapore, Europe, India or Russia for international ROMs"
KB = KnowledgeBase(bundled_data_dir(), None)


def _texts(folder: str) -> tuple[list[str], Report]:
    snap = load_path(DEVICES / folder)
    auditor = Auditor(KB, clock=lambda: TODAY)
    report = auditor.run(auditor.context(snap), "everyday")
    plan = build_plan(snap, KB, load_profile("everyday"), report.findings, level="expert", now=TODAY)
    texts = [s.reason for s in plan.steps] + [f.summary for f in report.findings]
    texts += [" ".join(r) for s in report.sections for t in s.tables for r in t.rows]
    texts += [a.answer for a in report.answers]
    return texts, report


@pytest.mark.parametrize(
    ("folder", "where"),
    [
        ("redmi-garnet-OS2.0.205.0.VNRMIXM", "Singapore"),
        ("xiaomi-vince-V10.2.3.0.OEGMIXM", "Singapore"),
        ("redmi-curtana-V12.0.3.0.RJWINXM", "India"),
    ],
)
def test_an_international_xiaomi_rom_names_its_region_and_not_china(folder: str, where: str) -> None:
    texts, _ = _texts(folder)
    hosted = [t for t in texts if "Hosted:" in t or "hosts" in t]
    assert hosted, "the plan for a Xiaomi phone with vendor telemetry names where it is hosted"
    assert all("China ROMs" not in t and "mainland China" not in t for t in texts), [t for t in texts if "China" in t][
        :3
    ]
    assert any(where in t for t in hosted)


def test_a_china_rom_names_mainland_china_and_not_the_international_servers() -> None:
    texts, _ = _texts("xiaomi-sheng-OS2.0.205.0.VNXCNXM")
    hosted = [t for t in texts if "Hosted:" in t]
    assert any("mainland China (this phone runs a China-market ROM)" in t for t in hosted)
    assert all("international ROMs" not in t and "Singapore" not in t for t in texts)


def test_unknown_market_keeps_the_whole_statement_and_unsplit_words_pass_unchanged() -> None:
    unknown = RomMarket(china=False, region=None)
    assert hosting_for_rom(KB, SPLIT, unknown, "xiaomi") == SPLIT
    assert hosting_for_rom(KB, "Samsung servers", RomMarket(china=True, region="CN"), "samsung") == "Samsung servers"
    assert hosting_for_rom(KB, None, unknown, "xiaomi") is None


def test_an_international_rom_of_a_vendor_without_regional_hosting_data_says_so() -> None:
    market = RomMarket(china=False, region="Global")
    words = hosting_for_rom(
        KB, "Huawei cloud (mainland China for China ROMs; regional data centres elsewhere)", market, "huawei"
    )
    assert words is not None and "not in the knowledge base" in words and "China ROMs" not in words


def test_the_rule_reads_the_build_not_the_folder_name() -> None:
    # the same answer the China-ROM rule gives, so the words can never disagree with vendor.rom_region
    snap = load_path(DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM")
    assert rom_market(KB, snap).china is False
