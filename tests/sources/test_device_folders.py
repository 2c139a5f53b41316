"""Every real device folder in the fixtures loads, and its identity matches the recorded truth."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.model import SourceKind
from howsafe.sources import load_path

INDEX = {row["folder"]: row for row in csv.DictReader((DEVICES / "INDEX.csv").open(encoding="utf-8"))}
FOLDERS = sorted(p for p in DEVICES.iterdir() if p.is_dir())


def test_all_folders_indexed() -> None:
    assert len(FOLDERS) == 143
    assert {p.name for p in FOLDERS} == set(INDEX)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_identity_and_package_count(folder: Path) -> None:
    row = INDEX[folder.name]
    snap = load_path(folder)
    d = snap.device
    count = len(snap.packages) if snap.packages is not None else 0
    assert count == int(row["n_packages"])
    if not (folder / "getprop.txt").exists():
        # partial package lists pasted in issues: no properties, and the snapshot says so
        assert d.brand is None and d.model is None and d.security_patch is None
        items = {m.item: m.reason for m in snap.missing}
        assert items["properties"] == "not in the source"
        assert any(m.item == "packages" and "partial" in m.reason for m in snap.missing)
        assert not snap.complete
        return
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert d.brand == row["brand"] == meta["brand"]
    assert d.model == meta["model"] == row["model"].split(" / ")[0]
    assert d.android_release == row["android_version"]
    assert d.sdk == int(row["sdk"])
    assert d.security_patch == dt.date.fromisoformat(row["security_patch"])
    assert d.build_fingerprint == "".join(meta["fingerprint"].split())


@pytest.mark.parametrize("folder", [p for p in FOLDERS if (p / "meta.json").exists()], ids=lambda p: p.name)
def test_rom_family_matches_the_build(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    d = load_path(folder).device
    if meta["mios_name"]:
        assert d.rom == "HyperOS"
        assert d.rom_version == (meta["mios_incremental"] or meta["incremental"])
    elif meta["miui_name"]:
        assert d.rom in ("MIUI", "JOYUI")
        assert d.rom_version == meta["incremental"]
    elif meta.get("oneui"):
        assert d.rom == "One UI"
        assert d.rom_version is not None and d.rom_version.split(".")[0] == str(int(meta["oneui"]) // 10000)
    elif meta.get("harmony") and meta["brand"].upper() in ("HUAWEI", "HONOR"):
        assert (d.rom, d.rom_version) == ("HarmonyOS", meta["harmony"])
    elif (meta.get("emui") or "").startswith("EmotionUI_"):
        assert (d.rom, d.rom_version) == ("EMUI", meta["emui"].removeprefix("EmotionUI_"))
    elif meta.get("oplusrom"):
        assert d.rom in ("ColorOS", "realme UI", "OxygenOS")


def test_huawei_named_file_is_read_as_the_xiaomi_it_contains() -> None:
    folder = DEVICES / "xiaomi-mars-V14.0.13.0.TKACNXM"
    assert "HUAWEI Mate 70 Pro+.txt" in (folder / "SOURCE.md").read_text(encoding="utf-8")
    d = load_path(folder).device
    assert (d.brand, d.manufacturer, d.device, d.rom) == ("Xiaomi", "Xiaomi", "mars", "MIUI")


def test_region_and_integrity_from_real_captures() -> None:
    lmi = load_path(DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM")
    assert lmi.device.region == "CN"
    assert lmi.integrity.bootloader_locked is False
    assert lmi.integrity.verified_boot_state == "orange"
    assert lmi.integrity.debuggable is False
    assert lmi.integrity.encryption_state == "encrypted"
    sunny = load_path(DEVICES / "redmi-sunny-V14.0.9.0.SKGMIXM")
    assert sunny.device.region == "Global"
    assert sunny.integrity.bootloader_locked is True
    samsung = load_path(DEVICES / "samsung-c1q-N9810ZCSDHYD1").device
    assert (samsung.rom, samsung.rom_version) == ("One UI", "5.1")
    oneplus_eu = load_path(DEVICES / "oneplus-OP516FL1-S.1b9a62e-28613-89041").device
    assert (oneplus_eu.rom, oneplus_eu.rom_version, oneplus_eu.region) == ("OxygenOS", "14.0.0", "EUEX")
    oneplus_cn = load_path(DEVICES / "oneplus-OP5D06L1-U.1a7fda6_4b980d_49ccaa").device
    assert (oneplus_cn.rom, oneplus_cn.region) == ("ColorOS", "CN")


def test_firmware_dump_marks_runtime_state_missing() -> None:
    snap = load_path(DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM")
    assert snap.source.kind is SourceKind.FIRMWARE
    reasons = {m.item: m.reason for m in snap.missing}
    for item in ("settings.secure", "processes", "selinux", "integrity.boot_state", "root_binaries"):
        assert reasons[item] == "static firmware dump"
    assert all(p.system is True for p in snap.packages or ())
    assert snap.integrity.bootloader_locked is None
    analytics = snap.package("com.miui.analytics")
    assert analytics is not None and analytics.apk_paths


def test_firmware_versions_from_the_image() -> None:
    snap = load_path(DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM")
    analytics = snap.package("com.miui.analytics")
    assert analytics is not None
    assert (analytics.version_code, analytics.version_name, analytics.target_sdk) == (2018091100, "2.8.4", 23)
