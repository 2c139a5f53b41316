"""Hostile and broken input through the real CLI: exit 2, one line on stderr, no traceback,
no output file written."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.sources import load_path

LMI = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"


def run_collect(target: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out.json"
    rc = main(["collect", str(target), "-o", str(out)])
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert rc == 2, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("howsafe: error: ")
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists() and not out.with_name("out.json.part").exists()
    return lines[0]


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file or folder" in run_collect(tmp_path / "nope", tmp_path, capsys)


def test_corrupt_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = make_zip(tmp_path / "good.zip", {"getprop.txt": (LMI / "getprop.txt").read_bytes()})
    bad = tmp_path / "bad.zip"
    bad.write_bytes(good.read_bytes()[:200])
    assert "not a valid zip" in run_collect(bad, tmp_path, capsys)


def test_damaged_member(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_zip(tmp_path / "flip.zip", {"getprop.txt": (LMI / "getprop.txt").read_bytes()})
    data = bytearray(path.read_bytes())
    data[60:90] = bytes(30)  # inside the compressed stream of the only member
    path.write_bytes(bytes(data))
    assert "damaged member" in run_collect(path, tmp_path, capsys)


@pytest.mark.parametrize("name", ["../../etc/evil.txt", "/etc/evil.txt", "ok/../../evil.txt", "C:/evil.txt"])
def test_path_traversal_names_are_skipped_with_a_warning(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One unsafe entry costs that entry only (never extracted, named), not the acquisition."""
    path = make_zip(tmp_path / "trav.zip", {"getprop.txt": (LMI / "getprop.txt").read_bytes(), name: b"x"})
    out = tmp_path / "out.json"
    assert main(["collect", str(path), "-o", str(out)]) == 0
    snap = json.loads(out.read_text(encoding="utf-8"))
    assert snap["device"]["model"] == "Redmi K30 Pro"
    assert snap["source"]["skipped"] == [f"{name}: unsafe member name (absolute or '..')"]
    assert any("unsafe member name" in r.getMessage() and name in r.getMessage() for r in caplog.records)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_zip(tmp_path / "bomb.zip", {"getprop.txt": b"\0" * (64 * 1024 * 1024)})
    assert path.stat().st_size < 1024 * 1024
    assert "zip bomb" in run_collect(path, tmp_path, capsys)


def test_two_gigabyte_file_refused_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "movie.txt"
    with big.open("wb") as fh:  # sparse: no disk used, and never read whole
        fh.write(b"[ro.product.brand]: [x]\n")
        fh.truncate(2 * 1024**3)
    assert "GiB" in run_collect(big, tmp_path, capsys)


def test_binary_junk_and_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(100_000))
    assert "not a dump" in run_collect(junk, tmp_path, capsys)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in run_collect(empty, tmp_path, capsys)


def test_age_encrypted_acquisition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    enc = tmp_path / "acq.zip.age"
    enc.write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n" + os.urandom(500))
    assert "decrypt" in run_collect(enc, tmp_path, capsys)


def test_folder_without_known_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "notes.md").write_text("hello", encoding="utf-8")
    assert "no known dump files" in run_collect(tmp_path / "dump", tmp_path, capsys)


def test_invalid_androidqf_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "acq").mkdir()
    (tmp_path / "acq" / "packages.json").write_text("[{", encoding="utf-8")
    assert "not valid JSON" in run_collect(tmp_path / "acq", tmp_path, capsys)


def test_future_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "future.json"
    snap.write_text(json.dumps({"schema_version": 99, "device": {}, "source": {}}), encoding="utf-8")
    assert "schema_version 99" in run_collect(snap, tmp_path, capsys)


def test_truncated_getprop_is_partial_not_silent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (LMI / "getprop.txt").read_bytes()
    folder = tmp_path / "cut"
    folder.mkdir()
    (folder / "getprop.txt").write_bytes(data[: data.index(b"[ro.build.version.security_patch]") + 40])
    out = tmp_path / "cut.json"
    assert main(["collect", str(folder), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "missing: " in err and "properties" in err
    snap = json.loads(out.read_text(encoding="utf-8"))
    reasons = {m["item"]: m["reason"] for m in snap["missing"]}
    assert "cut off" in reasons["properties"]
    assert load_path(out).complete is False


def test_deeply_nested_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"a":' * 200_000 + "1" + "}" * 200_000, encoding="utf-8")
    assert "not valid JSON" in run_collect(deep, tmp_path, capsys)
    (tmp_path / "acq").mkdir()
    (tmp_path / "acq" / "packages.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    assert "not valid JSON" in run_collect(tmp_path / "acq", tmp_path, capsys)


def test_password_protected_member(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_zip(tmp_path / "locked.zip", {"getprop.txt": (LMI / "getprop.txt").read_bytes()})
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in the local and the central header, as a password-protected
    # archive has it
    data[6] |= 0x1
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    assert "encrypted" in run_collect(path, tmp_path, capsys)


def test_known_names_holding_junk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "getprop.txt").write_bytes(os.urandom(5000))
    (folder / "packages.txt").write_bytes(b"\x00\x01garbage\xff" * 100)
    assert "no readable data" in run_collect(folder, tmp_path, capsys)
