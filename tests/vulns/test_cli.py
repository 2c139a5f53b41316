"""`howsafe vulns` and `howsafe kb update` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, DEVICES
from howsafe.cli import main

SAMPLES = DATA / "vulns" / "osv-android-samples"


def test_vulns_json_lists_open_cves_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["vulns", str(DEVICES / "xiaomi-oxygen-V11.0.2.0.NDDCNXM"), "--format", "json"])
    assert rc == 1
    doc = json.loads(capsys.readouterr().out)
    # the twelve CVEs of the 2019-03-05 half counted by hand in test_match.py are among them
    ids = {v["id"] for v in doc["vulns"]}
    assert {"CVE-2017-8252", "CVE-2018-11817", "CVE-2018-11958", "CVE-2019-2025"} <= ids
    assert doc["data_covers_until"] == "2024-09-05"
    cov = doc["data_coverage"]
    assert cov["months_missing"] == ["2023-04", "2023-06", "2023-07"]
    assert cov["months_partial"][0] == "2023-08" and "not covered" in cov["note"]
    first = doc["vulns"][0]
    assert first["severity"] == "critical" and first["url"].startswith("https://source.android.com/security/bulletin/")


def test_vulns_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["vulns", str(DEVICES / "huawei-HWHMA-200C00R2")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "vulnerabilities published after your last update (through 2024-09)" in out
    assert "CVE-2019-2025" in out and "bulletins published through 2024-09" in out
    assert "months missing from the data: 2023-04, 2023-06..2023-07" in out
    assert "HUAWEI HUAWEI" not in out


def test_vulns_on_a_phone_newer_than_the_data_exits_1_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # Stale data must never read as a clean phone, not even through the exit code.
    rc = main(["vulns", str(DEVICES / "google-oriole-13277524")])
    out = capsys.readouterr().out
    assert rc == 1 and "older than this patch level" in out and "howsafe kb update" in out


def test_vulns_bad_source_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["vulns", str(tmp_path / "missing")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_kb_update_from_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "kb",
            "update",
            "--from-file",
            str(SAMPLES / "test_vulnerabilities_kernel.json"),
            "--cache-dir",
            str(tmp_path),
        ]
    )
    assert rc == 0
    assert (tmp_path / "vulns" / "bulletins.json.gz").is_file()
    assert "covers up to 2024-09-05" in capsys.readouterr().out


def test_kb_update_rejects_garbage_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "all.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    rc = main(["kb", "update", "--from-file", str(bad), "--cache-dir", str(tmp_path / "cache")])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("howsafe: error:") and "Traceback" not in err
    assert not (tmp_path / "cache" / "vulns" / "bulletins.json.gz").exists()
