"""Hostile strings on the lines howsafe writes outside its report formatters.

The formatters are covered by ``test_every_output_sanitised.py``. This file covers everything else
a user sees on a terminal: ``collect``'s summary line and its snapshot JSON, ``push`` against a
hostile fleet server, ``iocs`` on hostile STIX2 bundles and a hostile update index, the one-line
error of the entry point, log lines, and the item beside a progress bar. Each is fed device
strings, file names, zip member names or server answers that try to drive a terminal (CSI and OSC
escapes, 8-bit CSI, bell, backspace) or reorder it (right-to-left override, isolates), and none
of them may reach stdout or stderr raw.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DATA, DEVICES, FIXTURES
from hostile_output import assert_terminal_safe
from howsafe.cli import _LogFormatter, main
from howsafe.errors import InputError
from howsafe.model import Missing, Snapshot, to_json
from howsafe.sources import load_path

PIXEL = DEVICES / "google-oriole-13277524"

CSI = "\x1b[2J\x1b[31mred"
OSC = "\x1b]0;pwned\x07"
CSI8 = "\x9b31m"
BS_BEL = "ok\x08\x08\x07"
RLO = "\u202egnp.exe"
ISOLATES = "\u2066iso\u2069\u202a\u202d"
HOSTILE = f"{CSI} {OSC} {CSI8} {BS_BEL} {RLO} {ISOLATES}"
FORGED = "\nFAKE VERDICT: A, all good"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process: its own logging set-up, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "howsafe", *args], capture_output=True, text=True, encoding="utf-8", timeout=300
    )


def _hostile_snapshot(tmp_path: Path, name: str = "phone.json") -> tuple[Path, Snapshot]:
    snap = load_path(PIXEL)
    props = dict(snap.properties) | {"ro.product.model": HOSTILE + FORGED, "ro.product.brand": OSC}
    device = replace(
        snap.device, brand=OSC, model=HOSTILE + FORGED, marketname=f"{RLO} {CSI}", rom=CSI8, rom_version=RLO
    )
    missing = (*snap.missing, Missing(item=f"dumpsys.{HOSTILE}{FORGED}", reason=RLO))
    hostile = replace(snap, properties=props, device=device, missing=missing)
    path = tmp_path / name
    path.write_text(to_json(hostile), encoding="utf-8")
    return path, hostile


# -- collect -------------------------------------------------------------------------------------
def test_collect_summary_line_and_snapshot_json_are_terminal_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, hostile = _hostile_snapshot(tmp_path)
    assert main(["collect", str(path)]) == 0
    out, err = capsys.readouterr()
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    assert len(err.splitlines()) == 1 and "\\x1b[31mred" in err and "\\u202e" in err  # shown, not obeyed
    # The JSON on stdout still carries the device's strings exactly: only their encoding is escaped.
    assert json.loads(out)["device"]["model"] == hostile.device.model

    written = tmp_path / f"out {RLO}.json"
    assert main(["collect", str(path), "-o", str(written)]) == 0
    err = capsys.readouterr().err
    assert_terminal_safe(err)
    assert err.startswith("howsafe: wrote ") and "\\u202e" in err
    assert json.loads(written.read_text(encoding="utf-8"))["device"]["marketname"] == hostile.device.marketname


def _androidqf_zip(tmp_path: Path, *, packages: str = '[{"name": "com.x"}]') -> Path:
    """An androidqf acquisition whose folder name and device model are hostile, with a member
    named ``bugreport.zip`` that is a zip but not a bugreport (howsafe warns about it)."""
    folder = f"{CSI}EVIL{RLO}{BS_BEL}"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.txt", "not a bugreport")
    path = tmp_path / "acquisition.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{folder}/packages.json", packages)
        z.writestr(
            f"{folder}/getprop.txt",
            f"[ro.product.brand]: [google]\n[ro.product.model]: [{CSI}Pix{RLO}el{BS_BEL}]\n"
            "[ro.build.version.release]: [13]\n[ro.build.version.security_patch]: [2024-01-05]\n",
        )
        z.writestr(f"{folder}/bugreport.zip", inner.getvalue())
    return path


@pytest.mark.timeout(300)
def test_log_lines_and_summary_of_a_hostile_acquisition_are_terminal_safe(tmp_path: Path) -> None:
    dump = _androidqf_zip(tmp_path)
    for args in (["collect", str(dump)], ["audit", str(dump), "--format", "text"]):
        proc = _run(*args)
        assert proc.returncode in (0, 1, 3), proc.stderr
        assert_terminal_safe(proc.stderr)
        assert_terminal_safe(proc.stdout)
        warning = [line for line in proc.stderr.splitlines() if line.startswith("WARNING")]
        assert len(warning) == 1 and "is not a bugreport archive" in warning[0], proc.stderr
        assert "\\x1b[31mredEVIL\\u202egnp.exe" in warning[0]  # the member's name is still recognisable
    assert "Pix\\u202egnp.exeel" in proc.stdout  # the audit's report too (through the formatter)


# -- the one-line error of the entry point ----------------------------------------------------
def test_error_line_naming_a_hostile_zip_member_is_terminal_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = _androidqf_zip(tmp_path, packages="not json")
    for command in ("collect", "audit"):
        assert main([command, str(dump)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert_terminal_safe(err)
        assert len(err.splitlines()) == 1 and err.startswith("howsafe: error: ") and "not valid JSON" in err
        assert "\\x1b[31mredEVIL\\u202egnp.exe" in err


def test_error_lines_naming_hostile_paths_are_terminal_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / f"no {HOSTILE} such"
    assert main(["audit", str(missing)]) == 2
    err = capsys.readouterr().err
    assert_terminal_safe(err)
    assert len(err.splitlines()) == 1 and "\\u202e" in err
    # a usage error (the output would overwrite the input) quotes the user's paths back
    path, _ = _hostile_snapshot(tmp_path, name=f"phone {RLO}{OSC}.json")
    assert main(["collect", str(path), "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert_terminal_safe(err)
    assert "would overwrite the input" in err and "--help" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InputError(f"bad {HOSTILE}{FORGED}"), "howsafe: error: bad "),
        (PermissionError(13, "Permission denied", f"/x/{HOSTILE}"), "howsafe: error: /x/"),
        (RuntimeError(f"boom {HOSTILE}{FORGED}"), "howsafe: internal error (RuntimeError: boom "),
    ],
    ids=["howsafe-error", "os-error", "internal-error"],
)
def test_every_kind_of_error_line_is_terminal_safe(
    exc: Exception, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(*args: object, **kwargs: object) -> Snapshot:
        raise exc

    monkeypatch.setattr("howsafe.sources.load_path", fail)
    monkeypatch.setattr("howsafe.cli.crash_log_dir", lambda: tmp_path / "logs")
    assert main(["collect", str(tmp_path)]) in (2, 4)
    err = capsys.readouterr().err
    assert_terminal_safe(err)
    assert err.startswith(expected) and len(err.splitlines()) == 1


# -- log lines -------------------------------------------------------------------------------------
@pytest.mark.parametrize("tracebacks", [False, True], ids=["default", "-vv"])
def test_log_formatter_never_passes_a_hostile_string_raw(tracebacks: bool) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_LogFormatter("%(levelname)s %(name)s: %(message)s", tracebacks=tracebacks))
    log = logging.getLogger("howsafe.test.hostile")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("%s is not a bugreport archive; ignored", HOSTILE + FORGED)
        try:
            raise ValueError(f"parse failed on {HOSTILE}")
        except ValueError:
            log.exception("check %s crashed", RLO)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = stream.getvalue()
    assert_terminal_safe(text)
    assert "\\u202e" in text and "\\x1b[31mred" in text
    if not tracebacks:
        assert len(text.splitlines()) == 2  # one line per record, whatever the strings hold
    else:
        assert "Traceback (most recent call last):" in text


# -- push (against a hostile fleet server on a loopback port) ------------------------------------
class _HostileFleet(BaseHTTPRequestHandler):
    refuse = False
    answer: object = None  # when set: the 201 body sent instead of a well-formed one

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body: dict[str, object]
        if self.refuse:
            status, body = 403, {"error": {"code": f"forbidden{OSC}", "message": f"no {HOSTILE}{FORGED}"}}
        else:
            grades = {f"everyday{CSI}": f"A{RLO}", "journalist": f"F{FORGED}"}
            status, body = 201, {"snapshot_id": 7, "device_id": 3, "created": True, "grades": grades}
        data = json.dumps(body if self.answer is None else self.answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def hostile_fleet() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileFleet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.timeout(120)
def test_push_and_collect_push_to_a_hostile_server_are_terminal_safe(
    hostile_fleet: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{hostile_fleet.server_address[1]}"
    path, _ = _hostile_snapshot(tmp_path, name=f"phone {RLO}{CSI}.json")
    assert main(["push", str(path), "--server", url, "--token", "t"]) == 0
    out, err = capsys.readouterr()
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    assert len(out.splitlines()) == 1 and "snapshot 7 stored" in out and "everyday\\x1b[2J" in out
    assert len(err.splitlines()) == 1 and "\\x1b[31mred" in err  # the summary line of the hostile device

    assert main(["collect", str(path), "-o", str(tmp_path / "out.json"), "--push", url, "--token", "t"]) == 0
    err = capsys.readouterr().err
    assert_terminal_safe(err)
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("howsafe: wrote ") and "\\u202e" in lines[0]
    assert lines[1].startswith("howsafe: pushed: device 3, snapshot 7 stored") and "F FAKE VERDICT" in lines[1]

    monkeypatch.setattr(_HostileFleet, "refuse", True)
    assert main(["push", str(path), "--server", url, "--token", "t"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert_terminal_safe(err)
    lines = err.splitlines()
    assert len(lines) == 2 and "refused the upload (403 forbidden\\x1b]0;pwned\\x07" in lines[0]
    assert lines[1] == "howsafe: error: 1 of 1 uploads failed"


@pytest.mark.parametrize(
    "answer",
    [[], {}, {"snapshot_id": "7", "device_id": 3}, {"snapshot_id": "\u00b9", "device_id": 3}, {"snapshot_id": 7}],
)
def test_push_to_a_server_answering_nonsense_is_one_line(
    answer: object,
    hostile_fleet: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 201 whose body lacks the stored snapshot's ids (a list, strings, superscripts): one line
    per upload, exit 2, never a traceback."""
    monkeypatch.setattr(_HostileFleet, "answer", answer)
    url = f"http://127.0.0.1:{hostile_fleet.server_address[1]}"
    path, _ = _hostile_snapshot(tmp_path, name="phone.json")
    assert main(["push", str(path), "--server", url, "--token", "t"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert "answered without the ids of a stored snapshot" in err


# -- iocs ----------------------------------------------------------------------------------------
def _hostile_bundle(tmp_path: Path) -> Path:
    bundle = json.loads((DATA / "iocs" / "cellebrite" / "cellebrite.stix2").read_text(encoding="utf-8"))
    objects = bundle["objects"]
    for obj in objects:
        if obj["type"] == "malware":
            obj["name"] = f"Spy{HOSTILE}{FORGED}"
    unsupported = dict(next(o for o in objects if o["type"] == "indicator"))
    unsupported["id"] = "indicator--00000000-0000-4000-8000-000000000001"
    unsupported["pattern"] = f"[x-unknown:value = '{HOSTILE}{FORGED}']"
    objects.append(unsupported)
    path = tmp_path / f"bundle {RLO}.stix2"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


def test_iocs_add_and_list_of_a_hostile_bundle_are_terminal_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["iocs", "add", str(_hostile_bundle(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert_terminal_safe(out + err)
    assert "Spy" in out and "\\u202egnp.exe" in out and "cannot evaluate" in out
    assert main(["iocs", "list"]) == 0
    out, err = capsys.readouterr()
    assert_terminal_safe(out + err)
    assert "Spy" in out and "\\u202egnp.exe" in out and "cannot evaluate" in out
    assert main(["iocs", "list", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert_terminal_safe(out)
    assert RLO in json.loads(out)["collections"][0]["name"]  # JSON keeps the value, escaped


def test_iocs_update_from_a_hostile_index_is_terminal_safe_and_fails_with_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import howsafe.iocs.update as ioc_update

    index = json.dumps(
        {
            "indicators": [
                {
                    "type": "github",
                    "name": f"Good {RLO}",
                    "github": {"owner": "o", "repo": "r", "path": "good/rcs.stix2"},
                },
                {
                    "type": "github",
                    "name": f"Broken {HOSTILE}{FORGED}",
                    "github": {"owner": "o", "repo": "r", "path": "broken/x.stix2"},
                },
            ]
        }
    ).encode()  # JSON is YAML: the index parser reads it as it reads indicators.yaml
    rcs = (DATA / "iocs" / "2022-06-23_rcs_lab" / "rcs.stix2").read_bytes()

    def fetch(url: str) -> bytes:
        if url.endswith("indicators.yaml"):
            return index
        return rcs if url.endswith("good/rcs.stix2") else f"<html>{CSI}</html>".encode()

    monkeypatch.setattr(ioc_update, "update", functools.partial(ioc_update.update, fetch))
    assert main(["iocs", "update"]) == 2  # a failed collection is an error, not "findings" (1)
    out, err = capsys.readouterr()
    assert_terminal_safe(out + err)
    assert out.startswith("Updated 1 collection(s)")
    lines = err.splitlines()
    assert lines[0].startswith("could not update Broken \\x1b[2J")
    assert lines[-1] == "howsafe: error: 1 of 2 indicator collection(s) could not be updated"


# -- the item beside a progress bar ----------------------------------------------------------------
@pytest.mark.timeout(300)
def test_progress_bar_shows_a_hostile_file_name_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.console import Console

    import howsafe.cli.common as common

    apks = tmp_path / "apks"
    apks.mkdir()
    for i in range(2):  # the bar is shown from two inputs on
        name = f"app{i} {CSI} {OSC} {CSI8} {RLO} [bold red]x.apk"
        shutil.copy(FIXTURES / "apk" / "trackers" / "many-trackers.apk", apks / name)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=300, color_system="standard")
    monkeypatch.setattr(common, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(common, "stderr_console", lambda: console)
    assert main(["apps", "--jobs", "1", "--format", "json", str(apks)]) in (0, 1)
    capsys.readouterr()
    drawn = screen.getvalue()
    assert "\\x1b[31mred" in drawn and "\\u202e" in drawn  # the name was drawn, as visible escapes
    assert "[bold red]x" in drawn  # and as plain text, not rich markup
    for raw in ("\x1b[2J", "\x1b[31mred", "\x1b]0;pwned", "\x07", "\x9b", "\u202e"):
        assert raw not in drawn, repr(raw)
