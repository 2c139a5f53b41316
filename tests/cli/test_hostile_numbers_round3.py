"""Numbers from a phone, an APK or a capture that only the strict reader may turn into ints.

``int()`` accepts Arabic-Indic digits, underscores and spaces, and raises past 4,300 digits;
``str.isdigit()`` accepts superscripts. Each value here reaches its parser through a real input
(a dump folder, a snapshot, a manifest, a capture) and is read as "unknown", never as a number
and never as a traceback. A plain ASCII control value next to each shows the reader still works.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DEVICES
from howsafe.apk.axml import parse_manifest
from howsafe.checks.vendor import VendorSettingsCheck
from howsafe.cli import main
from howsafe.harden import build_plan
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome
from howsafe.net.payload import http_host
from howsafe.net.pcapio import CaptureMeta, read_pcapng
from howsafe.parse.numbers import strict_int_or_hex
from howsafe.score import load_profile
from howsafe.sources import load_path

HUGE = "9" * 5000
ODD_DIGITS = ["٤", "²", "４", HUGE]  # Arabic-Indic four, superscript two, full-width four, 5,000 nines
GETPROP = "[ro.build.version.release]: [9]\n[ro.product.brand]: [google]\n[ro.product.model]: [Pixel 3]\n"


def _audit(tmp_path: Path, capsys: pytest.CaptureFixture[str], **files: str) -> dict[str, dict[str, object]]:
    folder = tmp_path / "dump"
    folder.mkdir()
    for name, text in {"getprop.txt": GETPROP, **{n.replace("__", "."): t for n, t in files.items()}}.items():
        (folder / name).write_text(text, encoding="utf-8")
    # 3: a getprop-only dump is not enough evidence for a verdict (docs/evidence-rules.md)
    assert main(["audit", str(folder), "--format", "json"]) in (0, 1, 3)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return {f["id"]: f for f in json.loads(captured.out)["findings"]}


@pytest.mark.parametrize("kernel", [f"{HUGE}.14.1", f"4.{HUGE}", "٤.١٤.150", "4².14.150"])
def test_a_hostile_kernel_version_leaves_the_kernel_check_without_data(
    kernel: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = _audit(tmp_path, capsys, proc_version__txt=f"Linux version {kernel} (builder@host) #1 SMP\n")
    kernel_eol = findings["updates.kernel_eol"]
    assert kernel_eol["outcome"] == "not_available" and "no lifetime data" in str(kernel_eol["summary"])
    assert not any(f["outcome"] == "error" for f in findings.values())


def test_an_ascii_kernel_version_is_still_judged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    findings = _audit(tmp_path, capsys, proc_version__txt="Linux version 4.4.153-perf+ (builder@host) #1 SMP\n")
    assert findings["updates.kernel_eol"]["outcome"] == "fail"  # 4.4 is older than every listed branch


# -- a vendor bit-field setting (MIUI personalised ads) read from the phone ---------------------

CHINA = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"


def _miui_with_ads_setting(value: str):  # type: ignore[no-untyped-def]
    snap = load_path(DEVICES / CHINA)
    return replace(snap, settings={**snap.settings, "global": {"personalized_ad_enabled": value}})


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_an_odd_bit_field_value_is_neither_on_nor_off(value: str) -> None:
    import datetime as dt

    from howsafe.checks.base import AuditContext, run_check

    ctx = AuditContext(snapshot=_miui_with_ads_setting(value), kb=KnowledgeBase(), today=dt.date(2026, 1, 1))
    findings = {f.id: f for f in run_check(VendorSettingsCheck(), ctx)}
    assert findings["vendor.settings:miui-personalized-ads"].outcome is Outcome.NOT_AVAILABLE


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_harden_leaves_an_odd_bit_field_alone_and_says_so(value: str) -> None:
    plan = build_plan(_miui_with_ads_setting(value), KnowledgeBase.default(), load_profile("everyday"), [])
    assert "global/personalized_ad_enabled" not in {s.target for s in plan.phone_steps}
    assert any(n.startswith("Left out setting miui-personalized-ads") for n in plan.notes)


def test_harden_clears_only_the_ad_bit_of_an_ascii_value() -> None:
    plan = build_plan(_miui_with_ads_setting("3"), KnowledgeBase.default(), load_profile("everyday"), [])
    [step] = [s for s in plan.phone_steps if s.target == "global/personalized_ad_enabled"]
    assert (step.value, step.clear_bits) == ("2", 1)


# -- an APK manifest whose versionCode / minSdkVersion are strings -------------------------------

_VERSION_CODE, _MIN_SDK = 0x0101021B, 0x0101020C


def _utf16(s: str) -> bytes:
    return struct.pack("<H", len(s)) + s.encode("utf-16-le") + b"\x00\x00"


def _chunk(ctype: int, header: bytes, body: bytes) -> bytes:
    return struct.pack("<HHI", ctype, 8 + len(header), 8 + len(header) + len(body)) + header + body


def _manifest(version_code: str) -> bytes:
    """``<manifest package="p" android:versionCode="<version_code>">`` with the value as a string."""
    strings = ["versionCode", "manifest", "package", "p", version_code]
    data, offsets = bytearray(), []
    for s in strings:
        offsets.append(len(data))
        data += _utf16(s)
    while len(data) % 4:
        data += b"\x00"
    pool = _chunk(0x0001, struct.pack("<IIIII", len(strings), 0, 0, 28 + 4 * len(strings), 0), struct.pack(
        f"<{len(strings)}I", *offsets) + bytes(data))  # fmt: skip
    resmap = _chunk(0x0180, b"", struct.pack("<I", _VERSION_CODE))
    attrs = [(0, 0, 4, 0x03, 4), (0xFFFFFFFF, 2, 3, 0x03, 3)]  # (ns, name, raw string, type string, data)
    ext = struct.pack("<IIHHHHHH", 0xFFFFFFFF, 1, 20, 20, len(attrs), 0, 0, 0)
    body = b"".join(struct.pack("<IIIHBBI", ns, name, raw, 8, 0, t, d) for ns, name, raw, t, d in attrs)
    start = _chunk(0x0102, struct.pack("<II", 1, 0xFFFFFFFF), ext + body)
    end = _chunk(0x0103, struct.pack("<II", 1, 0xFFFFFFFF), struct.pack("<II", 0xFFFFFFFF, 1))
    doc = pool + resmap + start + end
    return struct.pack("<HHI", 0x0003, 8, 8 + len(doc)) + doc


@pytest.mark.parametrize(
    ("text", "expected"), [*((v, None) for v in ODD_DIGITS), ("1_0", None), ("42", 42), ("0x1f", 31)]
)
def test_a_string_version_code_is_read_by_the_strict_reader(text: str, expected: int | None) -> None:
    man = parse_manifest(_manifest(text))
    assert (man.package, man.version_code) == ("p", expected)


def test_hex_numbers_are_bounded_too() -> None:
    assert strict_int_or_hex("0x" + "f" * 5000) is None and strict_int_or_hex("-0x10") == -16
    assert strict_int_or_hex("0x") is None and strict_int_or_hex("0x١") is None


# -- captures: a PCAPdroid uid comment and an HTTP Content-Length ---------------------------------


def _block(btype: int, body: bytes) -> bytes:
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def _pcapng_with_uid_comment(tmp_path: Path, comment: bytes) -> Path:
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 101, 0, 65535))  # LINKTYPE_RAW, as PCAPdroid writes
    frame = b"\x45" + b"\x00" * 19
    option = struct.pack("<HH", 1, len(comment)) + comment + b"\x00" * (-len(comment) % 4) + b"\x00" * 4
    epb = _block(6, struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame)) + frame + option)
    path = tmp_path / "pcapdroid.pcapng"
    path.write_bytes(shb + idb + epb)
    return path


@pytest.mark.parametrize(
    ("comment", "uid"),
    [("u-١٠٠٠٠", -1), (f"u-{HUGE}", -1), ("u-1_0", -1), ("u- 7", -1), ("u-10123", 10123), ("u--1", -1)],
)
def test_a_pcapdroid_uid_comment_is_read_strictly(comment: str, uid: int, tmp_path: Path) -> None:
    meta = CaptureMeta()
    with _pcapng_with_uid_comment(tmp_path, comment.encode()).open("rb") as fh:
        [record] = list(read_pcapng(fh, meta))
    assert record[3] == uid
    assert ("unreadable PCAPdroid uid comment" in meta.skipped) is (uid == -1 and comment != "u--1")


@pytest.mark.parametrize(
    ("length", "carries"), [("1_0", False), (HUGE, False), ("٣", False), ("12", True), ("0", False)]
)
def test_an_http_content_length_counts_only_as_ascii_digits(length: str, carries: bool) -> None:
    head = f"POST /upload HTTP/1.1\r\nHost: example.org\r\nContent-Length: {length}\r\n\r\n".encode()
    assert http_host(head) == ("example.org", "POST", carries)


def test_a_dex_entry_named_with_5000_digits_is_not_a_dex_file(tmp_path: Path) -> None:
    import zipfile

    from howsafe.apk.scan import scan_paths

    apk = tmp_path / "odd.apk"
    with zipfile.ZipFile(apk, "w") as z:
        z.writestr("AndroidManifest.xml", _manifest("7"))
        z.writestr(f"classes{HUGE}.dex", b"not a dex")
        z.writestr("classes٢.dex", b"not a dex either")
    (report,) = scan_paths([apk], kb=KnowledgeBase.default())
    assert (report.error, report.package, report.version_code) == (None, "p", 7)
