"""Anti-analysis manifests, mutated DEX files, and worker processes agreeing with in-process scans."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apk.apk_truth import APK_SET, VALID, bundled_kb, scanned
from howsafe.apk import scan_paths
from howsafe.apk.axml import parse_manifest
from howsafe.apk.dex import class_names
from howsafe.apk.errors import ApkError
from howsafe.apk.zipread import ZipArchive

_APK = ZipArchive((APK_SET / "trackers/single-jpush.apk").read_bytes())
MANIFEST = bytes(_APK.read("AndroidManifest.xml"))
DEX = bytes(_APK.read("classes.dex"))


def test_obfuscated_attribute_names_resolved_by_resource_id() -> None:
    """Tools that match attribute NAMES are fooled by renaming the strings; Android uses the IDs."""
    tricked = MANIFEST
    for name in ("versionCode", "versionName", "minSdkVersion", "name"):
        enc = name.encode("utf-16-le")
        assert enc in tricked or name.encode() in tricked
        tricked = tricked.replace(enc, b"x\x00" * len(name)).replace(
            b"\x00" + name.encode() + b"\x00", b"\x00" + b"x" * len(name) + b"\x00"
        )
    real, fooled = parse_manifest(MANIFEST), parse_manifest(tricked)
    assert (fooled.version_code, fooled.version_name, fooled.min_sdk, fooled.permissions) == (
        real.version_code,
        real.version_name,
        real.min_sdk,
        real.permissions,
    )
    assert real.version_name == "5.0.4-notes"


def test_bogus_outer_header_ignored() -> None:
    """Android ignores the outer chunk type/size; packers set junk there to break parsers."""
    junk = struct.pack("<HHI", 0x1234, 8, 0xFFFFFFFF) + MANIFEST[8:]
    assert parse_manifest(junk).package == "cn.mingtian.expressnotes"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(MANIFEST) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_manifest_never_crashes(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(MANIFEST)
    for at, val in edits:
        buf[at] = val
    try:
        parse_manifest(bytes(buf))
    except ApkError as exc:
        assert exc.code == "bad_manifest"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 0x70 + 4096), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_dex_header_never_crashes(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(DEX)
    for at, val in edits:
        buf[at % len(buf)] = val
    try:
        names = class_names(bytes(buf))
    except ApkError as exc:
        assert exc.code in {"bad_dex_magic", "truncated_dex", "invalid_dex"}
    else:
        assert len(names) <= len(buf) // 32


def test_workers_agree_with_in_process() -> None:
    keys = [k for k in VALID if k.startswith("trackers/")][:6]
    par = scan_paths([APK_SET / k for k in keys], kb=bundled_kb(), jobs=2)
    assert par == [scanned()[k] for k in keys]


def test_fallbacks_give_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the optional libdeflate and pyahocorasick, zlib and the combined regex agree."""
    from howsafe.apk import matcher as matcher_mod
    from howsafe.apk import scan as scan_mod
    from howsafe.apk import zipread
    from howsafe.apk.trackerdb import load_tracker_db

    keys = [k for k in VALID if k.startswith("trackers/")]
    monkeypatch.setattr(zipread, "_INFLATE", zipread._zlib_inflate)
    slow = matcher_mod.Matcher(load_tracker_db(bundled_kb()), engine="regex")
    monkeypatch.setattr(scan_mod, "matcher_for", lambda kb: slow)
    assert scan_paths([APK_SET / k for k in keys], kb=bundled_kb()) == [scanned()[k] for k in keys]


def _rezip(tmp_path: Path, name: str, entries: dict[str, bytes], stored: bool = False) -> Path:
    path = tmp_path / name
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    return path


def test_dex_jar_without_manifest(tmp_path: Path) -> None:
    files = {"classes.dex": DEX, "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"}
    jar = _rezip(tmp_path, "lib.jar", files)
    [rep] = scan_paths([jar], kb=bundled_kb())
    assert (rep.error, rep.kind, rep.package) == (None, "jar", None)
    assert [h.exodus_id for h in rep.trackers] == [343]
    assert rep.classes_scanned == scanned()["trackers/single-jpush.apk"].classes_scanned


def test_manifest_with_bogus_compression_method(tmp_path: Path) -> None:
    """Android reads a manifest whose method field is junk as stored; so do we."""
    apk = _rezip(tmp_path, "trick.apk", {"AndroidManifest.xml": MANIFEST, "classes.dex": DEX}, stored=True)
    raw = bytearray(apk.read_bytes())
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = raw.find(sig)  # the first entry is the manifest
        raw[at + off : at + off + 2] = (0x1337).to_bytes(2, "little")
    apk.write_bytes(bytes(raw))
    [rep] = scan_paths([apk], kb=bundled_kb())
    assert rep.error is None and rep.package == "cn.mingtian.expressnotes"


def test_folder_of_apps_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    _rezip(tmp_path / "b", "z.apk", {"classes.dex": DEX})
    _rezip(tmp_path, "a.jar", {"classes.dex": DEX})
    (tmp_path / "notes.txt").write_text("not an app")
    reps = scan_paths([tmp_path], kb=bundled_kb())
    assert [Path(r.path).name for r in reps] == ["a.jar", "z.apk"]
