"""getprop parsing on every real capture in the device fixtures, plus each quirk they show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.parse import parse_getprop

GETPROP_FOLDERS = sorted(p.parent for p in DEVICES.glob("*/getprop.txt"))
RAW_FOLDERS = sorted(p.parent for p in DEVICES.glob("*/getprop.raw.txt"))


def test_fixtures_present() -> None:
    assert len(GETPROP_FOLDERS) >= 140
    assert len(RAW_FOLDERS) >= 16


@pytest.mark.parametrize("folder", GETPROP_FOLDERS, ids=lambda p: p.name)
def test_every_capture_yields_identity_properties(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    props = parse_getprop((folder / "getprop.txt").read_bytes()).properties
    assert props.get("ro.product.brand") == meta["brand"]
    assert props.get("ro.product.model") == meta["model"]
    assert props.get("ro.build.version.release") == meta["android"]
    assert props.get("ro.build.version.security_patch") == meta["security_patch"]


@pytest.mark.parametrize("folder", RAW_FOLDERS, ids=lambda p: p.name)
def test_raw_windows_bytes_parse_like_the_normalised_file(folder: Path) -> None:
    """UTF-16LE+BOM and CRLF originals give exactly the properties of the cleaned copy."""
    raw = parse_getprop((folder / "getprop.raw.txt").read_bytes()).properties
    clean = parse_getprop((folder / "getprop.txt").read_bytes()).properties
    assert raw == clean
    assert len(raw) > 300


def test_utf16_capture_is_really_utf16() -> None:
    raw = (DEVICES / "xiaomi-thor-OS2.0.205.0.VLACNXM" / "getprop.raw.txt").read_bytes()
    assert raw[:2] == b"\xff\xfe"
    props = parse_getprop(raw).properties
    assert props["ro.mi.os.version.name"] == "OS2.0"


def test_entries_glued_on_one_line_are_split() -> None:
    """A real OnePlus capture has three entries on one line; ro.build.version.sdk is the third."""
    folder = DEVICES / "oneplus-OP60EBL1-V.1d5d893-55c-55d"
    line = next(
        ln for ln in (folder / "getprop.txt").read_text(encoding="utf-8").splitlines() if "[ro.build.version.sdk]" in ln
    )
    assert not line.startswith("[ro.build.version.sdk]")
    props = parse_getprop((folder / "getprop.txt").read_bytes()).properties
    assert props["ro.build.version.sdk"] == "35"
    assert props["ro.build.version.release_or_preview_display"] == "15"


def test_multiline_and_wrapped_values_keep_their_text() -> None:
    props = parse_getprop((DEVICES / "xiaomi-cepheus-9.8.22" / "getprop.txt").read_bytes()).properties
    assert props["ro.build.fingerprint"] == "Xiaomi/cepheus/cepheus:10/Q\nKQ1.190716.003/9.8.22:user/release-keys"
    history = parse_getprop((DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM" / "getprop.txt").read_bytes())
    assert history.properties["persist.sys.boot.reason.history"].count("\n") == 2


def test_mangled_bracket_and_leading_junk() -> None:
    text = "000[DEVICE_PROVISIONED]: [1]\n[a.b]: [x]\n]ro.oplus.storage.super_size]: [11927625728\n[c.d]: [y]\n"
    result = parse_getprop(text)
    assert result.properties == {
        "DEVICE_PROVISIONED": "1",
        "a.b": "x",
        "ro.oplus.storage.super_size": "11927625728",
        "c.d": "y",
    }
    assert not result.truncated


def test_truncated_file_keeps_what_parsed_and_says_so() -> None:
    full = (DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM" / "getprop.txt").read_bytes()
    cut = full[: full.index(b"[ro.build.version.security_patch]") + 40]
    result = parse_getprop(cut)
    assert result.truncated
    assert "ro.build.version.security_patch" not in result.properties
    assert result.properties["ro.build.version.release"] == "12"


def test_utf16_be_and_bomless_utf16() -> None:
    text = "[ro.product.brand]: [Redmi]\r\n[ro.product.model]: [M2101K7AG]\r\n"
    for data in (
        text.encode("utf-16-be"),
        text.encode("utf-16-le"),
        "\ufeff".encode("utf-16-be") + text.encode("utf-16-be"),
    ):
        assert parse_getprop(data).properties == {
            "ro.product.brand": "Redmi",
            "ro.product.model": "M2101K7AG",
        }


def test_binary_junk_yields_nothing_without_error() -> None:
    junk = bytes(range(256)) * 64
    result = parse_getprop(junk)
    assert result.properties == {}


def test_entry_count_is_bounded() -> None:
    result = parse_getprop("".join(f"[k{i}]: [v]\n" for i in range(100_005)))
    assert result.truncated
    assert len(result.properties) == 100_000
