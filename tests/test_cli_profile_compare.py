"""``howsafe profile`` and ``howsafe compare`` from the command line, on real device folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DEVICES, FIXTURES
from howsafe.cli import cli, main
from howsafe.score.saved import config_path, saved_profile

XIAOMI = DEVICES / "xiaomi-sheng-OS2.0.205.0.VNXCNXM"  # unlocked, HyperOS 2 China, SPL 2025-07-01
PIXEL = DEVICES / "google-oriole-13277524"  # Pixel 6, Android 15, SPL 2025-05-05
GARNET = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"  # firmware: 229 preinstalled packages
REDFIN = DEVICES / "google-redfin-7005429"  # Pixel 5 firmware


def meta(folder: object) -> dict[str, str]:
    return json.loads((DEVICES / str(folder) / "meta.json").read_text(encoding="utf-8"))


def test_profile_questions_interactively_and_saved() -> None:
    # five yes/no questions (only "targeted" answered yes), then who might want the data
    result = CliRunner().invoke(cli, ["profile"], input="n\nn\ny\nn\nn\nadvertisers\n")
    assert result.exit_code == 0, result.output
    assert "Your profile: at-risk" in result.output and "targeted on purpose" in result.output
    assert saved_profile() == "at-risk"
    saved = json.loads(config_path().read_text(encoding="utf-8"))
    assert saved["answers"]["targeted"] == "yes" and saved["answers"]["who"] == "advertisers"


def test_profile_answer_flags_never_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--classified", "--no-targeted"]) == 0
    out = capsys.readouterr().out
    assert "Your profile: government" in out and "classified" in out
    assert saved_profile() == "government"
    assert main(["profile", "--non-interactive"]) == 0
    assert saved_profile() == "everyday"


def test_profile_set_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--show"]) == 0
    assert "No profile saved" in capsys.readouterr().out
    assert main(["profile", "--set", "private"]) == 0
    assert saved_profile() == "private"
    capsys.readouterr()
    assert main(["profile", "--show"]) == 0
    out = capsys.readouterr().out
    assert "Current profile: private" in out and "Answers: set=private" in out


def test_profile_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--set", "nobody"]) == 2
    assert main(["profile", "--set", "private", "--targeted"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--set cannot be combined" in err


def test_audit_uses_the_saved_profile_and_flag_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--set", "government"]) == 0
    capsys.readouterr()
    main(["audit", str(XIAOMI), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["profile"] == "government"
    main(["audit", str(XIAOMI), "--format", "json", "--profile", "everyday"])
    assert json.loads(capsys.readouterr().out)["profile"] == "everyday"


def test_compare_a_xiaomi_and_a_pixel_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(XIAOMI), str(PIXEL), "--format", "json", "--profile", "at-risk"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"] == "at-risk"
    a, b = data["devices"]
    assert a["security_patch"] == meta(XIAOMI.name)["security_patch"]
    assert b["security_patch"] == meta(PIXEL.name)["security_patch"]
    assert a["android"] == "15" and b["android"] == "15"
    assert "Xiaomi Pad 6S Pro" in a["label"] and "Pixel 6" in b["label"]
    for col in (a, b):
        assert set(col["areas"]) == {"updates", "integrity", "vendor", "apps", "network", "compromise"}
        assert col["grade"] in "ABCDEF?"
        assert col["vendor_flows"] is None  # getprop-only captures have no package list
        assert col["trackers"] is None
    assert any("Security patches" in d and "57 days" in d for d in data["differences"])


def test_compare_firmware_counts_vendor_flows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(GARNET), str(REDFIN), "--format", "md", "--profile", "government"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# howsafe compare (government or military work)")
    assert "| Vendor telemetry packages |" in out and "| Security patch | 2025-11-01" in out
    assert main(["compare", str(GARNET), str(REDFIN), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    xiaomi, pixel = data["devices"]
    assert xiaomi["vendor_flows"]["counts"]["telemetry"] > 0
    assert sum(xiaomi["vendor_flows"]["counts"].values()) > sum(pixel["vendor_flows"]["counts"].values())


def test_compare_text_and_file_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(XIAOMI), str(PIXEL)]) == 0
    out = capsys.readouterr().out
    assert "howsafe compare, profile: everyday use" in out and "Security patch" in out
    target = tmp_path / "cmp.md"
    assert main(["compare", str(XIAOMI), str(PIXEL), "--format", "md", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# howsafe compare")


def test_compare_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["compare", str(XIAOMI), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0] and "missing" in err[0]


@pytest.mark.timeout(120)
def test_compare_counts_trackers_in_the_apps_scanned_for_one_phone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    apk = FIXTURES / "apk" / "trackers" / "many-trackers.apk"
    truth = json.loads((FIXTURES / "apk" / "truth.json").read_text(encoding="utf-8"))
    entry = truth["entries"]["trackers/many-trackers.apk"]
    # the εxodus trackers plus those the truth lists as present without an εxodus signature
    expected = set(entry["tracker_names"]) | {
        t["name"].split(" (")[0] for t in entry["trackers_without_exodus_signature"]
    }
    args = ["compare", str(XIAOMI), str(PIXEL), "--apks-first", str(apk), "--format", "json"]
    assert main(args) == 0
    first, second = json.loads(capsys.readouterr().out)["devices"]
    assert set(first["tracker_names"]) == expected and first["trackers"] == len(expected)
    assert second["trackers"] is None and second["tracker_names"] == []


def test_profile_without_a_terminal_or_flags_says_what_to_do() -> None:
    result = CliRunner().invoke(cli, ["profile"], input="")
    assert result.exit_code == 2 and "answer flags" in result.output
    assert saved_profile() is None
