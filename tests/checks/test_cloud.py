"""Cloud backup / sync / find-device checks.

The real phones in the corpus show which cloud apps are installed but never whether they are on,
so those must come out ``not_available`` with the package named. The "on" cases use the real Redmi
Note 13 Pro recording with one more command answered, in the AOSP output format of that command
(stated in each test): that is the only way to see a backup switched on without a phone.
"""

from __future__ import annotations

from checks.phones import audit, collect, device, finding, garnet_over_adb, garnet_recording, with_replies
from howsafe.model import Outcome

GMS_TRANSPORT = "com.google.android.gms/.backup.BackupTransportService"


def test_installed_xiaomi_cloud_is_named_but_not_judged() -> None:
    report = audit(garnet_over_adb())
    f = finding(report, "cloud.xiaomi:xiaomi_cloud")
    assert f.outcome is Outcome.NOT_AVAILABLE
    assert {e.key for e in f.evidence} == {
        "com.miui.cloudservice",
        "com.miui.cloudbackup",
        "com.miui.micloudsync",
    }
    assert "not visible" in f.summary and "contacts" in f.summary
    finder = finding(report, "cloud.find_device:xiaomi_find_device")
    assert finder.outcome is Outcome.NOT_AVAILABLE and finder.evidence[0].key == "com.xiaomi.finddevice"


def test_clouds_of_other_vendors_do_not_apply_to_a_xiaomi() -> None:
    report = audit(garnet_over_adb())
    for cid in ("cloud.samsung", "cloud.huawei", "cloud.other_oem"):
        assert finding(report, cid).outcome is Outcome.NOT_APPLICABLE, cid


def test_samsung_find_my_mobile_is_seen_in_a_samsung_firmware() -> None:
    f = finding(audit(device("samsung-j6primelte-J610FXXU5CTI1")), "cloud.find_device:samsung_find_device")
    assert f.outcome is Outcome.NOT_AVAILABLE and f.evidence[0].key == "com.samsung.android.fmm"


def test_getprop_only_capture_has_no_cloud_evidence() -> None:
    report = audit(device("xiaomi-sheng-OS2.0.205.0.VNXCNXM"))
    for f in report.findings:
        if f.check.startswith("cloud."):
            assert f.outcome is Outcome.NOT_AVAILABLE, f.id


def test_google_backup_on_from_the_secure_settings() -> None:
    # `settings list secure` lines as AOSP prints them (key=value), backup switched on to Google
    rec = with_replies(
        garnet_recording(),
        **{"settings list secure": f"backup_enabled=1\nbackup_transport={GMS_TRANSPORT}\n"},
    )
    f = finding(audit(collect(rec), "government"), "cloud.google_backup")
    assert f.outcome is Outcome.FAIL and "cloud" in f.tags
    assert "call history" in f.summary and "SMS" in f.summary
    # the evidence names what was read: the secure settings, not `dumpsys backup`
    assert {e.key: e.value for e in f.evidence}["secure/backup_enabled"] == "1"
    assert {e.source for e in f.evidence} == {"settings secure"}


def test_google_backup_off_passes() -> None:
    rec = with_replies(garnet_recording(), **{"settings list secure": "backup_enabled=0\n"})
    assert finding(audit(collect(rec)), "cloud.google_backup").outcome is Outcome.PASS


def test_google_backup_from_dumpsys_backup_names_the_transport() -> None:
    # `dumpsys backup` as BackupManagerService prints it; the current transport is starred
    dump = (
        "Backup Manager is enabled / setup complete / not pending init\n"
        "Auto-restore is enabled\n"
        "Available transports:\n"
        "    com.android.localtransport/.LocalTransport\n"
        f"  * {GMS_TRANSPORT}\n"
    )
    rec = with_replies(garnet_recording(), **{"dumpsys backup": dump})
    f = finding(audit(collect(rec)), "cloud.google_backup")
    assert f.outcome is Outcome.FAIL and f.confidence == "high"
    assert (GMS_TRANSPORT in {e.value for e in f.evidence}) and "Google" in f.summary


def test_find_my_device_active_as_device_admin() -> None:
    # `dumpsys device_policy` lists active admins under "Enabled Device Admins"
    dump = (
        "Current Device Policy Manager state:\n"
        "  Enabled Device Admins (User 0, provisioningState: 0):\n"
        "    com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver:\n"
        "      uid=10150\n"
        "      testOnlyAdmin=false\n"
    )
    rec = with_replies(garnet_recording(), **{"dumpsys device_policy": dump})
    report = audit(collect(rec), "at-risk")
    f = finding(report, "cloud.find_device:google_find_device")
    assert f.outcome is Outcome.FAIL and "locate" in f.summary
    assert f.evidence[0].key.endswith("MdmDeviceAdminReceiver")
    # a preinstalled admin is not an "installed app" device administrator
    admin = finding(report, "apps.special_device_admin")
    assert admin.outcome is Outcome.PASS


def test_backup_to_the_local_transport_stays_on_the_phone() -> None:
    dump = (
        "Backup Manager is enabled / setup complete / not pending init\n"
        "Available transports:\n"
        "  * com.android.localtransport/.LocalTransport\n"
        f"    {GMS_TRANSPORT}\n"
    )
    rec = with_replies(garnet_recording(), **{"dumpsys backup": dump})
    f = finding(audit(collect(rec)), "cloud.google_backup")
    assert f.outcome is Outcome.PASS and "local" in f.summary
