"""The CLI against hostile input and odd environments, through the real entry point.

Each case is something a user can type by mistake (or an attacker can hand them): the answer is
exit code 2, exactly one line on stderr, no traceback, and the user's files exactly as they were.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, DEVICES, FIXTURES
from howsafe.cli import main

DEVICE = DEVICES / "google-oriole-13277524"
CAPTURE = FIXTURES / "captures" / "phone-wifi.pcap"
APK = FIXTURES / "apk" / "apks" / "io.appium.settings-8.0.10.apk"
STIX_DIR = DATA / "iocs" / "candiru"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single stderr line of a refused command (fails on tracebacks or multi-line noise)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("howsafe: error: ")
    return lines[0]


@pytest.fixture()
def snapshot_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "phone.json"
    assert main(["collect", str(DEVICE), "-o", str(path)]) == 0
    capsys.readouterr()
    return path


# -- usage errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["audit", "--demo", str(DEVICE)],
        ["schema", "nonsense"],
        ["apps", "-j", "-1", str(APK)],
        ["net", str(DEVICE)],  # a device folder where a capture file is expected
        ["compare", str(DEVICE)],
        ["collect", str(DEVICE), "--all-apks"],  # an option that would silently do nothing
        ["audit", "--demo", "--no-such-option"],
        ["no-such-command"],
    ],
)
def test_usage_errors_are_one_line_pointing_at_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert "--help" in line
    assert capsys.readouterr().out == ""


def test_output_onto_a_directory_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--demo", "-o", str(tmp_path)]) == 2
    assert "is a directory" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


# -- never overwrite the input -----------------------------------------------------------------
@pytest.mark.parametrize("command", ["audit", "vulns", "collect"])
def test_output_equal_to_the_input_snapshot_is_refused(
    command: str, snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_file.read_bytes()
    assert main([command, str(snapshot_file), "-o", str(snapshot_file)]) == 2
    assert "would overwrite the input" in one_error_line(capsys)
    assert snapshot_file.read_bytes() == before


def test_compare_refuses_to_overwrite_its_second_input(snapshot_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot_file.read_bytes()
    assert main(["compare", str(DEVICE), str(snapshot_file), "-o", str(snapshot_file)]) == 2
    one_error_line(capsys)
    assert snapshot_file.read_bytes() == before


@pytest.mark.parametrize(("command", "source"), [("net", CAPTURE), ("apps", APK)])
def test_net_and_apps_refuse_to_overwrite_the_file_they_read(
    command: str, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    assert main([command, str(copy), "-o", str(copy)]) == 2
    one_error_line(capsys)
    assert copy.read_bytes() == source.read_bytes()


def test_output_through_a_symlink_to_the_input_is_refused(
    snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot_file.read_bytes()
    link = snapshot_file.with_name("report.txt")
    link.symlink_to(snapshot_file)
    assert main(["audit", str(snapshot_file), "-o", str(link)]) == 2
    one_error_line(capsys)
    assert snapshot_file.read_bytes() == before


def test_output_onto_a_file_inside_the_dump_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "dump"
    shutil.copytree(DEVICE, dump)
    assert main(["collect", str(dump), "-o", str(dump / "getprop.txt")]) == 2
    one_error_line(capsys)
    assert (dump / "getprop.txt").read_bytes() == (DEVICE / "getprop.txt").read_bytes()
    # a new file beside the dump's own files is fine
    assert main(["collect", str(dump), "-o", str(dump / "snapshot.json")]) == 0
    assert (dump / "snapshot.json").read_text(encoding="utf-8").startswith("{")


def test_output_to_a_device_writes_through_instead_of_replacing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    devnull = Path(os.devnull)
    if not devnull.exists():  # pragma: no cover - not POSIX
        pytest.skip("no /dev/null")
    # 1: the bundled bulletins end before the demo phone's patch level, so vulns cannot vouch for it
    assert main(["vulns", "--demo", "-o", os.devnull]) == 1
    assert capsys.readouterr().err == ""
    assert stat.S_ISCHR(devnull.stat().st_mode)
    assert not list(devnull.parent.glob(".null.*.part"))


def test_output_through_a_symlink_updates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    assert main(["vulns", "--demo", "-o", str(link)]) == 1  # bundled data older than the demo's patch level
    assert link.is_symlink()
    assert "Redmi" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.txt", "report.txt"]


# -- pipes and devices as input: no hang, no unbounded read ------------------------------------
def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["net", "{fifo}"],
        ["audit", "--demo", "--capture", "{fifo}"],
        ["iocs", "add", "{fifo}"],
        ["kb", "import-uad", "{fifo}"],
        ["kb", "update", "--from-file", "{fifo}"],
        ["iocs", "add", "/dev/zero"],
        ["kb", "import-uad", "/dev/zero"],
        ["kb", "update", "--from-file", "/dev/zero"],
    ],
)
@pytest.mark.timeout(60)
def test_fifos_and_endless_devices_are_refused(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/zero").exists():  # pragma: no cover - not POSIX
        pytest.skip("no /dev/zero")
    fifo = _fifo(tmp_path)
    assert main([a.replace("{fifo}", str(fifo)) for a in argv]) == 2
    assert "not a regular file" in one_error_line(capsys)


@pytest.mark.timeout(60)
def test_apps_given_only_a_fifo_reports_it_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = _fifo(tmp_path)
    assert main(["apps", "-j", "1", str(fifo)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert len(captured.err.splitlines()) == 1
    assert "not a regular file" in captured.out


def test_apps_with_nothing_readable_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apps", "-j", "1", str(CAPTURE)]) == 2
    assert "could be read" in one_error_line(capsys)


# -- environment oddities ----------------------------------------------------------------------
def test_iocs_update_without_network_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A real proxy address nobody listens on: the download fails locally, nothing leaves the machine.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for var in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert main(["iocs", "update"]) == 2
    assert "download of" in one_error_line(capsys)


def _user_cache() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "howsafe"


@pytest.mark.parametrize("payload", [b"garbage", gzip.compress(b"[]")])
def test_a_damaged_updated_vulnerability_database_names_the_file_and_the_fix(
    payload: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _user_cache() / "vulns" / "bulletins.json.gz"
    db.parent.mkdir(parents=True)
    db.write_bytes(payload)
    assert main(["vulns", "--demo"]) == 2
    line = one_error_line(capsys)
    assert str(db) in line and "kb update" in line
    assert db.read_bytes() == payload  # the user's file is left for them to inspect


def test_audit_with_a_damaged_database_still_reports_without_a_traceback(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    db = cache / "howsafe" / "vulns" / "bulletins.json.gz"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "howsafe", "audit", "--demo", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "vulnerability database is damaged" in proc.stderr
    assert proc.stdout.lstrip().startswith("{")


def test_a_damaged_updated_tracker_list_names_the_file_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    exodus = _user_cache() / "trackers" / "exodus_trackers.json"
    exodus.parent.mkdir(parents=True)
    exodus.write_text("{}", encoding="utf-8")
    assert main(["apps", "-j", "1", str(APK)]) == 2
    line = one_error_line(capsys)
    assert str(exodus) in line and "kb update" in line


def test_an_unknown_saved_profile_says_where_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    saved = Path(os.environ["XDG_CONFIG_HOME"]) / "howsafe" / "profile.json"
    saved.parent.mkdir(parents=True)
    saved.write_text('{"profile": "paranoid"}', encoding="utf-8")
    assert main(["audit", "--demo"]) == 2
    line = one_error_line(capsys)
    assert str(saved) in line and "profile --set" in line
    assert main(["audit", "--demo", "--profile", "private"]) in (0, 1)  # --profile still works


def test_an_unusable_config_dir_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("mine\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    assert main(["profile", "--set", "private"]) == 2
    one_error_line(capsys)
    assert blocker.read_text(encoding="utf-8") == "mine\n"


def test_an_unusable_data_dir_is_one_line_for_iocs_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("mine\n", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["iocs", "add", str(STIX_DIR)]) == 2
    one_error_line(capsys)
    assert blocker.read_text(encoding="utf-8") == "mine\n"


def test_an_unreadable_dump_folder_says_permission_denied(tmp_path: Path) -> None:
    """Run as a separate process; as root (CI) it drops the capabilities that bypass file modes,
    so the folder is really unreadable rather than pretended to be."""
    dump = tmp_path / "dump"
    shutil.copytree(DEVICE, dump)
    dump.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "util-linux setpriv is needed to drop root's file-access capabilities"
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "howsafe", "audit", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        dump.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "permission denied" in lines[0] and "Traceback" not in proc.stderr
