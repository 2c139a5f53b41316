"""`howsafe collect --adb --apks DIR` and `howsafe apps --adb` through the CLI, on a replay phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES
from howsafe.cli import main
from howsafe.sources.replay import Recording, ReplayServer, Reply, bundled_recording_dir, load_recording

APK = FIXTURES / "apk" / "trackers"
BASE = "/data/app/~~q3BzV1xD0f6JvJrQnKc2Ww==/com.brightloop.shopmate-Tz8mXxL1Yq0bS7v3Hn9pKg==/base.apk"


def phone_with_app() -> Recording:
    garnet = load_recording(bundled_recording_dir("redmi-garnet"))
    replies = dict(garnet.replies)
    replies["pm list packages -3"] = Reply(stdout="package:com.brightloop.shopmate\n")
    replies["pm path com.brightloop.shopmate"] = Reply(stdout=f"package:{BASE}\n")
    from dataclasses import replace

    return replace(garnet, replies=replies, files={BASE: APK / "many-trackers.apk"})


def point_adb_at(monkeypatch: pytest.MonkeyPatch, srv: ReplayServer) -> None:
    """Aim howsafe at the replay server only: a user's own ADB_SERVER_SOCKET would otherwise win."""
    for var in ("ADB_SERVER_SOCKET", "ANDROID_ADB_SERVER_ADDRESS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(srv.port))


def test_collect_adb_with_apks_then_audit_reports_the_apps_trackers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = tmp_path / "phone.json"
    apks = tmp_path / "apks"
    with ReplayServer(phone_with_app()) as srv:
        point_adb_at(monkeypatch, srv)
        assert main(["collect", "--adb", "-o", str(snap), "--apks", str(apks)]) == 0
    err = capsys.readouterr().err
    assert "1 apps in" in err and "howsafe audit" in err
    pulled = apks / "com.brightloop.shopmate" / "base.apk"
    assert pulled.read_bytes() == (APK / "many-trackers.apk").read_bytes()

    rc = main(["audit", str(snap), "--apks", str(apks), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 1
    tracker_findings = [f for f in report["findings"] if f["check"] == "apps.trackers" and f["outcome"] == "fail"]
    assert tracker_findings, "the pulled app's trackers must reach the audit"
    names = json.dumps(tracker_findings)
    assert "AppsFlyer" in names and "com.brightloop.shopmate" in names


def test_apps_adb_pulls_and_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ReplayServer(phone_with_app()) as srv:
        point_adb_at(monkeypatch, srv)
        rc = main(["apps", "--adb", "--pull-dir", str(tmp_path / "pull"), "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "JiGuang" in out and "com.brightloop.shopmate" in out


def test_apks_without_adb_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", str(tmp_path), "--apks", str(tmp_path / "x")]) == 2
    assert "--apks needs --adb" in capsys.readouterr().err
