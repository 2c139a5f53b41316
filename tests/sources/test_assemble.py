"""snapshot_from_outputs: one entry point, every output merged, absence recorded."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from conftest import DEVICES
from howsafe.model import SourceInfo, SourceKind
from howsafe.sources.assemble import snapshot_from_outputs
from parse import samples

SOURCE = SourceInfo(kind=SourceKind.ADB, location="adb:test")
LMI = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"


def full_outputs() -> dict[str, str]:
    return {
        "getprop": (LMI / "getprop.txt").read_text(encoding="utf-8"),
        "packages": (
            "package:/system/app/AnalyticsCore/AnalyticsCore.apk=com.miui.analytics "
            "installer=null uid:10145\n"
            "package:/data/app/~~Xk3cQ1-bbDfK3aQw==/com.example.flashlight-Vb8qkA2n2E1w==/base.apk"
            "=com.example.flashlight installer=com.android.vending uid:10231\n"
        ),
        "packages_system": "package:com.miui.analytics\n",
        "packages_third_party": "package:com.example.flashlight\n",
        "packages_disabled": "package:com.example.flashlight\n",
        "settings_global": samples.SETTINGS_GLOBAL,
        "settings_secure": samples.SETTINGS_SECURE,
        "settings_system": samples.SETTINGS_SYSTEM,
        "dumpsys_package": samples.DUMPSYS_PACKAGE,
        "dumpsys_accessibility": samples.ACCESSIBILITY,
        "dumpsys_device_policy": samples.DEVICE_POLICY,
        "dumpsys_notification": samples.NOTIFICATION,
        "dumpsys_backup": samples.BACKUP,
        "getenforce": "Enforcing\n",
        "ps": samples.PS_A,
        "proc_version": samples.PROC_VERSION,
        "root_binaries": '["/system/xbin/su"]',
    }


def test_complete_outputs_give_a_complete_snapshot() -> None:
    snap = snapshot_from_outputs(full_outputs(), source=SOURCE)
    assert snap.missing == ()
    assert snap.complete
    assert snap.device.model == "Redmi K30 Pro"
    assert snap.device.kernel_version == "5.10.209-android12-9-00019-g3b1d3f4a5b6c-ab11612345"
    assert snap.integrity.selinux == "enforcing"
    assert snap.integrity.root_binaries == ("/system/xbin/su",)
    assert [p.id for p in snap.packages or ()] == ["com.miui.analytics", "com.example.flashlight"]
    analytics = snap.package("com.miui.analytics")
    flashlight = snap.package("com.example.flashlight")
    assert analytics is not None and flashlight is not None
    assert analytics.system is True and analytics.enabled is True and analytics.installer is None
    assert analytics.version_code == 2023061500 and analytics.uid == 10145
    assert analytics.apk_paths == ("/system/app/AnalyticsCore/AnalyticsCore.apk",)
    assert flashlight.system is False and flashlight.enabled is False
    assert flashlight.installer == "com.android.vending"
    assert "android.permission.READ_CONTACTS" in (flashlight.granted_permissions or ())
    # the phone's zone (persist.sys.timezone=Asia/Shanghai in this capture) turns wall time into an instant
    assert flashlight.first_install == dt.datetime(2024, 5, 1, 10, 11, 13, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert snap.special_access.device_admins == (
        "com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver",
        "com.example.flashlight/.AdminReceiver",
    )
    assert "com.example.flashlight/com.example.flashlight.NotifyReader" in (
        snap.special_access.notification_listeners or ()
    )
    assert snap.special_access.default_sms == "com.google.android.apps.messaging"
    assert snap.backup.enabled is True
    assert snap.backup.transport == "com.google.android.gms/.backup.BackupTransportService"
    assert [p.name for p in snap.processes or ()][2] == "system_server"
    assert snap.settings["global"]["adb_enabled"] == "1"


def test_each_missing_output_is_named_never_guessed() -> None:
    snap = snapshot_from_outputs({"getprop": (LMI / "getprop.txt").read_text(encoding="utf-8")}, source=SOURCE)
    items = {m.item for m in snap.missing}
    assert items == {
        "settings.global", "settings.secure", "settings.system", "packages", "dumpsys.package",
        "special_access.accessibility_services", "special_access.device_admins",
        "special_access.notification_listeners", "backup", "selinux", "processes", "kernel", "root_binaries",
    }  # fmt: skip
    assert snap.packages is None and snap.processes is None
    assert snap.integrity.selinux is None and snap.integrity.root_binaries is None
    assert snap.special_access.device_admins is None
    assert snap.backup.enabled is None


def test_full_dumpsys_is_split_and_settings_fill_gaps() -> None:
    outputs = full_outputs()
    for key in ("dumpsys_accessibility", "dumpsys_notification", "dumpsys_backup", "dumpsys_package"):
        del outputs[key]
    outputs["dumpsys"] = "DUMP OF SERVICE package:\n" + samples.DUMPSYS_PACKAGE + "DUMP OF SERVICE window:\nwindows\n"
    snap = snapshot_from_outputs(outputs, source=SOURCE)
    assert {m.item for m in snap.missing} == set()
    assert snap.special_access.accessibility_services == (
        "com.example.flashlight/com.example.flashlight.KeepAliveService",
    )
    assert snap.backup.enabled is True
    analytics = snap.package("com.miui.analytics")
    assert analytics is not None and analytics.version_name == "6.2.7"


def test_dumpsys_package_alone_lists_packages() -> None:
    snap = snapshot_from_outputs({"dumpsys_package": samples.DUMPSYS_PACKAGE}, source=SOURCE)
    assert [p.id for p in snap.packages or ()] == ["com.miui.analytics", "com.example.flashlight"]
    flashlight = snap.package("com.example.flashlight")
    assert flashlight is not None
    assert flashlight.apk_paths == ("/data/app/~~Xk3cQ1-bbDfK3aQw==/com.example.flashlight-Vb8qkA2n2E1w==",)
    assert flashlight.first_install == dt.datetime(2024, 5, 1, 10, 11, 13)  # zone unknown: kept as shown


def test_packages_removed_for_the_user_are_marked_not_installed() -> None:
    from howsafe.model import SourceInfo, SourceKind
    from howsafe.sources.assemble import snapshot_from_outputs

    outputs = {
        "getprop": "[ro.product.brand]: [Redmi]\n[ro.build.version.release]: [13]\n",
        "packages": "package:com.miui.analytics\npackage:com.miui.home\n",
        "packages_installed": "package:com.miui.home\n",
    }
    snap = snapshot_from_outputs(outputs, source=SourceInfo(kind=SourceKind.ADB, location="adb:x"))
    analytics, home = snap.package("com.miui.analytics"), snap.package("com.miui.home")
    assert analytics is not None and analytics.installed is False and analytics.enabled is False
    assert home is not None and home.installed is True
