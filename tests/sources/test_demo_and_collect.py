"""The bundled demo snapshot and the `howsafe collect` command."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DEVICES, REPO, SHARED
from howsafe.cli import main
from howsafe.model import SourceKind
from howsafe.sources import demo_snapshot, load_path

GARNET = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"


def test_demo_snapshot_is_the_real_fixture() -> None:
    demo = demo_snapshot()
    meta = json.loads((GARNET / "meta.json").read_text(encoding="utf-8"))
    d = demo.device
    assert (d.brand, d.model, d.device) == (meta["brand"], meta["model"], meta["device"])
    assert d.android_release == meta["android"] and d.sdk == int(meta["sdk"])
    assert d.security_patch == dt.date.fromisoformat(meta["security_patch"])
    assert (d.rom, d.rom_version, d.region) == ("HyperOS", "OS2.0.205.0.VNRMIXM", "Global")
    assert demo.source.kind is SourceKind.FIRMWARE
    assert demo.source.location.startswith(f"https://github.com/{meta['repo']}/tree/{meta['commit']}")
    fresh = load_path(GARNET)
    assert replace(demo, source=fresh.source) == fresh
    assert len(demo.packages or ()) == 229
    assert demo.package("com.miui.analytics") is not None
    assert demo.redacted


def test_demo_json_has_no_local_paths_and_a_readme() -> None:
    folder = resources.files("howsafe.sources").joinpath("demo")
    text = folder.joinpath("redmi-note-13-pro-5g-hyperos2-global.json").read_text(encoding="utf-8")
    for local in (str(SHARED), str(REPO), str(Path.home()), "/tmp/"):
        assert local not in text
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert "1890e4cf51c7782a69e6442243ed08865d8ca3b9" in readme


def test_collect_writes_snapshot_and_one_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "phone.json"
    assert main(["collect", str(GARNET), "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "Redmi Note 13 Pro 5G" in err[0] and "229 packages" in err[0] and "missing:" in err[0]
    snap = load_path(out)
    assert snap == replace(demo_snapshot(), source=snap.source)
    # collecting a saved snapshot again gives the same snapshot
    out2 = tmp_path / "again.json"
    assert main(["collect", str(out), "-o", str(out2)]) == 0
    assert out2.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_collect_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", str(DEVICES / "samsung-c1q-N9810ZCSDHYD1")]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["device"]["rom"] == "One UI"
    assert "One UI 5.1" in captured.err


def test_collect_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect"]) == 2
    assert "exactly one of" in capsys.readouterr().err
    assert main(["collect", str(GARNET), "--serial", "abc"]) == 2
    assert "--serial needs --adb" in capsys.readouterr().err
