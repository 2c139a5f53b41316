"""Bundle layouts a corpus contains (bundletool, SAI, APKMirror, XAPK), built here from the real
split set of the fixture corpus: each bundle is one app with the same trackers as the split folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from apk.apk_truth import APK_SET, bundled_kb, scanned
from howsafe.apk import AppReport, scan_paths
from howsafe.apk.bundle import toc_package_name

SPLIT_DIR = APK_SET / "trackers/split-com.skyferry.travel"
PACKAGE = "com.skyferry.travel"


def _split(name: str) -> bytes:
    return (SPLIT_DIR / name).read_bytes()


def _pb_field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (lengths here are < 128, so one-byte varints)."""
    assert len(payload) < 128
    return bytes([(number << 3) | 2, len(payload)]) + payload


def _toc(package: str) -> bytes:
    # BuildApksResult: a variant (field 1, opaque here), bundletool version (field 2), package (field 4)
    return _pb_field(1, b"\x0a\x02\x08\x15") + _pb_field(2, _pb_field(1, b"1.17.2")) + _pb_field(4, package.encode())


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _one(path: Path) -> AppReport:
    [rep] = scan_paths([path], kb=bundled_kb())
    assert rep.error is None, rep.error_detail
    return rep


def _ids(rep: AppReport) -> list[tuple[str, int | None]]:
    return sorted((t.name, t.exodus_id) for t in rep.trackers)


def _reference() -> AppReport:
    return scanned()["trackers/split-com.skyferry.travel/"]


def test_toc_package_name() -> None:
    assert toc_package_name(_toc(PACKAGE)) == PACKAGE
    assert toc_package_name(_pb_field(1, b"xx")) is None
    with pytest.raises(ValueError):
        toc_package_name(_toc(PACKAGE)[:-3] + b"\x22\x7f")  # a field longer than the buffer


def test_bundletool_apk_set_scans_the_split_set_once(tmp_path: Path) -> None:
    apks = _zip(
        tmp_path / "app.apks",
        {
            "toc.pb": _toc(PACKAGE),
            "splits/base-master.apk": _split("base.apk"),
            "splits/base-arm64_v8a.apk": _split("split_config.arm64_v8a.apk"),
            "splits/feature_ads-master.apk": _split("split_feature_ads.apk"),
            "standalones/standalone-arm64_v8a.apk": _split("base.apk"),
        },
    )
    rep, ref = _one(apks), _reference()
    assert rep.kind == "bundle_apks"
    assert (rep.package, rep.version_name, rep.permissions) == (ref.package, ref.version_name, ref.permissions)
    assert _ids(rep) == _ids(ref) and rep.classes_scanned == ref.classes_scanned
    assert [p.name for p in rep.parts] == [
        "splits/base-arm64_v8a.apk",
        "splits/base-master.apk",
        "splits/feature_ads-master.apk",
    ]
    assert any("standalone" in w for w in rep.warnings)


def test_bundletool_standalones_only_scans_one_variant(tmp_path: Path) -> None:
    base = _split("base.apk")
    apks = _zip(
        tmp_path / "legacy.apks",
        {
            "toc.pb": _toc(PACKAGE),
            "standalones/standalone-armeabi_v7a_hdpi.apk": base,
            "standalones/standalone-x86_hdpi.apk": base,
        },
    )
    rep = _one(apks)
    assert rep.package == PACKAGE
    assert rep.classes_scanned == scan_paths([SPLIT_DIR / "base.apk"], kb=bundled_kb())[0].classes_scanned
    assert any("2 standalone variants" in w for w in rep.warnings)


