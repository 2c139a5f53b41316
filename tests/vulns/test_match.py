"""Matching rules and exact open-CVE counts on the shipped bulletin database.

How the expected counts were made by hand (open the pages on source.android.com/security/bulletin
or in the saved HTML): a device with patch level P has every row with a patch level <= P fixed.
Count the rows of the later sections whose "Updated AOSP versions" list the device's release (rows
without that column, kernel and vendor ones, apply to every release), keeping vendor rows only for
the device's SoC vendor, counting each CVE once.

* 2019-03-01 section, Android 9: 27 rows, all list 9 except CVE-2019-1985 (7.0-8.0): 26 rows =
  3 Critical (CVE-2019-1989, -1990, -2009), 1 Moderate (CVE-2019-2005), 22 High.
  Android 8.0: 27 rows minus CVE-2019-2006 ("9"), -2007 and -2018 ("8.1, 9"): 24 rows =
  3 Critical, 1 Moderate, 20 High.
* 2019-03-05 section: System CVE-2019-2023 (8.0, 8.1, 9, High); Kernel CVE-2018-10883,
  CVE-2019-2024, CVE-2019-2025 (High); Qualcomm (components and closed-source) 9 distinct CVEs:
  Critical CVE-2017-8252 (listed 5 times), CVE-2018-11817 (twice), CVE-2018-11958; High
  CVE-2018-11966, -11970, -11971, -13899, -13917, -13918.
* 2019-02-05 section: Kernel CVE-2018-10879, CVE-2019-1999, -2000, -2001 (High); NVIDIA and
  Qualcomm rows apply only to those SoCs.
* Pixel bulletin 2019-01-01 (level 2019-01-05): CVE-2018-13098 and CVE-2018-13099, Moderate, kernel.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEVICES
from howsafe.kb import KnowledgeBase
from howsafe.model import Device, Severity, Snapshot, SourceInfo, SourceKind
from howsafe.sources import load_path
from howsafe.vulns.db import VulnDB, load_db
from howsafe.vulns.match import (
    applies,
    assess,
    bulletins_behind,
    count_by_severity,
    facts_of,
    one_line,
    open_vulns,
)
from howsafe.vulns.model import ComponentKind, DeviceFacts, MatchStatus, VulnEntry


@pytest.fixture(scope="module")
def db() -> VulnDB:
    return load_db(KnowledgeBase())


def facts(release: str, spl: str, brand: str = "OnePlus", soc: str | None = "Qualcomm") -> DeviceFacts:
    return DeviceFacts(
        release=release,
        sdk=None,
        spl=dt.date.fromisoformat(spl),
        brand=brand,
        manufacturer=brand,
        soc_vendor=soc,
    )


# The hand counts below were made on the bulletins published up to March 2019: the matcher is
# asked "as of" that date, so later bulletins (also in the database) are left out.
AS_OF = dt.date(2019, 3, 31)


def counts(db: VulnDB, f: DeviceFacts) -> dict[str, int]:
    return count_by_severity(v for v in open_vulns(db, f, AS_OF) if v.status is MatchStatus.AFFECTED)


@pytest.mark.parametrize(
    ("release", "spl", "soc", "expected"),
    [
        # 2019-03-05 only: CVE-2019-2023 + 3 kernel rows; Qualcomm rows do not apply to a Kirin
        ("9", "2019-03-01", "HiSilicon", {"high": 4}),
        # 2019-03-05 only, Android 7.1.1 (CVE-2019-2023 lists 8.0+): 3 kernel + 9 Qualcomm CVEs
        ("7.1.1", "2019-03-01", "Qualcomm", {"critical": 3, "high": 9}),
        # 2019-03-01 (3 C, 22 H, 1 M) + 2019-03-05 (4 H + Qualcomm 3 C, 6 H)
        ("9", "2019-02-05", "Qualcomm", {"critical": 6, "high": 32, "medium": 1}),
        # 2019-03-01 for 8.0 (3 C, 20 H, 1 M) + 2019-03-05 without Qualcomm (4 H)
        ("8.0", "2019-02-05", "MediaTek", {"critical": 3, "high": 24, "medium": 1}),
        # a -01 patch level misses the same month's -05 half: + 4 kernel rows of 2019-02-05
        ("9", "2019-02-01", "MediaTek", {"critical": 3, "high": 30, "medium": 1}),
        # the last level in the data: nothing open
        ("9", "2019-03-05", "Qualcomm", {}),
    ],
)
def test_exact_open_counts(db: VulnDB, release: str, spl: str, soc: str, expected: dict[str, int]) -> None:
    assert counts(db, facts(release, spl, soc=soc)) == expected


def test_the_four_highs_of_a_kirin_phone_are_the_ones_counted_by_hand(db: VulnDB) -> None:
    found = {v.entry.cve for v in open_vulns(db, facts("9", "2019-03-01", soc="HiSilicon"), AS_OF)}
    assert found == {"CVE-2018-10883", "CVE-2019-2023", "CVE-2019-2024", "CVE-2019-2025"}


def test_pixel_bulletin_rows_only_for_google_devices(db: VulnDB) -> None:
    google = {v.entry.cve for v in open_vulns(db, facts("9", "2018-12-05", brand="google"), AS_OF)}
    other = {v.entry.cve for v in open_vulns(db, facts("9", "2018-12-05", brand="OnePlus"), AS_OF)}
    assert google - other == {"CVE-2018-13098", "CVE-2018-13099"}
    assert other <= google


def test_soc_vendor_rows_are_possible_when_the_soc_is_unknown(db: VulnDB) -> None:
    vulns = open_vulns(db, facts("9", "2019-03-01", soc=None), AS_OF)
    possible = {v.entry.cve for v in vulns if v.status is MatchStatus.POSSIBLE}
    affected = {v.entry.cve for v in vulns if v.status is MatchStatus.AFFECTED}
    assert "CVE-2018-11817" in possible  # Qualcomm
    assert affected == {"CVE-2018-10883", "CVE-2019-2023", "CVE-2019-2024", "CVE-2019-2025"}
    assert all("SoC vendor is unknown" in v.reason for v in vulns if v.status is MatchStatus.POSSIBLE)


def _entry(**kw: object) -> VulnEntry:
    base: dict[str, object] = dict(
        cve="CVE-2016-0001",
        bulletin="2016-04-02",
        spl=dt.date(2016, 4, 2),
        severity=Severity.HIGH,
        type="EoP",
        kind=ComponentKind.SYSTEM,
        component="System",
    )
    base.update(kw)
    return VulnEntry(**base)  # type: ignore[arg-type]


def test_spls_compare_as_dates() -> None:
    e = _entry()
    assert applies(e, facts("6.0", "2016-04-01")) == (MatchStatus.AFFECTED, "")  # 04-01 < 04-02
    assert applies(e, facts("6.0", "2016-04-02")) is None
    assert applies(e, facts("6.0", "2016-04-05")) is None  # -05 includes everything of the month
    five = _entry(spl=dt.date(2016, 7, 5))
    assert applies(five, facts("6.0", "2016-07-01")) == (MatchStatus.AFFECTED, "")
    assert applies(_entry(spl=dt.date(2016, 7, 1)), facts("6.0", "2016-07-05")) is None


def test_oem_and_part_vendor_rows() -> None:
    htc = _entry(kind=ComponentKind.VENDOR, vendor="HTC")
    assert applies(htc, facts("7.0", "2016-01-01", brand="htc")) == (MatchStatus.AFFECTED, "HTC device")
    assert applies(htc, facts("7.0", "2016-01-01", brand="Xiaomi")) is None
    bcm = _entry(kind=ComponentKind.VENDOR, vendor="Broadcom")
    status = applies(bcm, facts("7.0", "2016-01-01"))
    assert status is not None and status[0] is MatchStatus.POSSIBLE


def test_12L_is_sdk_32() -> None:
    twelve_l = _entry(spl=dt.date(2022, 3, 1), versions=("12L",))
    snap = Snapshot(
        source=SourceInfo(kind=SourceKind.FOLDER, location="x"),
        device=Device(android_release="12", sdk=32, security_patch=dt.date(2022, 2, 1)),
    )
    f = facts_of(snap)
    assert f.release == "12L"
    assert applies(twelve_l, f) == (MatchStatus.AFFECTED, "")
    assert applies(_entry(spl=dt.date(2022, 3, 1), versions=("12",)), f) is None


def test_one_cve_counts_once_with_the_worst_applicable_severity(db: VulnDB) -> None:
    # CVE-2017-8252 is listed five times in 2019-03-05; CVE-2017-13185 (Pixel 2018-01) is High on 6.0.1
    vulns = open_vulns(db, facts("9", "2019-03-01"))
    assert [v.entry.cve for v in vulns].count("CVE-2017-8252") == 1
    v6 = {v.entry.cve: v for v in open_vulns(db, facts("6.0.1", "2017-12-05", brand="google"))}
    v7 = {v.entry.cve: v for v in open_vulns(db, facts("7.0", "2017-12-05", brand="google"))}
    assert v6["CVE-2017-13185"].entry.severity is Severity.HIGH
    assert v7["CVE-2017-13185"].entry.severity is Severity.MEDIUM


def test_bulletins_behind_counts_months_and_the_missing_05_half() -> None:
    assert bulletins_behind(dt.date(2019, 3, 5), dt.date(2019, 3, 20)) == 0
    assert bulletins_behind(dt.date(2019, 3, 1), dt.date(2019, 3, 20)) == 1
    assert bulletins_behind(dt.date(2018, 3, 5), dt.date(2019, 3, 20)) == 12
    assert bulletins_behind(dt.date(2030, 1, 1), dt.date(2019, 3, 20)) == 0


def test_real_device_xiaomi_mi_max_2(db: VulnDB) -> None:
    # fixture: Xiaomi MI MAX 2 (oxygen), Android 7.1.1, SPL 2019-03-01, ro.hardware=qcom
    snap = load_path(DEVICES / "xiaomi-oxygen-V11.0.2.0.NDDCNXM")
    a = assess(db, snap, dt.date(2019, 3, 31))
    assert a.device.soc_vendor == "Qualcomm"
    assert a.counts == {"critical": 3, "high": 9}
    assert a.days_behind == 30
    assert one_line(a) == (
        "3 critical and 9 high vulnerabilities published after your last update (through 2019-03), 30 days behind"
    )


def test_no_spl_means_nothing_can_be_claimed(db: VulnDB) -> None:
    # Android 6.0+ without a patch level: nothing can be claimed
    snap = Snapshot(source=SourceInfo(kind=SourceKind.FOLDER, location="x"), device=Device(android_release="9", sdk=28))
    a = assess(db, snap, dt.date(2020, 1, 1))
    assert a.open == () and a.days_behind is None


def test_pre_bulletin_build_counts_everything_since_2015_08(db: VulnDB) -> None:
    # Android 5.1 without a patch level predates the bulletins: every row since 2015-08 for 5.1 is
    # open, StageFright first among them; the count stops at the audit date.
    snap = Snapshot(
        source=SourceInfo(kind=SourceKind.FOLDER, location="x"), device=Device(android_release="5.1", sdk=22)
    )
    a = assess(db, snap, dt.date(2015, 9, 30))
    assert a.device.pre_bulletin and a.device.level == dt.date(2015, 7, 31)
    ids = {v.entry.cve for v in a.affected}
    assert {"CVE-2015-1538", "CVE-2015-3824", "CVE-2015-3864"} <= ids
    assert all(v.entry.bulletin in ("2015-08-01", "2015-09-01") for v in a.open)
    assert "StageFright open" in one_line(a) and "unpatched since before 2015-08-01" in one_line(a)
