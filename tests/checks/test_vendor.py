"""Vendor data-collection checks on real devices: packages present, and the OEM switches."""

from __future__ import annotations

import datetime as dt

import pytest
from msgspec.structs import replace

from conftest import DEVICES
from howsafe.checks.base import AuditContext, run_check
from howsafe.checks.vendor import (
    VendorAdsCheck,
    VendorCloudCheck,
    VendorSettingsCheck,
    VendorTelemetryCheck,
    is_china_rom,
)
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome, Severity, Snapshot
from howsafe.sources import load_path


def device_snapshot(name: str) -> Snapshot:
    """The real device folder, read by the same loader as `howsafe audit FOLDER`."""
    return load_path(DEVICES / name)


def run(check: object, snap: Snapshot):  # type: ignore[no-untyped-def]
    ctx = AuditContext(snapshot=snap, kb=KnowledgeBase(), today=dt.date(2026, 1, 1))
    return run_check(check, ctx)  # type: ignore[arg-type]


def _pkgs(finding) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.key for e in finding.evidence if e.kind == "package"}


def test_miui_india_rom_reports_xiaomi_analytics_and_msa() -> None:
    snap = device_snapshot("redmi-curtana-V12.0.3.0.RJWINXM")
    [tele] = run(VendorTelemetryCheck(), snap)
    [ads] = run(VendorAdsCheck(), snap)
    assert tele.outcome is Outcome.FAIL and ads.outcome is Outcome.FAIL
    assert {"com.miui.analytics", "com.miui.daemon"} <= _pkgs(tele)
    assert "com.miui.msa.global" in _pkgs(ads)
    assert "telemetry" in tele.tags and "ads" in ads.tags
    assert tele.severity is Severity.MEDIUM
    assert "tracking.miui.com" in tele.summary
    assert any(r.startswith("https://privacy.mi.com") for r in tele.references)
    # A firmware dump does not say whether a package is enabled: present, medium confidence.
    assert tele.confidence == "medium"


def test_hyperos_global_rom_reports_msa_and_cloud() -> None:
    snap = device_snapshot("redmi-garnet-OS2.0.205.0.VNRMIXM")
    [ads] = run(VendorAdsCheck(), snap)
    [cloud] = run(VendorCloudCheck(), snap)
    assert ads.outcome is Outcome.FAIL and "com.miui.msa.global" in _pkgs(ads)
    assert cloud.outcome is Outcome.FAIL and "cloud" in cloud.tags
    assert cloud.severity is Severity.LOW
    assert not is_china_rom(snap)


def test_a_china_service_on_a_global_rom_is_named_but_not_claimed_to_send_data_to_china() -> None:
    # A partial package list of a Global ROM: the quick-app runtime is known as a China-market
    # service, but neither the ROM nor a capture shows that this phone sends data to China.
    snap = device_snapshot("redmi-rosemary-unknown-ksalokya3")
    [ads] = run(VendorAdsCheck(), snap)
    assert "com.miui.hybrid" in _pkgs(ads)
    assert "jurisdiction:CN" not in ads.tags
    assert "Sends data to" not in ads.summary and "not established" in ads.summary


def test_china_rom_ads_carry_the_cn_jurisdiction_tag_with_the_rule_that_said_so() -> None:
    # No fixture holds both a China-ROM getprop and its package list: the real China HyperOS
    # build's properties are combined with the real HyperOS Global package list.
    china = device_snapshot("xiaomi-dada-OS2.0.214.0.VOCCNXM")
    pkgs = device_snapshot("redmi-garnet-OS2.0.205.0.VNRMIXM").packages
    snap = replace(china, packages=pkgs)
    [tele] = run(VendorTelemetryCheck(), snap)
    assert tele.outcome is Outcome.FAIL and "jurisdiction:CN" in tele.tags
    assert "China-market ROM (rule device-region: ro.mi.os.version.incremental=OS2.0.214.0.VOCCNXM" in tele.summary


def test_global_xiaomi_rom_says_where_xiaomi_hosts_its_region() -> None:
    snap = device_snapshot("redmi-garnet-OS2.0.205.0.VNRMIXM")
    [tele] = run(VendorTelemetryCheck(), snap)
    assert "jurisdiction:CN" not in tele.tags
    assert "hosts these services in Singapore" in tele.summary and "privacy.mi.com" in tele.summary


def test_custom_aosp_rom_spoofing_miui_has_no_xiaomi_telemetry() -> None:
    snap = device_snapshot("xiaomi-grus-CUSTOMROM-spoofed-V12.5.1.0.RFBMIXM")
    [tele] = run(VendorTelemetryCheck(), snap)
    assert not any(p.startswith(("com.miui.", "com.xiaomi.")) for p in _pkgs(tele))


def test_samsung_rom_reports_its_diagnostics_agent() -> None:
    snap = device_snapshot("samsung-j6primelte-J610FXXU5CTI1")
    [tele] = run(VendorTelemetryCheck(), snap)
    assert tele.outcome is Outcome.FAIL
    assert "com.sec.android.diagmonagent" in _pkgs(tele)
    assert "jurisdiction:CN" not in tele.tags


