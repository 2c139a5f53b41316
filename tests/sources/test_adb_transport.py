"""The adb client against the replay adb server over a real loopback socket.

The replay server answers from recordings built from real device data (a Redmi Note 13 Pro 5G
firmware dump and a live Xiaomi Pad 6S Pro getprop capture); see recordings/README.md.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.errors import DeviceDisconnected, NoDeviceError, SourceError
from howsafe.sources.adb import select_device
from howsafe.sources.adb_transport import (
    AdbCommandError,
    AdbServerTransport,
    AdbTransport,
    DeviceEntry,
    server_address,
)
from howsafe.sources.replay import Recording, ReplayServer, Reply, bundled_recording_dir, load_recording

GARNET_DIR = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"
SHENG_DIR = DEVICES / "xiaomi-sheng-OS2.0.205.0.VNXCNXM"


@pytest.fixture
def garnet() -> Recording:
    return load_recording(bundled_recording_dir("redmi-garnet"))


@pytest.fixture
def sheng() -> Recording:
    return load_recording(bundled_recording_dir("xiaomi-sheng"))


@pytest.fixture
def server(garnet: Recording, sheng: Recording) -> Iterator[ReplayServer]:
    with ReplayServer(garnet, others=[sheng]) as srv:
        yield srv


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_recordings_carry_the_real_fixture_bytes(garnet: Recording, sheng: Recording) -> None:
    assert garnet.replies["getprop"].stdout == (GARNET_DIR / "getprop.txt").read_text(encoding="utf-8")
    assert sheng.replies["getprop"].stdout == (SHENG_DIR / "getprop.txt").read_text(encoding="utf-8")
    real_ids = {ln[len("package:") :] for ln in (GARNET_DIR / "packages.txt").read_text().splitlines()}
    pm_lines = garnet.replies["pm list packages -f -i -U -u"].stdout.splitlines()
    listed = {ln.split()[0].rpartition("=")[2] for ln in pm_lines}
    assert listed == real_ids and len(listed) == 229


def test_lists_devices_and_runs_shell_v2_with_exit_codes(server: ReplayServer) -> None:
    adb = AdbServerTransport(port=server.port)
    assert isinstance(adb, AdbTransport)
    assert adb.version() == 41
    assert adb.devices() == [DeviceEntry("replay-garnet", "device"), DeviceEntry("e1403002", "device")]
    result = adb.shell("e1403002", "getprop")
    assert result.exit_code == 0
    assert "[ro.product.model]: [24018RPACC]" in result.stdout
    assert server.commands == ["getprop"]
    assert "shell,v2,raw:getprop" in server.requests


def test_phone_without_shell_v2_falls_back_to_plain_shell(garnet: Recording) -> None:
    old = replace(garnet, features=())
    with ReplayServer(old) as srv:
        result = AdbServerTransport(port=srv.port).shell("replay-garnet", "getprop")
    assert result.exit_code is None
    assert "[ro.product.brand]: [Redmi]" in result.stdout
    assert "shell:getprop" in srv.requests


def test_failed_command_keeps_stderr_and_exit_code() -> None:
    denied = Reply(
        stderr="java.lang.SecurityException: Shell does not have permission to access user 10\n", exit_code=255
    )
    with ReplayServer({"pm list packages -s": denied}, serial="abc123") as srv:
        adb = AdbServerTransport(port=srv.port)
        result = adb.shell("abc123", "pm list packages -s")
        assert (result.exit_code, result.ok) == (255, False)
        assert "SecurityException" in result.stderr
        with pytest.raises(AdbCommandError, match="would not run 'dumpsys backup'"):
            adb.shell("abc123", "dumpsys backup")


def test_no_server_says_how_to_enable_usb_debugging() -> None:
    port = free_port()
    with pytest.raises(NoDeviceError) as info:
        AdbServerTransport(port=port).devices()
    message = str(info.value)
    assert "\n" not in message
    assert f"127.0.0.1:{port}" in message
    assert "USB debugging" in message and "USB debugging (Security settings)" in message
    assert "Allow USB debugging?" in message


def test_server_address_follows_adb_environment(server: ReplayServer) -> None:
    assert server_address({}) == ("127.0.0.1", 5037)
    assert server_address({"ANDROID_ADB_SERVER_PORT": "5099"}) == ("127.0.0.1", 5099)
    env = {"ADB_SERVER_SOCKET": f"tcp:127.0.0.1:{server.port}", "ANDROID_ADB_SERVER_PORT": "1"}
    host, port = server_address(env)
    assert AdbServerTransport(host, port).devices()[0].serial == "replay-garnet"
    with pytest.raises(NoDeviceError, match="not a TCP port"):
        server_address({"ANDROID_ADB_SERVER_PORT": "adb"})


def test_unplugged_phone_mid_command_is_a_disconnect(garnet: Recording) -> None:
    with ReplayServer(garnet, fail_after=1) as srv:
        adb = AdbServerTransport(port=srv.port)
        assert adb.shell("replay-garnet", "getprop").exit_code == 0
        with pytest.raises(DeviceDisconnected, match="disconnected while running 'pm list packages -s'"):
            adb.shell("replay-garnet", "pm list packages -s")
        assert adb.devices() == []  # the phone is gone from the server, like an unplugged cable
        with pytest.raises(DeviceDisconnected):
            adb.shell("replay-garnet", "getprop")


def test_output_beyond_the_bound_is_refused(garnet: Recording) -> None:
    with ReplayServer(garnet) as srv:
        adb = AdbServerTransport(port=srv.port, max_output=4096)
        with pytest.raises(SourceError, match="exceeds"):
            adb.shell("replay-garnet", "getprop")


def test_something_else_on_the_adb_port_is_one_clear_error() -> None:
    """An HTTP server (or anything) squatting on the port: a clear error, no hang, no traceback."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(64)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(NoDeviceError, match="did not answer 'host:devices'"):
            AdbServerTransport(port=listener.getsockname()[1]).devices()
    finally:
        thread.join(timeout=5)
        listener.close()


