"""The `howsafe harden` and `howsafe undo` commands, in process, against the replay adb server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harden.phones import CHINA, GLOBAL, device_dir, recording, transport
from howsafe.cli import main
from howsafe.harden import HardenError, Journal, Phone, Step, allowlist, apply_plan, load_journal
from howsafe.sources.replay import ReplayServer, Reply
from howsafe.sources.replay_state import is_write


@pytest.fixture
def adb_env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def use(server: ReplayServer) -> None:
        for var in ("ADB_SERVER_SOCKET", "ANDROID_ADB_SERVER_ADDRESS"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.port))

    return use


def test_dry_run_json_changes_nothing(adb_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        adb_env(server)
        assert main(["harden", "--adb", "--format", "json"]) == 0
        assert not any(is_write(c) for c in server.commands)
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "howsafe-harden-plan" and doc["level"] == "safe"
    assert {"com.miui.analytics", "secure/upload_log_pref"} <= {s["target"] for s in doc["steps"]}


def test_apply_verify_undo_from_the_command_line(adb_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        adb_env(server)
        assert server.phone is not None
        original = server.phone.facts()
        assert main(["harden", "--adb", "--apply", "--yes"]) == 0
        err = capsys.readouterr().err
        assert "undo journal:" in err and "applied" in err and "[1/" in err
        assert server.phone.packages["com.miui.analytics"].enabled is False
        assert main(["harden", "--adb", "--verify"]) == 0
        out = capsys.readouterr().out
        assert "before hardening" in out and "now" in out
        # a second apply is idempotent: nothing to do
        writes = len(server.writes)
        assert main(["harden", "--adb", "--apply", "--yes"]) == 0
        assert len(server.writes) == writes
        assert main(["undo", "--adb"]) == 0
        assert server.phone.facts() == original
        assert load_journal(latest_journal_any()).state == "undone"


def latest_journal_any() -> Path:
    from howsafe.harden.journal import journal_dir

    return sorted(journal_dir().glob("harden-*.json"))[0]


def test_apply_needs_adb_and_confirmation(adb_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["harden", str(device_dir(GLOBAL)), "--apply"]) == 2
    assert "--adb" in capsys.readouterr().err
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        adb_env(server)
        assert main(["harden", "--adb", "--apply"]) == 2  # stdin is not a terminal here
        assert "--yes" in capsys.readouterr().err
        assert not any(is_write(c) for c in server.commands)


def test_sh_format_writes_the_script_and_its_undo_script(tmp_path: Path) -> None:
    out = tmp_path / "harden.sh"
    assert main(["harden", str(device_dir(GLOBAL)), "--format", "sh", "-o", str(out)]) == 0
    script, undo_script = out.read_text(), (tmp_path / "harden.undo.sh").read_text()
    assert "adb_shell 'pm disable-user --user 0 com.miui.analytics'" in script
    assert "adb_shell 'pm enable --user 0 com.miui.analytics'" in undo_script
    assert "adb_shell 'settings delete secure upload_log_pref'" in undo_script


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_every_format_renders(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["harden", str(device_dir(CHINA)), "--format", fmt]) == 0
    assert "User Experience Program" in capsys.readouterr().out


def test_undo_without_a_journal_says_so(adb_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["undo", "--adb"]) == 2
    assert "no undo journal" in capsys.readouterr().err


# AOSP AccountManagerService dump format (`dumpsys account`): "Account {name=..., type=...}".
_ACCOUNTS = "User UserInfo{0:Owner:c13}:\n  Accounts: 1\n    Account {name=owner@example.com, type=com.xiaomi}\n"


def _find_device_step() -> Step:
    allow = allowlist()
    return Step(
        id="package:com.xiaomi.finddevice",
        kind="package",
        target="com.xiaomi.finddevice",
        level="expert",
        title="Disable Find device",
        reason="test",
        source=("test",),
        op="disable",
        action=(allow.build("disable", package="com.xiaomi.finddevice"),),
        undo=(allow.build("enable", package="com.xiaomi.finddevice"),),
        requires="sign out first",
        account_types=("com.xiaomi",),
    )


@pytest.mark.parametrize("accounts", [_ACCOUNTS, None])
def test_account_bound_step_waits_for_sign_out(accounts: str | None, tmp_path: Path) -> None:
    rec = recording(GLOBAL)
    if accounts is not None:  # a phone signed in to a Mi account (variant of the real recording)
        rec = type(rec)(**{**rec.__dict__, "replies": {**rec.replies, "dumpsys account": Reply(stdout=accounts)}})
    with ReplayServer(rec, stateful=True) as server:
        phone = Phone(transport(server), rec.serial)
        journal = Journal.new(serial=rec.serial, device="t", profile="everyday", level="expert", folder=tmp_path)
        with pytest.raises(HardenError, match=r"signed-in account|sign out on the phone"):
            apply_plan([_find_device_step()], phone, journal)
        assert not server.writes
        if accounts is None:  # the phone does not show accounts: the owner confirms with --signed-out
            apply_plan([_find_device_step()], phone, journal, signed_out=True)
            assert server.writes == ["pm disable-user --user 0 com.xiaomi.finddevice"]


def test_cable_pulled_during_cli_apply_says_how_to_undo(adb_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True, cut_on_write=2, cut_applies=True) as server:
        adb_env(server)
        assert server.phone is not None
        original = server.phone.facts()
        assert main(["harden", "--adb", "--apply", "--yes"]) == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert "outcome is unknown" in err and "howsafe undo" in err
        server.replug()
        assert main(["undo", "--adb"]) == 0
        assert server.phone.facts() == original
