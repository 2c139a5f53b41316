"""The undo journal: versioned, checksummed, atomically replaced; damage is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from howsafe.cli import main
from howsafe.errors import CorruptInputError, InputError
from howsafe.harden import Journal, allowlist, load_journal
from howsafe.harden.journal import Entry, checksum, latest_journal


def _journal(folder: Path) -> Journal:
    allow = allowlist()
    j = Journal.new(
        serial="replay-garnet", device="Redmi Note 13 Pro 5G", profile="everyday", level="safe", folder=folder
    )
    j.entries.append(
        Entry(
            seq=1,
            step="package:com.miui.analytics",
            kind="package",
            op="disable",
            target="com.miui.analytics",
            before={"exists": True, "installed": True, "enabled": True},
            expected={"installed": True, "enabled": False},
            action=[allow.build("disable", package="com.miui.analytics")],
            undo=[allow.build("enable", package="com.miui.analytics")],
            status="done",
        )
    )
    j.save()
    return j


def test_round_trip_and_no_temporary_files_left(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    back = load_journal(j.path)
    assert back.body() == j.body()
    assert [p.name for p in tmp_path.iterdir()] == [j.path.name]
    doc = json.loads(j.path.read_text())
    assert doc["format"] == "howsafe-harden-journal" and doc["version"] == 1
    assert doc["checksum"].startswith("sha256:")


def _rewrite(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("damage", ["flip", "truncate", "version", "empty", "binary"])
def test_damaged_journal_is_refused(tmp_path: Path, damage: str) -> None:
    j = _journal(tmp_path)
    raw = j.path.read_bytes()
    if damage == "flip":
        j.path.write_bytes(raw.replace(b'"enabled": false', b'"enabled": true '))
    elif damage == "truncate":
        j.path.write_bytes(raw[: len(raw) // 2])
    elif damage == "version":
        _rewrite(j.path, lambda d: d.update(version=2))
    elif damage == "empty":
        j.path.write_bytes(b"")
    else:
        j.path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CorruptInputError, match="damaged"):
        load_journal(j.path)


def test_a_checksummed_journal_with_an_injected_command_is_still_refused(tmp_path: Path) -> None:
    j = _journal(tmp_path)

    def inject(doc: dict) -> None:  # type: ignore[type-arg]
        doc["entries"][0]["undo"][0]["words"][-1] = "com.miui.analytics;reboot"
        doc.pop("checksum")
        doc["checksum"] = checksum(doc)

    _rewrite(j.path, inject)
    with pytest.raises(CorruptInputError, match="refusing to send"):
        load_journal(j.path)


def test_cli_refuses_a_damaged_journal_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    j = _journal(tmp_path)
    j.path.write_bytes(j.path.read_bytes()[:-40])
    assert main(["undo", str(j.path), "--adb"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is damaged" in err and "nothing was sent to the phone" in err


def test_latest_journal_refuses_rather_than_skips_a_damaged_newer_one(tmp_path: Path) -> None:
    old = _journal(tmp_path)
    new = _journal(tmp_path)
    assert latest_journal(tmp_path) == new.path
    new.path.write_text("{}")
    with pytest.raises(CorruptInputError):
        latest_journal(tmp_path)
    assert old.path.exists()


def test_journal_is_private_and_a_write_failure_is_one_line(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    assert j.path.stat().st_mode & 0o777 == 0o600
    blocked = _journal(tmp_path / "other")
    blocked.path.unlink()
    blocked.path.mkdir()  # a folder where the journal file goes: the rename must fail
    with pytest.raises(InputError, match=r"^cannot write the undo journal .*; nothing more is sent to the phone$"):
        blocked.save()
    assert sorted(p.name for p in blocked.path.parent.iterdir()) == [blocked.path.name]  # no temporary left
    (tmp_path / "file").write_text("x")
    j2 = _journal(tmp_path / "ok")
    j2.path = tmp_path / "file" / "journal.json"  # its folder cannot be created
    with pytest.raises(InputError, match=r"^cannot write the undo journal .*nothing more is sent to the phone$"):
        j2.save()
