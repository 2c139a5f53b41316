"""App permission, special-access and sideload checks on a real phone collected over adb."""

from __future__ import annotations

from checks.phones import (
    appium_manifest,
    audit,
    collect,
    device,
    finding,
    garnet_over_adb,
    garnet_with_appium,
    garnet_with_appium_recording,
    with_replies,
)
from howsafe.model import Outcome, Severity

PREINSTALLED_DATA_APPS = {
    "com.miui.calculator", "com.miui.compass", "com.miui.huanji", "com.miui.notes",
    "com.miui.screenrecorder", "com.xiaomi.midrop", "com.xiaomi.scanner", "com.xiaomi.smarthome",
}  # fmt: skip


def test_preinstalled_xiaomi_apps_without_installer_are_not_called_sideloaded() -> None:
    snap = garnet_over_adb()
    user_apps = {p.id for p in snap.packages or () if p.system is False}
    assert user_apps == PREINSTALLED_DATA_APPS  # MIUI's removable preloads: non-system, installer null
    assert all(snap.package(pid).installer is None for pid in user_apps)  # type: ignore[union-attr]
    f = finding(audit(snap), "apps.sideload")
    assert f.outcome is Outcome.PASS
    assert "8 preinstalled vendor app(s)" in f.summary


def test_an_app_installed_over_adb_is_sideloaded_and_its_permissions_are_listed() -> None:
    pkg, _, _, perms = appium_manifest()
    report = audit(garnet_with_appium())
    side = finding(report, "apps.sideload")
    assert side.outcome is Outcome.FAIL and side.severity is Severity.MEDIUM
    assert [e.key for e in side.evidence] == [pkg]  # the preloads are still not blamed
    for check, perm in (
        ("apps.perm_location", "android.permission.ACCESS_FINE_LOCATION"),
        ("apps.perm_background_location", "android.permission.ACCESS_BACKGROUND_LOCATION"),
        ("apps.perm_sms", "android.permission.READ_SMS"),
        ("apps.perm_microphone", "android.permission.RECORD_AUDIO"),
    ):
        assert perm in perms  # the real APK asks for it
        f = finding(report, check)
        assert f.outcome is Outcome.FAIL, check
        assert [e.key for e in f.evidence] == [pkg]
        assert perm.rsplit(".", 1)[-1] in (f.evidence[0].value or "")
        assert pkg in f.summary
    # what it does not request is not invented
    for check in ("apps.perm_contacts", "apps.perm_camera", "apps.perm_call_log", "apps.perm_body_sensors"):
        assert finding(report, check).outcome is Outcome.PASS, check
    assert finding(report, "integrity.unknown_sources").outcome is Outcome.PASS


def test_background_location_weighs_more_than_foreground() -> None:
    report = audit(garnet_with_appium())
    fg = finding(report, "apps.perm_location")
    bg = finding(report, "apps.perm_background_location")
    assert bg.severity.rank > fg.severity.rank


def test_without_permission_data_every_permission_check_is_not_available() -> None:
    for snap in (
        garnet_over_adb(),
        device("xiaomi-sheng-OS2.0.205.0.VNXCNXM"),
        device("redmi-garnet-OS2.0.205.0.VNRMIXM"),
    ):
        report = audit(snap)
        for f in report.findings:
            if f.check.startswith(("apps.perm_", "apps.special_")):
                assert f.outcome is Outcome.NOT_AVAILABLE, (f.id, f.summary)


def test_sideload_needs_to_know_the_installer() -> None:
    # a firmware image's list cannot say who installed anything
    f = finding(audit(device("redmi-garnet-OS2.0.205.0.VNRMIXM")), "apps.sideload")
    assert f.outcome is Outcome.NOT_AVAILABLE


def test_notification_access_for_an_installed_app() -> None:
    # Appium's helper declares the NotificationListenerService io.appium.settings.NLService (in the
    # real APK's manifest); Appium switches it on for `mobile: getNotifications`, which Android
    # records in the secure setting enabled_notification_listeners.
    listener = "io.appium.settings/io.appium.settings.NLService"
    rec = with_replies(
        garnet_with_appium_recording(),
        **{"settings list secure": f"enabled_notification_listeners={listener}\n"},
    )
    report = audit(collect(rec))
    f = finding(report, "apps.special_notification_listener")
    assert f.outcome is Outcome.FAIL and f.severity is Severity.MEDIUM
    assert [e.key for e in f.evidence] == [listener]
    assert "io.appium.settings" in f.summary
