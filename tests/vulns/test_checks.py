"""The updates checks on real device dumps, through the engine, with a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DEVICES
from howsafe.checks import all_checks
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.model import Device, Finding, Outcome, Report, Severity, Snapshot, SourceInfo, SourceKind
from howsafe.sources import load_path


def audit(snapshot: Snapshot, today: dt.date) -> Report:
    checks = all_checks(lambda c: c.id.startswith("updates."))
    au = Auditor(KnowledgeBase(), checks, clock=lambda: dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC))
    return au.run(au.context(snapshot), "everyday")


def by_id(report: Report) -> dict[str, Finding]:
    return {f.id: f for f in report.findings}


def snap(**device: object) -> Snapshot:
    return Snapshot(source=SourceInfo(kind=SourceKind.FOLDER, location="x"), device=Device(**device))  # type: ignore[arg-type]


def test_six_checks_are_registered() -> None:
    ids = {c.id for c in all_checks(lambda c: c.id.startswith("updates."))}
    assert ids == {
        "updates.spl_age",
        "updates.android_eol",
        "updates.device_eol",
        "updates.kernel_eol",
        "updates.open_cves",
        "updates.stagefright",
    }


def test_recent_xiaomi_phone_in_2019() -> None:
    # Xiaomi MI MAX 2: Android 7.1.1, SPL 2019-03-01, Qualcomm; audited on 2019-03-31
    r = audit(load_path(DEVICES / "xiaomi-oxygen-V11.0.2.0.NDDCNXM"), dt.date(2019, 3, 31))
    f = by_id(r)
    assert f["updates.spl_age"].outcome is Outcome.PASS
    assert "30 days old, 1 monthly bulletin behind" in f["updates.spl_age"].summary
    assert f["updates.android_eol"].outcome is Outcome.PASS  # 7.1 supported until 2019-10-01
    crit = f["updates.open_cves:critical"]
    assert crit.outcome is Outcome.FAIL and crit.severity is Severity.CRITICAL
    assert {e.key for e in crit.evidence if e.kind == "cve"} == {
        "CVE-2017-8252",
        "CVE-2018-11817",
        "CVE-2018-11958",
    }
    assert f["updates.open_cves:high"].title == "9 high vulnerabilities open"
    assert crit.summary.startswith(
        "3 critical and 9 high vulnerabilities published after your last update (through 2019-03), 30 days behind"
    )
    assert f["updates.device_eol"].outcome is Outcome.NOT_AVAILABLE
    assert "unknown" in f["updates.device_eol"].summary
    # the report says how current the data is, and carries the CVE table and chart
    (src,) = [s for s in r.data_sources if s.name == "Android vulnerabilities"]
    assert src.covers_until == "2024-09-05" and "bulletins published through 2024-09" in (src.note or "")
    assert "2023-04, 2023-06..2023-07" in (src.note or "")  # months missing from the data are named
    (sec,) = [s for s in r.sections if s.id == "updates.open_cves"]
    assert len(sec.tables[0].rows) == 12
    assert dict(sec.charts[0].items) == {"critical": 3.0, "high": 9.0}


def test_old_kirin_phone_today() -> None:
    # Huawei Mate 20: Android 9, SPL 2019-03-01, Kirin 980 (HiSilicon)
    f = by_id(audit(load_path(DEVICES / "huawei-HWHMA-200C00R2"), dt.date(2026, 11, 30)))
    assert f["updates.spl_age"].outcome is Outcome.FAIL
    assert f["updates.spl_age"].severity is Severity.CRITICAL
    assert f["updates.android_eol"].outcome is Outcome.FAIL
    assert "2022-01-01" in f["updates.android_eol"].summary
    high = f["updates.open_cves:high"]
    assert high.outcome is Outcome.FAIL
    # Android 9 left support before the data ends: the count says later flaws are missing from it
    assert "left security support on 2022-01-01" in high.summary
    assert "2023-08..2024-09" in high.summary  # partial months named


def test_modern_phone_is_not_called_clean_by_old_data() -> None:
    # Pixel 6 on Android 15 with SPL 2025-05-05: newer than the bundled bulletins
    f = by_id(audit(load_path(DEVICES / "google-oriole-13277524"), dt.date(2025, 6, 1)))
    cves = f["updates.open_cves"]
    assert cves.outcome is Outcome.NOT_AVAILABLE
    assert "howsafe kb update" in cves.summary and "2024-09" in cves.summary
    assert f["updates.device_eol"].outcome is Outcome.PASS  # Pixel 6: until 2026-10-01
    assert f["updates.stagefright"].outcome is Outcome.NOT_APPLICABLE


def test_stagefright_named_on_lollipop_without_the_fixes() -> None:
    f = by_id(audit(snap(android_release="5.1.1", sdk=22, security_patch=dt.date(2015, 9, 1)), dt.date(2016, 1, 1)))
    sf = f["updates.stagefright"]
    assert sf.outcome is Outcome.FAIL and sf.severity is Severity.CRITICAL and "exploit" in sf.tags
    assert {e.key for e in sf.evidence if e.kind == "cve"} >= {
        "CVE-2015-1538",
        "CVE-2015-3864",
        "CVE-2015-6602",
    }
    # no SPL at all (Android 5 had none): still named, with medium confidence
    f = by_id(audit(snap(android_release="5.0.2", sdk=21), dt.date(2016, 1, 1)))
    assert f["updates.stagefright"].outcome is Outcome.FAIL and f["updates.stagefright"].confidence == "medium"
    # a pre-bulletin build: unpatched since before 2015-08-01, its open CVEs are counted
    assert f["updates.open_cves:critical"].outcome is Outcome.FAIL
    assert f["updates.spl_age"].outcome is Outcome.FAIL


def test_stagefright_fixed_by_october_2015_patch_level() -> None:
    # Meizu MX5: Android 5.1 with SPL 2017-04-05
    f = by_id(audit(load_path(DEVICES / "meizu-mx5-1600774225"), dt.date(2017, 5, 1)))
    assert f["updates.stagefright"].outcome is Outcome.PASS


def test_critical_rce_group_is_tagged_exploit() -> None:
    # LeEco Le X620: Android 6.0, SPL 2017-01-05, MediaTek
    f = by_id(audit(load_path(DEVICES / "leeco-le_x6-1497177565"), dt.date(2019, 4, 1)))
    crit = f["updates.open_cves:critical"]
    assert "exploit" in crit.tags
    assert any(e.kind == "cve" and "RCE" in (e.value or "") for e in crit.evidence)
    # Broadcom/Synaptics parts cannot be confirmed from properties
    possible = f["updates.open_cves:possible"]
    assert possible.confidence == "low" and "Broadcom" in possible.summary
    # Android 6.0 left support on 2018-08-01, before the data ends: the summary warns about it
    assert "left security support on 2018-08-01" in crit.summary


@pytest.mark.parametrize("kernel", [None])
def test_kernel_check_needs_a_kernel_version(kernel: str | None) -> None:
    f = by_id(
        audit(
            snap(android_release="9", sdk=28, security_patch=dt.date(2019, 1, 1), kernel_version=kernel),
            dt.date(2019, 2, 1),
        )
    )
    assert f["updates.kernel_eol"].outcome is Outcome.NOT_AVAILABLE
    f = by_id(audit(snap(android_release="9", sdk=28, kernel_version="4.4.153-perf+"), dt.date(2019, 2, 1)))
    assert f["updates.kernel_eol"].outcome is Outcome.FAIL


def test_older_vendor_patch_level_is_reported() -> None:
    # OnePlus 6T: SPL 2018-12-01, ro.vendor.build.security_patch 2018-09-05
    f = by_id(audit(load_path(DEVICES / "oneplus-OnePlus6T-1812111152"), dt.date(2019, 1, 15)))
    age = f["updates.spl_age"]
    assert age.outcome is Outcome.PASS
    assert "older level (2018-09-05)" in age.summary
    assert any(e.key == "ro.vendor.build.security_patch" and e.value == "2018-09-05" for e in age.evidence)


def test_pre_bulletin_build_is_unpatched_since_2015_08_and_names_stagefright(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The real Meizu MX5 getprop (Android 5.1) with its patch-level line removed: what an Android 5
    # build from before the monthly bulletins reports. Its ro.build.date.utc (2020-09-22) is later
    # than the fixes, so StageFright is "probably" open (medium confidence), never "fixed".
    lines = (DEVICES / "meizu-mx5-1600774225" / "getprop.txt").read_text(encoding="utf-8").splitlines()
    (tmp_path / "getprop.txt").write_text(
        "\n".join(ln for ln in lines if "ro.build.version.security_patch" not in ln) + "\n", encoding="utf-8"
    )
    r = audit(load_path(tmp_path), dt.date(2026, 1, 1))
    f = by_id(r)
    spl = f["updates.spl_age"]
    assert spl.outcome is Outcome.FAIL and spl.severity is Severity.CRITICAL
    assert "unpatched since before 2015-08-01" in spl.summary and "StageFright" in spl.summary
    assert "2020-09-22" in spl.summary
    sf = f["updates.stagefright"]
    assert sf.outcome is Outcome.FAIL and sf.confidence == "medium"
    assert "ro.build.date.utc" in {e.key for e in sf.evidence}
    crit = f["updates.open_cves:critical"]
    assert "StageFright open" in crit.summary and "predates the monthly bulletins" in crit.summary
    (sec,) = [s for s in r.sections if s.id == "updates.open_cves"]
    assert {"CVE-2015-1538", "CVE-2015-3824"} <= {row[0] for row in sec.tables[0].rows}
    assert not r.verdict.evidence_missing or all("patch level" not in m for m in r.verdict.evidence_missing)


def test_pre_bulletin_build_dated_before_the_first_bulletin_is_certainly_open() -> None:
    s = Snapshot(
        source=SourceInfo(kind=SourceKind.FOLDER, location="x"),
        device=Device(android_release="5.0.2", sdk=21),
        properties={"ro.build.date.utc": "1420070400"},  # 2015-01-01
    )
    f = by_id(audit(s, dt.date(2016, 1, 1)))
    sf = f["updates.stagefright"]
    assert sf.outcome is Outcome.FAIL and sf.confidence == "high"
    assert "built on 2015-01-01" in sf.summary and "StageFright is open" in sf.summary
    # a bulletin published after the audit date is not counted
    assert "2019" not in f["updates.open_cves:critical"].summary


def test_device_end_of_support_cites_only_the_product_list_it_was_read_from() -> None:
    # A Galaxy A02 (real fixture) is judged from endoflife.date's samsung-mobile list: its finding must cite
    # that list, never the Pixel one, and the harden plan copies these references as its sources.
    report = audit(load_path(DEVICES / "samsung-a02-A022FXXU2BUK2"), dt.date(2026, 12, 1))
    eol = by_id(report)["updates.device_eol"]
    assert eol.outcome is Outcome.FAIL
    assert "https://endoflife.date/samsung-mobile" in eol.references
    assert not any("pixel" in r for r in eol.references)
