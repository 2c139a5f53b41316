"""Integrity checks on real devices: what a reader can verify in each folder's getprop.txt/meta.json."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from checks.phones import (
    audit,
    collect,
    device,
    finding,
    garnet_over_adb,
    garnet_recording,
    garnet_rooted_with_magisk,
    kb,
    with_replies,
)
from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.model import Outcome, Severity, Snapshot

ALL = sorted(p.name for p in DEVICES.iterdir() if p.is_dir())
META = {
    name: json.loads((DEVICES / name / "meta.json").read_text(encoding="utf-8"))
    for name in ALL
    if (DEVICES / name / "meta.json").is_file()
}
RUNTIME = [n for n, m in META.items() if "raw_files" not in m and (DEVICES / n / "getprop.txt").is_file()]
FIRMWARE = [n for n, m in META.items() if "raw_files" in m]


def props(name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (DEVICES / name / "getprop.txt").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("[") and "]: [" in line:
            key, _, value = line.partition("]: [")
            out[key[1:]] = value.rstrip().removesuffix("]")
    return out


def test_the_corpus_has_both_kinds() -> None:
    assert len(RUNTIME) > 100 and len(FIRMWARE) >= 10


def test_unlocked_xiaomi_pad_is_reported_with_the_properties_that_show_it() -> None:
    name = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"
    assert (META[name]["verifiedbootstate"], META[name]["flash_locked"]) == ("orange", "0")
    f = finding(audit(device(name)), "integrity.bootloader")
    assert f.outcome is Outcome.FAIL and f.severity is Severity.HIGH
    ev = {e.key: e.value for e in f.evidence}
    assert ev["ro.boot.flash.locked"] == "0" and ev["ro.boot.verifiedbootstate"] == "orange"
    assert "unlocked" in f.summary and f.remediation


@pytest.mark.parametrize("name", RUNTIME)
def test_bootloader_outcome_matches_what_the_phone_reported(name: str) -> None:
    meta = META[name]
    f = finding(audit(device(name)), "integrity.bootloader")
    vbs, locked = meta.get("verifiedbootstate") or "", meta.get("flash_locked") or ""
    if vbs in ("orange", "yellow", "red") or locked == "0":
        assert f.outcome is Outcome.FAIL, f.summary
        assert any(e.key in ("ro.boot.flash.locked", "ro.boot.verifiedbootstate") for e in f.evidence)
    elif vbs == "green" or locked == "1":
        assert f.outcome is Outcome.PASS, f.summary
    else:
        assert f.outcome is Outcome.NOT_AVAILABLE


def test_a_locked_green_phone_passes() -> None:
    name = "xiaomi-dada-OS2.0.214.0.VOCCNXM"
    assert (META[name]["verifiedbootstate"], META[name]["flash_locked"]) == ("green", "1")
    assert finding(audit(device(name)), "integrity.bootloader").outcome is Outcome.PASS


def test_yellow_verified_boot_is_a_medium_finding() -> None:
    f = finding(audit(device("smartisan-oscar-1-2")), "integrity.bootloader")
    assert f.outcome is Outcome.FAIL and f.severity is Severity.MEDIUM and "YELLOW" in f.summary


@pytest.mark.parametrize("name", FIRMWARE)
def test_firmware_dumps_never_yield_runtime_findings(name: str) -> None:
    report = audit(device(name))
    for cid in (
        "integrity.bootloader",
        "integrity.encryption",
        "integrity.selinux",
        "integrity.adb",
        "integrity.adb_wifi",
        "integrity.developer_options",
        "integrity.screen_lock",
    ):
        assert finding(report, cid).outcome is Outcome.NOT_AVAILABLE, cid


def test_spoofed_custom_rom_is_recognised_from_its_own_properties() -> None:
    name = "xiaomi-grus-CUSTOMROM-spoofed-V12.5.1.0.RFBMIXM"
    p = props(name)
    assert p["ro.build.type"] == "userdebug" and p["ro.build.fingerprint"].endswith(":user/release-keys")
    report = audit(device(name))
    debug = finding(report, "integrity.debug_build")
    assert debug.outcome is Outcome.FAIL and debug.severity is Severity.HIGH
    assert ("ro.build.type", "userdebug") in {(e.key, e.value) for e in debug.evidence}
    ident = finding(report, "integrity.build_identity")
    assert ident.outcome is Outcome.FAIL
    assert "userdebug" in ident.summary and "aosp_grus" in ident.summary
    assert {e.key for e in ident.evidence} >= {"ro.build.fingerprint", "ro.build.type", "ro.build.display.id"}
    # a firmware image: nothing about the boot state may be claimed
    assert finding(report, "integrity.bootloader").outcome is Outcome.NOT_AVAILABLE


def test_stock_builds_have_a_consistent_identity() -> None:
    stock = ("xiaomi-sheng-OS2.0.205.0.VNXCNXM", "google-oriole-13277524", "redmi-garnet-OS2.0.205.0.VNRMIXM")
    for name in stock:
        assert finding(audit(device(name)), "integrity.build_identity").outcome is Outcome.PASS, name


def test_runtime_custom_rom_with_userdebug_fingerprint_is_flagged() -> None:
    name = "xiaomi-whyred-1679718073"
    assert ":userdebug/" in props(name)["ro.build.fingerprint"] and props(name)["ro.build.type"] == "user"
    assert finding(audit(device(name)), "integrity.build_identity").outcome is Outcome.FAIL


def test_debuggable_stock_build_is_flagged() -> None:
    name = "xiaomi-cepheus-V12.5.6.0.RFACNXM"
    assert props(name)["ro.debuggable"] == "1"
    f = finding(audit(device(name)), "integrity.debug_build")
    assert f.outcome is Outcome.FAIL and ("ro.debuggable", "1") in {(e.key, e.value) for e in f.evidence}


def test_unencrypted_phones_fail_and_encrypted_ones_pass() -> None:
    unencrypted = [n for n in RUNTIME if props(n).get("ro.crypto.state") == "unencrypted"]
    encrypted = [n for n in RUNTIME if props(n).get("ro.crypto.state") == "encrypted"]
    assert len(unencrypted) >= 10 and len(encrypted) >= 100
    for name in unencrypted:
        f = finding(audit(device(name)), "integrity.encryption")
        assert f.outcome is Outcome.FAIL and f.evidence[0].value == "unencrypted", name
    for name in encrypted[:20]:
        assert finding(audit(device(name)), "integrity.encryption").outcome is Outcome.PASS, name


def test_adb_listening_on_tcp_is_flagged() -> None:
    name = "xiaomi-mars-V14.0.13.0.TKACNXM"
    assert props(name)["service.adb.tcp.port"] == "5555"
    f = finding(audit(device(name)), "integrity.adb_wifi")
    assert f.outcome is Outcome.FAIL and "5555" in f.summary
    assert ("service.adb.tcp.port", "5555") in {(e.key, e.value) for e in f.evidence}


def test_negative_tcp_port_is_not_a_finding() -> None:
    name = "oneplus-OnePlus6T-1812111152"
    assert props(name)["service.adb.tcp.port"] == "-1"
    assert finding(audit(device(name)), "integrity.adb_wifi").outcome is not Outcome.FAIL


def test_permissive_boot_request_on_user_build_is_low_confidence() -> None:
    name = "xiaomi-clover-V10.3.2.0.ODJCNXM"
    assert props(name)["ro.boot.selinux"] == "permissive" and props(name)["ro.build.type"] == "user"
    f = finding(audit(device(name)), "integrity.selinux")
    assert f.outcome is Outcome.FAIL and f.confidence == "low" and "getenforce" in f.summary


def test_usb_debugging_seen_in_a_live_capture() -> None:
    name = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"
    assert props(name)["init.svc.adbd"] == "running"
    f = finding(audit(device(name)), "integrity.adb")
    assert f.outcome is Outcome.FAIL and f.confidence == "medium"
    assert ("init.svc.adbd", "running") in {(e.key, e.value) for e in f.evidence}


def test_settings_over_adb_give_adb_and_developer_options_with_setting_evidence() -> None:
    report = audit(garnet_over_adb())
    adb = finding(report, "integrity.adb")
    assert adb.outcome is Outcome.FAIL and adb.confidence == "high"
    assert [(e.kind, e.key, e.value) for e in adb.evidence] == [("setting", "global/adb_enabled", "1")]
    dev = finding(report, "integrity.developer_options")
    assert dev.outcome is Outcome.FAIL and dev.evidence[0].key == "global/development_settings_enabled"


def test_no_root_manager_among_a_full_preinstalled_list() -> None:
    f = finding(audit(device("redmi-garnet-OS2.0.205.0.VNRMIXM")), "integrity.root_apps")
    assert f.outcome is Outcome.PASS


def test_partial_package_list_proves_no_absence() -> None:
    f = finding(audit(device("redmi-rosemary-unknown-ksalokya3")), "integrity.root_apps")
    assert f.outcome is Outcome.NOT_AVAILABLE and "partial" in f.summary


def test_mainline_level_of_a_firmware_image_is_not_the_phones_level() -> None:
    f = finding(audit(device("xiaomi-grus-CUSTOMROM-spoofed-V12.5.1.0.RFBMIXM")), "integrity.mainline")
    assert f.outcome is Outcome.NOT_AVAILABLE and f.evidence and "2023-02-01" in f.summary


def test_mainline_does_not_apply_before_android_10() -> None:
    name = "xiaomi-riva-V10.1.1.0.NCKCNFI"
    assert int(META[name]["sdk"]) < 29
    assert finding(audit(device(name)), "integrity.mainline").outcome is Outcome.NOT_APPLICABLE


def test_magisk_root_is_seen_three_ways() -> None:
    report = audit(garnet_rooted_with_magisk())
    binaries = finding(report, "integrity.root_binaries")
    assert binaries.outcome is Outcome.FAIL and binaries.severity is Severity.CRITICAL
    assert {(e.kind, e.key) for e in binaries.evidence} >= {
        ("file", "/debug_ramdisk/su"),
        ("process", "magiskd"),
    }
    app = finding(report, "integrity.root_apps")
    assert app.outcome is Outcome.FAIL and app.evidence[0].key == "com.topjohnwu.magisk"
    assert any("github.com/topjohnwu/Magisk" in r for r in app.references)
    side = finding(report, "apps.sideload")
    assert [e.key for e in side.evidence] == ["com.topjohnwu.magisk"]


def test_unrooted_phone_without_probe_is_not_declared_clean() -> None:
    assert finding(audit(garnet_over_adb()), "integrity.root_binaries").outcome is Outcome.NOT_AVAILABLE


def _with_modulemetadata(version_name: str) -> Snapshot:
    # `dumpsys package com.google.android.modulemetadata` in AOSP format; the version name is the
    # real one of the Mainline metadata APK in the grus dump (apk_paths.tsv: "2023-02-01 S+").
    dump = (
        "Packages:\n"
        "  Package [com.google.android.modulemetadata] (3c1e9a0):\n"
        "    userId=10089\n"
        "    codePath=/system/product/app/ModuleMetadataGoogle\n"
        "    versionCode=331434004 minSdk=33 targetSdk=33\n"
        f"    versionName={version_name}\n"
        "    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]\n"
    )
    return collect(with_replies(garnet_recording(), **{"dumpsys package": dump}))


def test_mainline_level_from_the_phone_is_dated() -> None:
    snap = _with_modulemetadata("2023-02-01 S+")
    old = finding(audit(snap), "integrity.mainline")  # audited on 2026-01-01
    assert old.outcome is Outcome.FAIL and "2023-02-01" in old.summary and old.severity is Severity.MEDIUM
    auditor = Auditor(kb(), clock=lambda: dt.datetime(2023, 3, 15, tzinfo=dt.UTC))
    recent = finding(auditor.run(auditor.context(snap), "everyday"), "integrity.mainline")
    assert recent.outcome is Outcome.PASS


def test_play_protect_switched_off_in_the_global_settings() -> None:
    # `settings list global` as the recording has it, plus the two verifier keys turned off
    base = garnet_recording().replies["settings list global"].stdout
    off = base + "package_verifier_enable=0\nverifier_verify_adb_installs=0\n"
    f = finding(
        audit(collect(with_replies(garnet_recording(), **{"settings list global": off}))),
        "integrity.play_protect",
    )
    assert f.outcome is Outcome.FAIL and f.severity is Severity.MEDIUM
    assert {e.key for e in f.evidence} == {
        "global/package_verifier_enable",
        "global/verifier_verify_adb_installs",
    }
    on = base + "package_verifier_enable=1\n"
    f = finding(
        audit(collect(with_replies(garnet_recording(), **{"settings list global": on}))),
        "integrity.play_protect",
    )
    assert f.outcome is Outcome.PASS


def test_play_protect_unknown_without_settings_even_from_a_partial_list() -> None:
    snap = device("redmi-garnet-OS2.0.205.0.VNRMIXM")  # firmware: Play Store present, no settings
    assert snap.package("com.android.vending") is not None
    assert finding(audit(snap), "integrity.play_protect").outcome is Outcome.NOT_AVAILABLE
    # a user-pasted, filtered list without the Play Store does not prove there is none
    partial = device("redmi-rosemary-unknown-ksalokya3")
    assert partial.package("com.android.vending") is None
    assert finding(audit(partial), "integrity.play_protect").outcome is Outcome.NOT_AVAILABLE
