"""``howsafe collect --adb`` / ``audit --adb`` end to end against the replay adb server.

Everything runs over a real loopback socket: the CLI finds the "adb server" through
ANDROID_ADB_SERVER_PORT exactly as it would find a real one. The recorded phones are built from real
device data (see src/howsafe/sources/recordings/README.md).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.errors import DeviceDisconnected
from howsafe.model import Snapshot, from_json, to_json
from howsafe.sources.adb import allowed_commands, collect_adb
from howsafe.sources.adb_transport import AdbServerTransport
from howsafe.sources.replay import Recording, ReplayServer, Reply, bundled_recording_dir, load_recording

GARNET_META = json.loads((DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM" / "meta.json").read_text())
SHENG_META = json.loads((DEVICES / "xiaomi-sheng-OS2.0.205.0.VNXCNXM" / "meta.json").read_text())
SHENG_SERIAL = "e1403002"  # the capture's (pseudo) ro.serialno, which adb reports as its serial
# Commands that would change a phone; none may ever be sent.
WRITES = (
    "pm disable",
    "pm uninstall",
    "pm clear",
    "settings put",
    "settings delete",
    "rm ",
    "am ",
    "setprop",
    "reboot",
    "su",
    "install",
    "cmd ",
)

# Real multi-user failure text (mozilla/web-ext#2903, a Samsung Secure Folder user 150; Xiaomi Second
# Space gives the same exception for user 10).
USER_DENIED = Reply(
    stderr="\nException occurred while executing 'list':\n"
    "java.lang.SecurityException: Shell does not have permission to access user 10\n",
    exit_code=255,
)


@pytest.fixture
def garnet() -> Recording:
    return load_recording(bundled_recording_dir("redmi-garnet"))


@pytest.fixture
def sheng() -> Recording:
    return load_recording(bundled_recording_dir("xiaomi-sheng"))


@pytest.fixture
def adb_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for var in ("ADB_SERVER_SOCKET", "ANDROID_ADB_SERVER_ADDRESS", "ANDROID_ADB_SERVER_PORT"):
        monkeypatch.delenv(var, raising=False)
    yield monkeypatch


def run_cli(args: list[str], server: ReplayServer | None, env: pytest.MonkeyPatch, port: int | None = None) -> int:
    env.setenv("ANDROID_ADB_SERVER_PORT", str(server.port if server else port))
    return main(args)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def assert_only_allowlisted(commands: list[str]) -> None:
    allowed = allowed_commands()
    assert commands, "nothing was sent"
    assert set(commands) <= allowed, set(commands) - allowed
    assert not [c for c in commands if c.startswith(WRITES)]


def test_collect_adb_writes_the_phones_snapshot(garnet: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "phone.json"
    with ReplayServer(garnet) as srv:
        code = run_cli(["collect", "--adb", "-o", str(out)], srv, adb_env)
        sent = list(srv.commands)
    assert code == 0
    snap = from_json(out.read_text(encoding="utf-8"), Snapshot)
    assert snap.source.kind.value == "adb"
    assert (snap.device.brand, snap.device.model) == (GARNET_META["brand"], GARNET_META["model"])
    assert str(snap.device.security_patch) == GARNET_META["security_patch"]
    assert snap.device.rom == "HyperOS"
    assert snap.packages is not None and len(snap.packages) == GARNET_META["n_ids"] == 229
    # the -3 list marks the removable data-app preloads as user apps, the rest system
    assert {p.id for p in snap.packages if p.system is False} >= {"com.xiaomi.midrop", "com.miui.notes"}
    assert snap.package("android") is not None and snap.package("android").system is True  # type: ignore[union-attr]
    assert snap.setting("global", "adb_enabled") == "1"
    # what the recording lacks is marked missing with the phone's reason, never silently absent
    missing = {m.item: m.reason for m in snap.missing}
    assert "dumpsys package" in missing["dumpsys.package"]
    assert "settings.secure" in missing and "processes" in missing
    assert_only_allowlisted(sent)
    assert sent[0] == "getprop" and "dumpsys package" in sent and "which -a su" in sent


def test_serial_chooses_between_two_phones_and_redacts_it(
    garnet: Recording, sheng: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pad.json"
    with ReplayServer(garnet, others=[sheng]) as srv:
        assert run_cli(["collect", "--adb", "-o", str(out)], srv, adb_env) == 2
        assert "choose one with --serial" in one_error_line(capsys)
        assert srv.commands == []  # nothing was run on either phone
        assert run_cli(["collect", "--adb", "--serial", SHENG_SERIAL, "-o", str(out)], srv, adb_env) == 0
    text = out.read_text(encoding="utf-8")
    snap = from_json(text, Snapshot)
    assert (snap.device.brand, snap.device.model) == (SHENG_META["brand"], SHENG_META["model"])
    assert snap.device.rom == "HyperOS"
    assert str(snap.device.security_patch) == SHENG_META["security_patch"]
    assert snap.integrity.verified_boot_state == "orange" and snap.integrity.bootloader_locked is False
    assert snap.packages is None and any(m.item == "packages" for m in snap.missing)
    assert SHENG_SERIAL not in text  # redacted by default: props, source location, missing reasons


def test_no_adb_server_is_one_line_about_usb_debugging(
    adb_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "phone.json"
    assert run_cli(["collect", "--adb", "-o", str(out)], None, adb_env, port=port) == 2
    line = one_error_line(capsys)
    assert "no adb server" in line and "USB debugging" in line
    assert "USB debugging (Security settings)" in line
    assert not out.exists()


def test_unauthorised_phone_says_to_accept_the_prompt(
    garnet: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "phone.json"
    with ReplayServer(replace(garnet, state="unauthorized")) as srv:
        assert run_cli(["collect", "--adb", "-o", str(out)], srv, adb_env) == 2
        assert srv.commands == []
    line = one_error_line(capsys)
    assert "has not authorised this computer" in line and "Allow USB debugging?" in line
    assert not out.exists()


def test_disconnect_mid_collection_writes_nothing(
    garnet: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "phone.json"
    with ReplayServer(garnet, fail_after=3) as srv:
        assert run_cli(["collect", "--adb", "-o", str(out)], srv, adb_env) == 2
        assert len(srv.commands) == 4  # three answered, the fourth cut off
    line = one_error_line(capsys)
    assert "disconnected" in line and "nothing was written" in line
    assert list(tmp_path.iterdir()) == []  # no snapshot, no half-written .part file


def test_second_user_makes_pm_retry_with_user_0(garnet: Recording) -> None:
    """Xiaomi Second Space / Samsung Secure Folder: plain pm calls fail, `--user 0` works."""
    replies = dict(garnet.replies)
    for cmd in [c for c in replies if c.startswith("pm list packages")]:
        replies[cmd + " --user 0"] = replies[cmd]
        replies[cmd] = USER_DENIED
    with ReplayServer(replace(garnet, replies=replies)) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
        sent = list(srv.commands)
    assert snap.packages is not None and len(snap.packages) == 229
    assert {p.id for p in snap.packages if p.system is False} >= {"com.xiaomi.midrop"}
    pm = [c for c in sent if c.startswith("pm ")]
    # one failed plain call, then --user 0 first for every later list
    assert pm == [
        "pm list packages -f -i -U -u",
        "pm list packages -f -i -U -u --user 0",
        "pm list packages -s --user 0",
        "pm list packages -3 --user 0",
        "pm list packages -d --user 0",
        "pm list packages --user 0",
    ]
    assert not any(m.item.startswith("packages") for m in snap.missing)
    assert_only_allowlisted(sent)


def test_old_phone_without_shell_v2_uses_fallbacks(garnet: Recording) -> None:
    """No exit codes (no shell v2), no `pm -U` and a toolbox `ps` that ignores -A (Android 7)."""
    replies = dict(garnet.replies)
    full = replies.pop("pm list packages -f -i -U -u").stdout
    replies["pm list packages -f -i -U -u"] = Reply(stdout="Error: Unknown option: -U\n")
    replies["pm list packages -f -i -U -u --user 0"] = Reply(stdout="Error: Unknown option: -U\n")
    replies["pm list packages -f -i -u"] = Reply(
        stdout="".join(ln.rsplit(" uid:", 1)[0] + "\n" for ln in full.splitlines())
    )
    header = "USER     PID   PPID  VSIZE  RSS     WCHAN    PC        NAME\n"
    replies["ps -A"] = Reply(stdout=header)
    init = "root      1     0     9924   1720  SyS_epoll_ 0000000000 S /init\n"
    replies["ps"] = Reply(stdout=header + init)
    with ReplayServer(replace(garnet, replies=replies, features=())) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
        sent = list(srv.commands)
    assert snap.packages is not None and len(snap.packages) == 229
    assert snap.package("com.xiaomi.midrop").uid is None  # type: ignore[union-attr]
    assert snap.processes is not None and [p.name for p in snap.processes] == ["/init"]
    assert "pm list packages -f -i -u" in sent and sent.index("ps -A") < sent.index("ps")
    assert_only_allowlisted(sent)


def test_a_refused_dumpsys_is_missing_not_a_crash(garnet: Recording) -> None:
    replies = dict(garnet.replies)
    replies["dumpsys device_policy"] = Reply(
        stdout="Permission Denial: can't dump DevicePolicyManagerService from from pid=4242, uid=2000 "
        "due to missing android.permission.DUMP permission\n"
    )
    replies["getenforce"] = Reply(stdout="Enforcing\n")
    with ReplayServer(replace(garnet, replies=replies)) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
    missing = {m.item: m.reason for m in snap.missing}
    assert "Permission Denial" in missing["special_access.device_admins"]
    assert snap.special_access.device_admins is None
    assert snap.integrity.selinux == "enforcing"


def test_observer_sees_every_step(garnet: Recording) -> None:
    seen: list[tuple[str, int, int]] = []
    with ReplayServer(garnet) as srv:
        collect_adb(transport=AdbServerTransport(port=srv.port), observer=lambda *a: seen.append(a))
    assert seen[0][0] == "connecting" and seen[-1] == ("done", seen[-1][2], seen[-1][2])
    assert [s for s, _, _ in seen[1:-1]][:2] == ["getprop", "packages"]
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


def test_disconnect_raises_and_returns_nothing(garnet: Recording) -> None:
    with ReplayServer(garnet, fail_after=10) as srv, pytest.raises(DeviceDisconnected):
        collect_adb(transport=AdbServerTransport(port=srv.port))


def test_audit_adb_reports_on_the_recorded_phone(
    garnet: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    with ReplayServer(garnet) as srv:
        code = run_cli(["audit", "--adb", "--format", "json", "-o", str(out)], srv, adb_env)
        sent = list(srv.commands)
    assert code == 1  # the recorded phone's patch level (2025-11-01) is a high finding
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["device"]["brand"] == "Redmi" and report["device"]["source"] == "adb"
    assert report["device"]["security_patch"] == GARNET_META["security_patch"]
    assert report["device"]["partial"] is True  # settings, dumpsys ... were not in the recording
    assert_only_allowlisted(sent)


def test_partial_pm_list_ending_in_an_exception_is_not_taken_as_complete(garnet: Recording) -> None:
    """Without exit codes, pm may print a few packages and then the multi-user exception
    (as reported in adil192/no_more_background#17); that list must not pass as the whole one."""
    replies = dict(garnet.replies)
    full = replies["pm list packages -f -i -U -u"].stdout
    head = "".join(full.splitlines(keepends=True)[:3])
    error = "Error: java.lang.SecurityException: Shell does not have permission to access user 10\n"
    replies["pm list packages -f -i -U -u"] = Reply(stdout=head + error)
    replies["pm list packages -f -i -U -u --user 0"] = Reply(stdout=full)
    with ReplayServer(replace(garnet, replies=replies, features=())) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
        sent = list(srv.commands)
    assert snap.packages is not None and len(snap.packages) == 229
    assert "pm list packages -f -i -U -u --user 0" in sent


def test_no_redact_keeps_the_serial(sheng: Recording, adb_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "pad.json"
    with ReplayServer(sheng) as srv:
        assert run_cli(["collect", "--adb", "--no-redact", "-o", str(out)], srv, adb_env) == 0
    snap = from_json(out.read_text(encoding="utf-8"), Snapshot)
    assert snap.redacted is False
    assert snap.source.location == f"adb:{SHENG_SERIAL}"
    assert snap.properties["ro.serialno"] == SHENG_SERIAL


def test_wireless_serial_with_a_colon(garnet: Recording) -> None:
    """`adb connect` phones are named HOST:PORT; the colon must survive every request."""
    with ReplayServer(garnet, serial="192.168.1.23:5555") as srv:
        snap = collect_adb("192.168.1.23:5555", transport=AdbServerTransport(port=srv.port))
        assert "host:transport:192.168.1.23:5555" in srv.requests
    assert snap.device.model == GARNET_META["model"]
    assert "192.168.1.23" not in to_json(snap)


def test_shell_without_which_is_not_a_clean_root_probe(garnet: Recording) -> None:
    """An old shell without `which` must give 'could not probe', never 'no root binaries'."""
    replies = dict(garnet.replies)
    for name in (
        "su",
        "busybox",
        "supersu",
        "Superuser.apk",
        "KingoUser.apk",
        "SuperSu.apk",
        "magisk",
        "magiskhide",
        "magiskinit",
        "magiskpolicy",
    ):
        replies[f"which -a {name}"] = Reply(stderr="/system/bin/sh: which: not found\n", exit_code=127)
    with ReplayServer(replace(garnet, replies=replies)) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
    assert snap.integrity.root_binaries is None
    assert "which: not found" in {m.item: m.reason for m in snap.missing}["root_binaries"]


def test_root_probe_reports_what_which_found(garnet: Recording) -> None:
    replies = dict(garnet.replies)
    for name in (
        "su",
        "busybox",
        "supersu",
        "Superuser.apk",
        "KingoUser.apk",
        "SuperSu.apk",
        "magisk",
        "magiskhide",
        "magiskinit",
        "magiskpolicy",
    ):
        replies[f"which -a {name}"] = Reply(exit_code=1)
    replies["which -a su"] = Reply(stdout="/debug_ramdisk/su\n/system/bin/su\n")
    with ReplayServer(replace(garnet, replies=replies)) as srv:
        snap = collect_adb(transport=AdbServerTransport(port=srv.port))
    assert snap.integrity.root_binaries == ("/debug_ramdisk/su", "/system/bin/su")
    assert all(m.item != "root_binaries" for m in snap.missing)


def test_adb_server_stopping_mid_collection_is_a_disconnect(garnet: Recording) -> None:
    srv = ReplayServer(garnet).start()
    port = srv.port

    def stop_after_packages(step: str, done: int, total: int) -> None:
        if step == "settings_global":
            srv.close()  # `adb kill-server` while howsafe is reading

    try:
        with pytest.raises(DeviceDisconnected, match="lost the adb server"):
            collect_adb(transport=AdbServerTransport(port=port), observer=stop_after_packages)
    finally:
        srv.close()


def test_the_allowlist_itself_is_read_only() -> None:
    """Guards the data file: adding `pm disable` or `settings put` there must fail a test."""
    read_only = (
        "getprop",
        "pm list packages",
        "settings list ",
        "dumpsys ",
        "getenforce",
        "ps",
        "cat /proc/version",
        "which -a ",
    )
    for cmd in allowed_commands():
        assert cmd.startswith(read_only), cmd
        assert not any(ch in cmd for ch in ";|&><`$\n"), cmd  # one plain command, no shell tricks


def test_cable_pulled_during_the_last_command_of_an_old_phone_is_caught(garnet: Recording) -> None:
    """Without shell v2 a cut stream looks like a finished one; the final check must catch it."""
    old = replace(garnet, features=())
    with ReplayServer(old) as srv:
        collect_adb(transport=AdbServerTransport(port=srv.port))
        n = len(srv.commands)
    with ReplayServer(old, fail_after=n - 1) as srv, pytest.raises(DeviceDisconnected, match="went away"):
        collect_adb(transport=AdbServerTransport(port=srv.port))
