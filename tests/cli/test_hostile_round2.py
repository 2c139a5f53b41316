"""Crafted dumps that used to crash or hang the CLI: Unicode digits, numbers over Python's
4,300-digit limit, impossible bugreport dates, and inputs built to make a parser quadratic.

Every input is generated here. Each run goes through the real entry point; the answer is a
normal snapshot (the odd value read as unknown) or exit 2 with one line, never a traceback.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from howsafe.cli import main

GETPROP = "[ro.build.version.release]: [13]\n[ro.product.brand]: [google]\n[ro.product.model]: [Pixel 6]\n"
HUGE = "9" * 5000


def dump(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "dump"
    folder.mkdir()
    named = {name.replace("__", "."): text for name, text in files.items()}
    named.setdefault("getprop.txt", GETPROP)
    for name, text in named.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def collect(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = tmp_path / "phone.json"
    assert main(["collect", str(source), "-o", str(out)]) == 0, capsys.readouterr().err
    assert "Traceback" not in capsys.readouterr().err
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def packages(snap: dict[str, object]) -> dict[str, dict[str, object]]:
    pkgs = snap["packages"]
    assert isinstance(pkgs, list)
    return {p["id"]: p for p in pkgs}


@pytest.mark.parametrize("value", ["1²3", "²", "١٢٣", HUGE])
def test_pm_list_uid_and_version_code_with_odd_digits_are_unknown(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"package:com.x uid:{value} versionCode:{value}\npackage:com.y uid:10001 versionCode:7\n"
    pkgs = packages(collect(dump(tmp_path, packages__txt=text), tmp_path, capsys))
    assert (pkgs["com.x"]["uid"], pkgs["com.x"]["version_code"]) == (None, None)
    assert (pkgs["com.y"]["uid"], pkgs["com.y"]["version_code"]) == (10001, 7)


@pytest.mark.parametrize("value", ["²", HUGE])
def test_dumpsys_package_user_and_enabled_with_odd_digits(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Packages:\n"
        f"  Package [com.x] (1):\n    userId={value}\n    versionCode={value} targetSdk=34\n"
        f"    User 0: installed=true enabled={value}\n"
        f"    User {value}: installed=false enabled=2\n"
        "  Package [com.y] (2):\n    userId=10002\n    User 0: installed=true enabled=2\n"
    )
    pkgs = packages(collect(dump(tmp_path, dumpsys_package__txt=text), tmp_path, capsys))
    assert (pkgs["com.x"]["uid"], pkgs["com.x"]["version_code"], pkgs["com.x"]["enabled"]) == (None, None, None)
    assert (pkgs["com.y"]["uid"], pkgs["com.y"]["enabled"]) == (10002, False)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("ro.build.version.sdk", HUGE),
        ("ro.build.version.sdk", "３３"),
        ("ro.build.version.oneui", HUGE),
        ("ro.build.version.oneui", "²"),
        ("ro.build.version.release", HUGE),
        ("ro.build.version.security_patch", "２０２４-０１-０１"),
        ("service.adb.tcp.port", HUGE),
    ],
)
def test_properties_with_huge_or_unicode_numbers_audit_without_a_traceback(
    prop: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = dump(tmp_path, getprop__txt=GETPROP + f"[{prop}]: [{value}]\n")
    # 3: a getprop-only dump is not enough evidence for a verdict (docs/evidence-rules.md)
    assert main(["audit", str(folder), "--format", "json"]) in (0, 1, 3)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    report = json.loads(captured.out)
    assert report["device"]["sdk"] is None or report["device"]["sdk"] < 100


def bugreport(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bugreport.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("main_entry.txt", "bugreport-x.txt")
        z.writestr("bugreport-x.txt", text)
    return path


def test_bugreport_with_an_impossible_date_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "== dumpstate: 2024-13-45 99:99:99\n------ SYSTEM PROPERTIES (getprop) ------\n" + GETPROP
    snap = collect(bugreport(tmp_path, text), tmp_path, capsys)
    source = snap["source"]
    assert isinstance(source, dict) and source["collected_at"] is None
    assert isinstance(snap["properties"], dict) and snap["properties"]["ro.product.brand"] == "google"


def test_bugreport_with_odd_settings_user_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "== dumpstate: 2024-01-01 00:00:00\n------ SYSTEM PROPERTIES (getprop) ------\n" + GETPROP
        + "DUMP OF SERVICE settings:\n"
        + f"GLOBAL SETTINGS (user {HUGE})\n  _id:1 name:adb_enabled pkg:android value:1\n"
        + "SECURE SETTINGS (user ٠)\n  _id:2 name:x pkg:y value:1\n"
        + "SYSTEM SETTINGS (user 0)\n  _id:3 name:screen_brightness pkg:android value:90\n"
    )
    snap = collect(bugreport(tmp_path, text), tmp_path, capsys)
    assert snap["settings"] == {"system": {"screen_brightness": "90"}}


def test_two_million_settings_continuation_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = dump(tmp_path, settings_global__txt="adb_enabled=0\nnote=a\n" + "x\n" * 2_000_000)
    snap = collect(folder, tmp_path, capsys)
    settings = snap["settings"]
    assert isinstance(settings, dict)
    assert settings["global"]["adb_enabled"] == "0"
    assert settings["global"]["note"].count("\n") == 2_000_000


def test_root_binary_list_of_200k_lines_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "".join(f"/system/xbin/su{i}\n" for i in range(200_000))
    snap = collect(dump(tmp_path, root_binaries__txt=text), tmp_path, capsys)
    integrity = snap["integrity"]
    assert isinstance(integrity, dict)
    roots = integrity["root_binaries"]
    assert isinstance(roots, list) and len(roots) == 1_000 and roots[0] == "/system/xbin/su0"


def test_pathological_accessibility_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "Enabled services:{" * 200_000 + "\nEnabled services:{{com.evil/.Spy}}\n"
    text = "DUMP OF SERVICE accessibility:\n" + body + "DUMP OF SERVICE other:\nx\n"
    snap = collect(dump(tmp_path, dumpsys__txt=text), tmp_path, capsys)
    special = snap["special_access"]
    assert isinstance(special, dict) and special["accessibility_services"] == ["com.evil/.Spy"]


def test_megabyte_property_value_through_the_redactor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    value = "a." * 500_000 + "owner@example.com"
    snap = collect(dump(tmp_path, getprop__txt=GETPROP + f"[ro.note]: [{value}]\n"), tmp_path, capsys)
    props = snap["properties"]
    assert isinstance(props, dict) and props["ro.note"].endswith("<redacted>")
