"""Crafted dumps that used to crash or hang the CLI: Unicode digits, numbers over Python's
4,300-digit limit, impossible bugreport dates, and inputs built to make a parser quadratic.

Every input is generated here. Each run goes through the real entry point; the answer is a
normal snapshot (the odd value read as unknown) or exit 2 with one line, never a traceback.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
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
        "== dumpstate: 2024-01-01 00:00:00\n------ SYSTEM PROPERTIES (getprop) ------\n"
        + GETPROP
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


# -- archives ----------------------------------------------------------------------------------
def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("howsafe: error: ")
    return lines[0]


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_needing_version_6_5_is_an_unsupported_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(_zip_bytes({"getprop.txt": GETPROP.encode()}))
    for sig, at in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):  # "version needed to extract": 6.5
        i = data.find(sig)
        data[i + at : i + at + 2] = (65).to_bytes(2, "little")
    path = tmp_path / "dump.zip"
    path.write_bytes(bytes(data))
    assert main(["collect", str(path)]) == 2
    assert "unsupported zip archive" in one_error_line(capsys)


def test_a_nul_inside_a_zip_member_name_is_detected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # zipfile cannot write such a name (it cuts it at the NUL too): write a placeholder, patch it
    data = _zip_bytes({"getprop.txt#.exe": GETPROP.encode(), "packages.txt": b"package:com.x\n"})
    path = tmp_path / "dump.zip"
    path.write_bytes(data.replace(b"getprop.txt#.exe", b"getprop.txt\x00.exe"))
    assert main(["collect", str(path)]) == 2
    assert "NUL" in one_error_line(capsys)


def test_a_zip_inside_a_zip_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = _zip_bytes({"getprop.txt": GETPROP.encode()})
    path = tmp_path / "dump.zip"
    path.write_bytes(_zip_bytes({"dump.zip": _zip_bytes({"bugreport.zip": inner})}))
    assert main(["collect", str(path)]) == 2
    assert "no known dump files" in one_error_line(capsys)


# -- snapshots and memory caps -------------------------------------------------------------------
def _snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return collect(dump(tmp_path, packages__txt="package:com.x uid:10001\n"), tmp_path, capsys)


@pytest.mark.parametrize(("where", "escaped"), [("model", "\\ud800x"), ("key", "\\udfff")])
def test_a_snapshot_with_a_lone_surrogate_is_rejected_in_one_line(
    where: str, escaped: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _odd_snapshot(tmp_path, capsys, where, escaped)
    for command in (["audit"], ["collect"], ["vulns"], ["audit", "--format", "json"]):
        assert main([*command, str(path)]) == 2
        assert "lone UTF-16 surrogate" in one_error_line(capsys)


def test_a_snapshot_with_nul_in_its_strings_is_read_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _odd_snapshot(tmp_path, capsys, "model", "a\\u0000b")
    again_path = tmp_path / "again.json"
    # The snapshot has neither a patch level nor a package list: audit and vulns read it and say there is not
    # enough evidence (exit 3) instead of a pass; collect rewrites it.
    expected = {"audit": {3}, "collect": {0}, "vulns": {3}}
    for command in (["audit"], ["collect", "-o", str(again_path)], ["vulns"], ["audit", "--format", "html"]):
        assert main([*command, str(path)]) in expected[command[0]]
        assert "Traceback" not in capsys.readouterr().err
    again = json.loads(again_path.read_text(encoding="utf-8"))
    assert again["device"]["model"] == "a\x00b"


def _odd_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, escaped: str) -> Path:
    snap = _snapshot(tmp_path, capsys)
    device = snap["device"]
    assert isinstance(device, dict)
    props = snap["properties"]
    assert isinstance(props, dict)
    if where == "model":
        device["model"] = "@@"
    else:
        props["@@"] = "1"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(snap).replace('"@@"', f'"{escaped}"'), encoding="utf-8")
    return path


def test_collect_of_a_million_package_snapshot_stays_far_below_its_old_peak(tmp_path: Path) -> None:
    from memcap import baseline_mib, peak_rss_mib

    path = tmp_path / "million.json"
    head = json.dumps({"schema_version": 1, "device": {}, "packages": "@@"})
    with path.open("w", encoding="utf-8") as fh:
        before, after = head.split('"@@"')
        fh.write(before + "[" + ",".join(f'{{"id": "com.a{i}"}}' for i in range(1_000_000)) + "]" + after)
    code = f"""
        from howsafe.cli import main
        assert main(["collect", {str(path)!r}, "-o", {str(tmp_path / "out.json")!r}]) == 2
    """
    assert peak_rss_mib(code) < baseline_mib() + 150  # it peaked at 1.8 GB (2.8 GB measured here)


def test_a_two_million_line_package_list_is_read_in_bounded_memory(tmp_path: Path) -> None:
    from memcap import baseline_mib, peak_rss_mib

    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "getprop.txt").write_text(GETPROP, encoding="utf-8")
    with (folder / "packages.txt").open("w", encoding="utf-8") as fh:
        for i in range(2_000_000):
            fh.write(f"package:com.e{i % 40_000} uid:{i}\n")  # 40,000 ids, 50 lines each: 45 MiB
    size_mib = (folder / "packages.txt").stat().st_size / 2**20
    code = f"""
        from howsafe.cli import main
        assert main(["collect", {str(folder)!r}, "-o", {str(tmp_path / "out.json")!r}]) == 0
    """
    peak = peak_rss_mib(code) - baseline_mib()
    assert peak < 6 * size_mib + 200, (peak, size_mib)  # proportional to the input; it was ~3 GB


# -- folders nested thousands of levels deep ---------------------------------------------------------
@pytest.fixture()
def deep_folder(tmp_path: Path) -> Iterator[Path]:
    """``root/d/d/d/...`` 3,000 levels deep (beyond PATH_MAX, so built through directory fds),
    with a getprop.txt and an APK-looking file at the top; removed bottom-up afterwards."""
    import os

    root = tmp_path / "deep"
    root.mkdir()
    (root / "getprop.txt").write_text(GETPROP, encoding="utf-8")
    fds = [os.open(root, os.O_RDONLY)]
    try:
        for _ in range(3_000):
            os.mkdir("d", dir_fd=fds[-1])
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        yield root
    finally:
        for i in range(len(fds) - 1, 0, -1):
            os.close(fds[i])
            os.rmdir("d", dir_fd=fds[i - 1])
        os.close(fds[0])


def test_a_folder_nested_3000_levels_is_collected(
    deep_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = collect(deep_folder, tmp_path, capsys)
    props = snap["properties"]
    assert isinstance(props, dict) and props["ro.product.brand"] == "google"


def test_apps_walks_a_folder_nested_3000_levels_with_a_depth_limit(
    deep_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apps", str(deep_folder)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RecursionError" not in err
    assert "no APK" in err.splitlines()[-1]
