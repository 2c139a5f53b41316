"""pm list, settings, dumpsys, ps and the small outputs, on samples in the AOSP formats."""

from __future__ import annotations

import datetime as dt

from conftest import DEVICES
from howsafe.parse import (
    parse_accessibility,
    parse_backup,
    parse_device_policy,
    parse_dumpsys_package,
    parse_dumpsys_settings,
    parse_getenforce,
    parse_kernel_version,
    parse_notification_listeners,
    parse_pm_list,
    parse_ps,
    parse_root_binaries,
    parse_settings,
    split_dumpsys,
)
from parse import samples


def test_pm_list_all_flag_shapes() -> None:
    text = (
        "package:/data/app/~~Zx3==/com.x-Yy4==/base.apk=com.x  installer=com.android.vending uid:10123\n"
        "package:/data/app/~~Zx3==/com.x-Yy4==/split_config.arm64_v8a.apk=com.x "
        "installer=com.android.vending\n"
        "package:com.miui.analytics versionCode:2023061500 uid:1000\n"
        "package:com.android.chrome installer=null uid:10145,1010145\n"
        "Error: java.lang.SecurityException: Shell does not have permission to access user 999\n"
        "package:\n"
    )
    pkgs = parse_pm_list(text)
    assert list(pkgs) == ["com.x", "com.miui.analytics", "com.android.chrome"]
    assert pkgs["com.x"].apk_paths == (
        "/data/app/~~Zx3==/com.x-Yy4==/base.apk",
        "/data/app/~~Zx3==/com.x-Yy4==/split_config.arm64_v8a.apk",
    )
    assert pkgs["com.x"].installer == "com.android.vending"
    assert pkgs["com.x"].uid == 10123
    assert pkgs["com.miui.analytics"].version_code == 2023061500
    assert pkgs["com.android.chrome"].installer is None
    assert pkgs["com.android.chrome"].uid == 10145


def test_pm_list_real_firmware_lists_merge() -> None:
    folder = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"
    plain = parse_pm_list((folder / "packages.txt").read_bytes())
    with_paths = parse_pm_list((folder / "packages-f.txt").read_bytes())
    merged = parse_pm_list((folder / "packages.txt").read_text() + (folder / "packages-f.txt").read_text())
    assert set(merged) == set(plain) == set(with_paths)
    assert len(merged) == 229
    assert merged["com.miui.analytics"].apk_paths


def test_settings_list() -> None:
    table = parse_settings(samples.SETTINGS_SECURE + "weird_value=a=b=c\ncontinued line\n")
    assert table["backup_transport"] == "com.google.android.gms/.backup.BackupTransportService"
    assert table["weird_value"] == "a=b=c\ncontinued line"
    assert table["install_non_market_apps"] == "1"
    crlf = parse_settings(samples.SETTINGS_GLOBAL.replace("\n", "\r\n").encode("utf-16"))
    assert crlf["adb_enabled"] == "1"
    assert crlf["device_name"] == "Ana's Redmi"


def test_dumpsys_settings_tables() -> None:
    text = (
        "CONFIG SETTINGS (user 0)\n"
        "GLOBAL SETTINGS (user 0)\n"
        "  _id:12 name:adb_enabled pkg:android value:1 default:0 defaultSystemSet:true\n"
        "  _id:40 name:device_name pkg:com.android.settings value:My phone tag:null\n"
        "SECURE SETTINGS (user 0)\n"
        "  _id:7 name:backup_enabled pkg:com.android.settings value:0\n"
        "SECURE SETTINGS (user 10)\n"
        "  _id:7 name:backup_enabled pkg:com.android.settings value:1\n"
    )
    tables = parse_dumpsys_settings(text)
    assert tables == {
        "global": {"adb_enabled": "1", "device_name": "My phone"},
        "secure": {"backup_enabled": "0"},
    }


def test_dumpsys_package_modern() -> None:
    pkgs = parse_dumpsys_package(samples.DUMPSYS_PACKAGE)
    assert set(pkgs) == {"com.miui.analytics", "com.example.flashlight"}
    a = pkgs["com.miui.analytics"]
    assert a.version_code == 2023061500 and a.version_name == "6.2.7" and a.target_sdk == 30
    assert a.uid == 10145 and a.system is True and a.installer is None
    assert a.first_install == dt.datetime(2009, 1, 1, 8, 0, 0)
    assert a.last_update == dt.datetime(2024, 3, 5, 21, 14, 9)
    # install grants + user 0 runtime grants; user 999's grant and the denied one do not count
    assert a.granted_permissions == (
        "android.permission.INTERNET",
        "android.permission.ACCESS_NETWORK_STATE",
        "android.permission.READ_PHONE_STATE",
    )
    assert "android.permission.ACCESS_FINE_LOCATION" in a.requested_permissions
    assert a.enabled is True and a.installed is True
    f = pkgs["com.example.flashlight"]
    assert f.uid == 10231 and f.system is False and f.installer == "com.android.vending"
    assert f.version_name == "4.2 beta (build 42)" and f.version_code == 42
    # declared permissions and other lists are not requests or grants
    assert f.requested_permissions == ("android.permission.CAMERA", "android.permission.READ_CONTACTS")
    assert f.enabled is False and f.enabled_state == 3
    assert f.code_path == "/data/app/~~Xk3cQ1-bbDfK3aQw==/com.example.flashlight-Vb8qkA2n2E1w=="
    assert "android.permission.CAMERA" in f.granted_permissions


