"""Hostile and broken inputs: each gives its expected per-file outcome; nothing crashes or balloons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from apk.apk_truth import APK_SET, MALFORMED, TRUTH, bundled_kb
from apk.apk_truth import scanned as all_scanned
from howsafe.apk import AppReport, scan_paths
from howsafe.apk.errors import ApkError
from howsafe.apk.zipread import ZipArchive


def _outcome(rep: AppReport) -> str:
    return "ok" if rep.error is None else f"error: {rep.error}"


@pytest.mark.parametrize("key", MALFORMED)
def test_expected_outcome(key: str) -> None:
    scanned = all_scanned()
    exp = TRUTH[key]
    got = _outcome(scanned[key])
    assert got == exp["expected"], scanned[key].error_detail
    if scanned[key].error:
        assert scanned[key].error_detail  # one human line for the user


def test_scan_goes_on_after_bad_files() -> None:
    paths = [
        APK_SET / "malformed/empty.apk",
        APK_SET / "trackers/single-jpush.apk",
        APK_SET / "malformed/zipbomb-deflate-2g.apk",
        APK_SET / "trackers/multidex.apk",
    ]
    reps = scan_paths(paths, kb=bundled_kb())
    assert [r.error for r in reps] == ["empty_file", None, "zip_bomb", None]
    assert [h.exodus_id for h in reps[1].trackers] == [343]


_MEASURE = """
import json, resource, sys
from pathlib import Path
from howsafe.apk import scan_paths
from howsafe.kb import KnowledgeBase
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
reps = scan_paths([Path(p) for p in sys.argv[1:]], kb=KnowledgeBase())
# VmHWM is this process's own peak (ru_maxrss keeps the forking parent's peak across exec on Linux,
# so a large pytest process would be counted)
try:
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"errors": [r.error for r in reps], "rss_mb": hwm / 1024}))
"""


def test_bombs_refused_by_cap_not_by_memory(tmp_path: Path) -> None:
    """In a process limited to 1.5 GiB of address space, the 2.2 GB bomb is refused by the cap."""
    files = [
        APK_SET / "malformed/zipbomb-deflate-2g.apk",
        APK_SET / "malformed/dex-huge-string-ids.apk",
        APK_SET / "malformed/nested-12-deep.apk",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=True,
    )
    out = json.loads(proc.stdout)
    assert out["errors"] == ["zip_bomb", "invalid_dex", "nesting_too_deep"]
    assert out["rss_mb"] < 256
    assert list(tmp_path.iterdir()) == []  # nothing extracted


def _lying_zip(tmp_path: Path, real_size: int, claimed: int) -> Path:
    """A ZIP whose headers claim ``claimed`` bytes for a DEX that really inflates to ``real_size``."""
    path = tmp_path / "liar.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("classes.dex", b"dex\n035\x00" + bytes(real_size - 8))
    raw = bytearray(path.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(sig)
        raw[at + off : at + off + 4] = claimed.to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    return path


def test_stream_longer_than_header_is_a_bomb(tmp_path: Path) -> None:
    zf = ZipArchive(_lying_zip(tmp_path, 8 << 20, 4096).read_bytes())
    with pytest.raises(ApkError) as err:
        zf.read("classes.dex")
    assert err.value.code == "zip_bomb"


def test_unsafe_names_never_written(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        [rep] = scan_paths([APK_SET / "malformed/zipslip-dotdot.apk"], kb=bundled_kb())
    finally:
        os.chdir(cwd)
    assert rep.error == "unsafe_entry_name" and "../../evil.dex" in (rep.error_detail or "")
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "evil.dex").exists()
