"""The 2019-04 .. 2024-09 bulletin facts in the shipped database: coverage per month, attribution,
and open-CVE counts checked by hand against the source table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import DATA, DEVICES
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.sources import load_path
from howsafe.vulns.db import ABSENT, COMPLETE, PARTIAL, VulnDB, load_db
from howsafe.vulns.match import assess, data_line, one_line, open_vulns
from howsafe.vulns.model import UNRATED, ComponentKind, DeviceFacts, MatchStatus

FACTS = DATA / "vulns" / "bulletins-2019-2024" / "android_bulletins.json"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def db() -> VulnDB:
    return load_db(KnowledgeBase(bundled_data_dir(), None))


def test_months_carry_their_completeness(db: VulnDB) -> None:
    # COUNTS.md: 2023-04, -06, -07 have no Android bulletin rows; 2023-08 .. 2024-09 come only from
    # CVE records that cite the bulletin (vulnrichment); earlier months from full-table scrapes.
    assert db.months["2015-08"] == COMPLETE and db.months["2019-03"] == COMPLETE
    assert db.months["2019-04"] == COMPLETE and db.months["2023-03"] == COMPLETE
    assert db.months["2023-05"] == COMPLETE
    assert [m for m, st in db.months.items() if st == ABSENT] == ["2023-04", "2023-06", "2023-07"]
    partial = [m for m, st in db.months.items() if st == PARTIAL]
    assert partial[0] == "2023-08" and partial[-1] == "2024-09" and len(partial) == 14
    assert db.covers_until == dt.date(2024, 9, 5)
    assert "source.android.com" in db.source and "Android Security Bulletins" in db.licence


def test_coverage_names_partial_and_missing_months_for_a_device(db: VulnDB) -> None:
    cov = db.coverage(dt.date(2023, 2, 5))
    assert cov.absent == ("2023-04", "2023-06", "2023-07")
    text = cov.text()
    assert "published through 2024-09" in text
    assert "2023-04, 2023-06..2023-07" in text and "2023-08..2024-09" in text
    # a device patched past the gaps is told only about what it misses
    assert db.coverage(dt.date(2024, 8, 5)).absent == ()
    assert db.coverage(dt.date(2024, 8, 5)).partial == ("2024-09",)


def test_2023_03_counts_match_a_hand_count_of_the_source_table(db: VulnDB) -> None:
    # Hand count of the 2023-03-01 rows of android_bulletins.json for an Android 13 Qualcomm phone:
    # platform rows listing 13: System 9 + 5 + 2 + 1, Framework 4 + 3 + 1 = 25 (System "11, 12, 12L"
    # does not list 13); Qualcomm closed-source 18 + Qualcomm 3 = 21; Kernel 1; MediaTek and
    # Unisoc rows do not apply to a Qualcomm chip.
    facts = DeviceFacts(
        release="13",
        sdk=33,
        spl=dt.date(2023, 2, 5),
        brand="xiaomi",
        soc_vendor="Qualcomm",
        soc_evidence="ro.hardware=qcom",
    )
    march = [v for v in open_vulns(db, facts) if v.entry.bulletin == "2023-03-01"]
    assert all(v.status is MatchStatus.AFFECTED for v in march)
    kinds = [v.entry.kind for v in march]
    assert len(march) == 47
    assert kinds.count(ComponentKind.VENDOR) == 21 and kinds.count(ComponentKind.KERNEL) == 1
    raw = json.loads(FACTS.read_text(encoding="utf-8"))["rows"]
    assert {v.entry.cve for v in march} <= {r["cve"] for r in raw if r["bulletin"] == "2023-03-01"}


def test_vivo_android_14_counts_and_vendor_level_by_hand(db: VulnDB) -> None:
    # vivo PD2220: Android 14, ro.build.version.security_patch 2024-05-01, ro.vendor.build.security_patch
    # 2024-02-01, Qualcomm (ro.hardware=qcom). Hand count in android_bulletins.json: 43 distinct CVEs
    # in the 2024-06 .. 2024-09 Android bulletins whose updated versions list 14; 14 "Android SoC"
    # CVEs in 2024-02 .. 2024-09 (counted against the older vendor level, vendor not named:
    # possibly affected); no "Android kernel" rows in those months.
    snap = load_path(DEVICES / "vivo-PD2220-compiler05102005")
    a = assess(db, snap, TODAY)
    assert a.device.vendor_spl == dt.date(2024, 2, 1) and a.device.vendor_level == dt.date(2024, 2, 1)
    assert len(a.affected) == 43 and a.counts == {UNRATED: 43}
    assert len(a.possible) == 14
    assert {v.entry.cve for v in a.possible} >= {"CVE-2024-0042", "CVE-2024-23695", "CVE-2024-34726"}
    # CVE-2024-0042 (2024-04 bulletin, chip row at 2024-04-05) is older than the platform level
    # 2024-05-01: it is open only because the vendor image is at 2024-02-01
    (soc,) = [v for v in a.possible if v.entry.cve == "CVE-2024-0042"]
    assert soc.entry.spl == dt.date(2024, 4, 5) and soc.entry.kind is ComponentKind.VENDOR
    line = one_line(a)
    assert "43 vulnerabilities published after your last update (through 2024-09)" in line
    assert "severity not stated" in line
    assert "2024-02..2024-09" in data_line(a)