def test_dumpsys_package_hidden_system_copy_does_not_shadow_live_one() -> None:
    pkgs = parse_dumpsys_package(samples.DUMPSYS_PACKAGE)
    assert pkgs["com.miui.analytics"].version_code == 2023061500


def test_dumpsys_package_android5() -> None:
    p = parse_dumpsys_package(samples.DUMPSYS_PACKAGE_LEGACY)["com.miui.cleanmaster"]
    assert p.system is True and p.enabled is False and p.uid == 10071
    assert p.granted_permissions == ("android.permission.READ_PHONE_STATE", "android.permission.INTERNET")


def test_dumpsys_sections_split_and_parsed() -> None:
    full = "".join(
        f"-------------------------------------------------------------------------------\n"
        f"DUMP OF SERVICE {name}:\n{body}"
        f"--------- 0.004s was the duration of dumpsys {name}, ending at: 2024-05-01 10:00:00\n"
        for name, body in (
            ("accessibility", samples.ACCESSIBILITY),
            ("backup", samples.BACKUP),
            ("device_policy", samples.DEVICE_POLICY),
            ("notification", samples.NOTIFICATION),
        )
    )
    sections = split_dumpsys(full)
    assert set(sections) == {"accessibility", "backup", "device_policy", "notification"}
    assert "duration of dumpsys" not in sections["backup"]
    assert parse_accessibility(sections["accessibility"]) == (
        "com.example.flashlight/com.example.flashlight.KeepAliveService",
        "com.google.android.marvin.talkback/com.google.android.accessibility.talkback.TalkBackService",
    )
    assert parse_device_policy(sections["device_policy"]) == (
        "com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver",
        "com.example.flashlight/.AdminReceiver",
    )
    assert parse_notification_listeners(sections["notification"]) == (
        "com.android.systemui/com.android.systemui.statusbar.NotificationListener",
        "com.example.flashlight/com.example.flashlight.NotifyReader",
    )
    backup = parse_backup(sections["backup"])
    assert backup.enabled is True
    assert backup.transport == "com.google.android.gms/.backup.BackupTransportService"


def test_bugreport_priority_headers() -> None:
    text = (
        "DUMP OF SERVICE CRITICAL SurfaceFlinger:\nlayers\nDUMP OF SERVICE HIGH backup:\nBackup Manager is disabled\n"
    )
    sections = split_dumpsys(text)
    assert set(sections) == {"SurfaceFlinger", "backup"}
    assert parse_backup(sections["backup"]).enabled is False


def test_ps_row_shorter_than_its_header_keeps_the_process() -> None:
    """A header naming USER in a column the row does not have (a garbled or cut listing): the process
    is kept without a user, never an IndexError (found by the ps fuzz target)."""
    rows = parse_ps("PID PPID VSZ RSS WCHAN ADDR S NAME USER\n  4242 1 0 0 0 0 S com.x\n")
    assert [(r.pid, r.ppid, r.user, r.name) for r in rows] == [(4242, 1, None, "com.x")]


def test_ps_formats() -> None:
    rows = parse_ps(samples.PS_A)
    assert [(r.pid, r.ppid, r.user, r.name) for r in rows][2] == (1234, 1, "system", "system_server")
    assert rows[-1].name == "com.example.flashlight:remote"
    old = parse_ps(samples.PS_TOOLBOX)
    assert [(r.pid, r.name) for r in old] == [
        (1, "/init"),
        (612, "system_server"),
        (2310, "com.miui.cleanmaster"),
    ]
    threads = parse_ps(
        "LABEL USER PID TID PPID VSZ RSS WCHAN ADDR S PRI NI RTPRIO SCH PCY TIME CMD\n"
        "u:r:init:s0 root 1 1 0 1 1 0 0 S 19 0 - 0 fg 00:00:01 init\n"
        "u:r:init:s0 root 1 2 0 1 1 0 0 S 19 0 - 0 fg 00:00:01 init-thread\n"
    )
    assert [(r.pid, r.name) for r in threads] == [(1, "init")]
    as_json = parse_ps('[{"pid": 7, "ppid": 1, "uid": 0, "filename": "(adbd)", "command_line": ["/apex/adbd"]}]')
    assert [(r.pid, r.ppid, r.user, r.name) for r in as_json] == [(7, 1, "0", "/apex/adbd")]


def test_small_outputs() -> None:
    assert parse_getenforce("Enforcing\n") == "enforcing"
    assert parse_getenforce("Permissive\r\n") == "permissive"
    assert parse_getenforce("/system/bin/sh: getenforce: not found") is None
    assert parse_kernel_version(samples.PROC_VERSION) == "5.10.209-android12-9-00019-g3b1d3f4a5b6c-ab11612345"
    assert parse_root_binaries('["/system/xbin/su\\n", "/sbin/magisk"]') == (
        "/system/xbin/su",
        "/sbin/magisk",
    )
    assert parse_root_binaries("[]") == ()
    assert parse_root_binaries("/system/bin/su\nwhich: not found\n\n") == ("/system/bin/su",)


def test_deep_json_is_not_a_crash() -> None:
    assert parse_ps("[" * 100_000) == []
    assert parse_root_binaries("[" * 100_000) == ()