def test_apkmirror_apkm_unencrypted(tmp_path: Path) -> None:
    info = {"pname": PACKAGE, "versioncode": "310", "release_version": "3.1.0", "app_name": "SkyFerry"}
    apkm = _zip(
        tmp_path / "app.apkm",
        {
            "info.json": json.dumps(info).encode(),
            "base.apk": _split("base.apk"),
            "split_config.arm64_v8a.apk": _split("split_config.arm64_v8a.apk"),
            "split_feature_ads.apk": _split("split_feature_ads.apk"),
        },
    )
    rep, ref = _one(apkm), _reference()
    assert rep.kind == "bundle_apkm"
    assert (rep.package, rep.version_code, _ids(rep)) == (ref.package, ref.version_code, _ids(ref))
    assert not rep.warnings


def test_encrypted_apkm_is_one_clear_error(tmp_path: Path) -> None:
    enc = tmp_path / "old.apkm"
    enc.write_bytes(b"\x00\x01APKM" + os.urandom(4096))  # not a ZIP: the old encrypted container
    [rep] = scan_paths([enc], kb=bundled_kb())
    assert rep.error == "encrypted_bundle" and "decrypt" in (rep.error_detail or "")


def test_sai_apks_metadata_agrees() -> None:
    rep = scanned()["trackers/split-com.skyferry.travel.apks"]
    assert rep.kind == "bundle_apks" and rep.package == PACKAGE and not rep.warnings


def test_xapk_without_base_takes_the_package_from_manifest_json(tmp_path: Path) -> None:
    with zipfile.ZipFile(APK_SET / "trackers/split-com.skyferry.travel.xapk") as src:
        manifest = json.loads(src.read("manifest.json"))
        members = {n: src.read(n) for n in src.namelist() if n != "com.skyferry.travel.apk"}
    manifest["package_name"] = "com.skyferry.travel"
    members["manifest.json"] = json.dumps(manifest).encode()
    rep = _one(_zip(tmp_path / "nobase.xapk", members))
    assert rep.kind == "bundle_xapk"
    assert (rep.package, rep.version_name, rep.version_code, rep.label) == (PACKAGE, "3.1.0", 310, "SkyFerry")
    assert any("no base APK" in w and "xapk" in w for w in rep.warnings)
    # the ads split still shows its trackers
    assert {"Google AdMob"} <= {t.name for t in rep.trackers}


def test_hostile_bundle_metadata_is_a_warning(tmp_path: Path) -> None:
    bad = _zip(
        tmp_path / "bad.xapk",
        {
            "manifest.json": b"[" * 100_000,
            "config.arm64_v8a.apk": _split("split_config.arm64_v8a.apk"),
        },
    )
    rep = _one(bad)
    assert rep.kind == "bundle_apks"
    assert any("manifest.json is not valid JSON" in w for w in rep.warnings)
    bad_toc = _zip(tmp_path / "bad.apks", {"toc.pb": b"\x22\x7f", "splits/base-master.apk": _split("base.apk")})
    rep = _one(bad_toc)
    assert rep.package == PACKAGE and any("toc.pb not read" in w for w in rep.warnings)


def test_fallbacks_without_the_fast_libraries_give_identical_results() -> None:
    """With deflate and pyahocorasick made unimportable, zlib and the regex matcher are chosen and the
    results equal the fast path's."""
    code = (
        "import sys, json; sys.modules['deflate'] = None; sys.modules['ahocorasick'] = None\n"
        "from howsafe.apk import zipread, matcher, scan_paths\n"
        "from howsafe.kb import KnowledgeBase\n"
        "assert zipread.INFLATER_NAME == 'zlib' and not matcher.HAVE_AHOCORASICK\n"
        "reps = scan_paths([__import__('pathlib').Path(p) for p in sys.argv[1:]], kb=KnowledgeBase())\n"
        "print(json.dumps([r.to_json() for r in reps], sort_keys=True))\n"
    )
    paths = [APK_SET / "trackers/many-trackers.apk", APK_SET / "trackers/multidex.apk", SPLIT_DIR]
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, check=True, timeout=120
    )
    fast = [r.to_json() for r in scan_paths(paths, kb=bundled_kb())]
    assert json.loads(out.stdout) == json.loads(json.dumps(fast, sort_keys=True))