def test_disabled_packages_do_not_count() -> None:
    snap = device_snapshot("redmi-curtana-V12.0.3.0.RJWINXM")
    pkgs = tuple(replace(p, enabled=p.id != "com.miui.msa.global") for p in snap.packages or ())
    [ads] = run(VendorAdsCheck(), replace(snap, packages=pkgs))
    assert "com.miui.msa.global" not in _pkgs(ads)
    assert "com.miui.msa.global" in ads.summary  # named as already disabled
    assert ads.confidence == "high"


def test_no_package_list_is_not_available() -> None:
    snap = device_snapshot("xiaomi-cepheus-V12.5.6.0.RFACNXM")
    assert snap.packages is None
    for check in (VendorTelemetryCheck(), VendorAdsCheck(), VendorCloudCheck()):
        [f] = run(check, snap)
        assert f.outcome is Outcome.NOT_AVAILABLE


def test_china_rom_is_recognised_from_its_build() -> None:
    assert is_china_rom(device_snapshot("xiaomi-cepheus-V12.5.6.0.RFACNXM"))
    assert is_china_rom(device_snapshot("xiaomi-dada-OS2.0.214.0.VOCCNXM"))
    assert not is_china_rom(device_snapshot("redmi-sunny-V14.0.9.0.SKGMIXM"))


def test_the_owners_language_is_not_evidence_of_a_china_rom() -> None:
    snap = device_snapshot("redmi-garnet-OS2.0.205.0.VNRMIXM")
    props = {**snap.properties, "persist.sys.locale": "zh-CN"}
    assert not is_china_rom(replace(snap, properties=props))


def test_settings_check_not_available_without_a_settings_dump() -> None:
    [f] = run(VendorSettingsCheck(), device_snapshot("xiaomi-cepheus-V12.5.6.0.RFACNXM"))
    assert f.outcome is Outcome.NOT_AVAILABLE


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"secure": {"upload_log_pref": "1"}, "global": {"personalized_ad_enabled": "3"}},
            {
                "vendor.settings:miui-user-experience-program": Outcome.FAIL,
                "vendor.settings:miui-personalized-ads": Outcome.FAIL,
            },
        ),
        (
            {"secure": {"upload_log_pref": "0"}, "global": {"personalized_ad_enabled": "2"}},
            {
                "vendor.settings:miui-user-experience-program": Outcome.PASS,
                "vendor.settings:miui-personalized-ads": Outcome.PASS,
            },
        ),
    ],
)
def test_miui_switches_fail_when_on_and_pass_when_off(settings, expected) -> None:  # type: ignore[no-untyped-def]
    # No public settings dump of a real MIUI phone exists; the keys are the framework's own
    # (MiuiSettings.Secure / MiuiSettings.Ad), set on the real China-ROM device's snapshot.
    snap = replace(device_snapshot("xiaomi-cepheus-V12.5.6.0.RFACNXM"), settings=settings)
    findings = {f.id: f for f in run(VendorSettingsCheck(), snap)}
    assert {k: findings[k].outcome for k in expected} == expected
    if expected["vendor.settings:miui-user-experience-program"] is Outcome.FAIL:
        ux = findings["vendor.settings:miui-user-experience-program"]
        assert ux.evidence[0].kind == "setting" and ux.evidence[0].key == "secure/upload_log_pref"
        assert "jurisdiction:CN" in ux.tags and "telemetry" in ux.tags
        assert "ads" in findings["vendor.settings:miui-personalized-ads"].tags


def test_samsung_diagnostics_switch() -> None:
    snap = replace(
        device_snapshot("samsung-j6primelte-J610FXXU5CTI1"), settings={"system": {"samsung_errorlog_agree": "1"}}
    )
    [f] = run(VendorSettingsCheck(), snap)
    assert f.id == "vendor.settings:samsung-diagnostic-data" and f.outcome is Outcome.FAIL
    assert "jurisdiction:CN" not in f.tags


def test_vendor_flows_section_and_data_source_in_a_real_audit() -> None:
    from howsafe.checks.vendor import vendor_flows_section
    from howsafe.kb.packages import data_source

    snap = device_snapshot("redmi-garnet-OS2.0.205.0.VNRMIXM")
    ctx = AuditContext(snapshot=snap, kb=KnowledgeBase(), today=dt.date(2026, 1, 1))
    section = vendor_flows_section(ctx)
    assert section is not None and section.id == "vendor-flows"
    rows = {row[0]: row for row in section.tables[0].rows}
    assert rows["com.miui.msa.global"][2] == "ads"
    assert "Xiaomi" in rows["com.miui.msa.global"][1]
    [ds] = data_source(KnowledgeBase())
    assert ds.name == "Vendor package knowledge" and ds.version and "packages" in ds.version
