"""Folder dumps read only regular files that live inside the dump (issue: symlink escapes).

A dump unpacked from a stranger's tar keeps its symlinks; a link to the examiner's own secrets
must never reach the snapshot (which the user may share or push to a server).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.errors import InputError
from howsafe.model import to_json
from howsafe.sources import load_path
from howsafe.sources.containers import FolderContainer
from parse import samples

LMI = DEVICES / "redmi-lmi-V14.0.4.0.SJKCNXM"
SECRET = "examiner_token=4f3b9c1d2e8a7f6b5c4d3e2f1a0b9c8d"


def _dump(root: Path) -> Path:
    root.mkdir()
    shutil.copyfile(LMI / "getprop.txt", root / "getprop.txt")
    (root / "settings_global.txt").write_text(samples.SETTINGS_GLOBAL, encoding="utf-8")
    return root


def test_a_symlink_to_a_file_outside_never_reaches_the_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "home" / ".config" / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text(SECRET + "\n", encoding="utf-8")
    dump = _dump(tmp_path / "dump")
    (dump / "settings_secure.txt").symlink_to(secret)
    out = tmp_path / "phone.json"
    assert main(["collect", str(dump), "-o", str(out), "--no-redact"]) == 0
    assert "1 dump entry not read (source.skipped)" in capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "examiner_token" not in text and "4f3b9c1d" not in text
    snap = json.loads(text)
    assert "settings_secure.txt" not in snap["source"]["files"]
    assert snap["source"]["skipped"] == [f"settings_secure.txt: symbolic link to {secret}"]
    assert snap["settings"]["global"]  # the real files were read
    assert "secure" not in snap["settings"] or not snap["settings"]["secure"]


def test_links_inside_the_dump_folders_devices_fifos_and_hard_links_are_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "getprop.txt").write_text("[ro.product.model]: [EXAMINER-LAPTOP]\n", encoding="utf-8")
    elsewhere = tmp_path / "hard-original.txt"
    elsewhere.write_text(SECRET, encoding="utf-8")
    dump = _dump(tmp_path / "dump")
    (dump / "settings_system.txt").symlink_to("settings_global.txt")  # inside, still a link: skipped
    (dump / "sub").symlink_to(outside, target_is_directory=True)
    os.link(elsewhere, dump / "settings_secure.txt")
    os.mkfifo(dump / "dumpsys.txt")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(dump / "ps.txt"))
        container = FolderContainer(dump)
        names = container.names()
    finally:
        sock.close()
    assert names == ["getprop.txt", "settings_global.txt"]
    reasons = dict(entry.split(": ", 1) for entry in container.skipped)
    assert reasons["settings_system.txt"] == "symbolic link to settings_global.txt"
    assert reasons["sub"] == "symbolic link to a folder"
    assert reasons["settings_secure.txt"].startswith("2 hard links")
    assert reasons["dumpsys.txt"] == "a FIFO, not a regular file"
    assert reasons["ps.txt"] == "a socket, not a regular file"
    snap = load_path(dump, redact=False)
    assert snap.device.model == "Redmi K30 Pro"
    assert "secure" not in snap.settings or not snap.settings["secure"]


def test_read_refuses_a_file_swapped_for_a_link_after_listing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    dump = _dump(tmp_path / "dump")
    container = FolderContainer(dump)
    assert "settings_global.txt" in container.names()
    (dump / "settings_global.txt").unlink()
    (dump / "settings_global.txt").symlink_to(secret)
    with pytest.raises(InputError, match="symbolic link"):
        container.read("settings_global.txt")
    with pytest.raises(InputError, match="outside the dump"):
        container.read("../secret.txt")


def test_an_androidqf_folder_with_a_linked_member_is_read_without_it(tmp_path: Path) -> None:
    from sources.test_dump_formats import androidqf_files

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    dump = tmp_path / "aqf"
    dump.mkdir()
    for name, data in androidqf_files().items():
        if name != "settings_secure.txt":
            (dump / name).write_bytes(data)
    (dump / "settings_secure.txt").symlink_to(secret)
    snap = load_path(dump, redact=False)
    assert SECRET not in to_json(snap)
    assert snap.source.skipped == (f"settings_secure.txt: symbolic link to {secret}",)