@pytest.mark.parametrize(
    ("entries", "serial", "expected"),
    [
        ([], None, "no phone attached over adb: connect the phone by USB"),
        ([DeviceEntry("a1", "unauthorized")], None, "has not authorised this computer"),
        ([DeviceEntry("a1", "offline")], None, "is offline"),
        ([DeviceEntry("a1", "device"), DeviceEntry("b2", "device")], None, "choose one with --serial"),
        ([DeviceEntry("a1", "device")], "zz", "no phone with serial zz"),
        ([DeviceEntry("a1", "recovery")], None, "'recovery' mode"),
    ],
)
def test_device_selection_explains_every_refusal(entries: list[DeviceEntry], serial: str | None, expected: str) -> None:
    with pytest.raises(SourceError) as info:
        select_device(entries, serial)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_device_selection_picks_the_requested_phone() -> None:
    entries = [DeviceEntry("a1", "unauthorized"), DeviceEntry("b2", "device")]
    assert select_device(entries, "b2") == "b2"
    assert select_device([DeviceEntry("c3", "device")], None) == "c3"


def test_a_server_that_never_answers_does_not_hang() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts (kernel backlog) but never replies
    try:
        adb = AdbServerTransport(port=listener.getsockname()[1], timeout=0.3)
        with pytest.raises(NoDeviceError, match="did not answer"):
            adb.devices()
    finally:
        listener.close()


def test_shipped_recordings_are_what_the_script_builds_from_the_real_data(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "build_recordings.py"
    subprocess.run([sys.executable, str(script), str(DEVICES), "--out", str(tmp_path)], check=True, capture_output=True)
    for name in ("redmi-garnet", "xiaomi-sheng"):
        shipped = bundled_recording_dir(name)
        built = sorted(p.name for p in (tmp_path / name).iterdir())
        assert built == sorted(p.name for p in shipped.iterdir())
        for file in built:
            assert (tmp_path / name / file).read_bytes() == (shipped / file).read_bytes(), file


def test_pty_line_endings_of_old_phones_are_normalised() -> None:
    """Without shell v2 an old phone runs commands on a pty, which turns every \\n into \\r\\n."""
    crlf = Recording(serial="old1", replies={"getenforce": Reply(stdout="Enforcing\r\n")}, features=())
    with ReplayServer(crlf) as srv:
        assert AdbServerTransport(port=srv.port).shell("old1", "getenforce").stdout == "Enforcing\n"
