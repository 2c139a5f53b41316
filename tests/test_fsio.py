"""The one atomic-write helper: whole file or old file, the permissions asked for, one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import modules_matching
from howsafe.errors import KnowledgeError, ReportError
from howsafe.fsio import atomic_write


def test_durable_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    atomic_write(target, "new ✓", mode=0o600, sync_dir=True)
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failure_keeps_the_old_state_and_raises_the_callers_error(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder cannot be replaced by a file
    with pytest.raises(ReportError, match=r"^cannot write .*taken"):
        atomic_write(target, b"x")
    with pytest.raises(KnowledgeError, match=r"^while storing: cannot write"):
        atomic_write(target, b"x", error=lambda msg: KnowledgeError(f"while storing: {msg}"))
    assert [p.name for p in tmp_path.iterdir()] == ["taken"] and target.is_dir()


def test_stream_commits_only_a_whole_file(tmp_path: Path) -> None:
    from howsafe.fsio import atomic_stream

    target = tmp_path / "base.apk"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="size"), atomic_stream(target) as fh:
        fh.write(b"half")
        raise ValueError("size differs")  # a transfer that went wrong mid-way
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["base.apk"]
    with atomic_stream(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["base.apk"]


def test_a_file_written_by_name_is_committed_whole(tmp_path: Path) -> None:
    import sqlite3

    from howsafe.fsio import atomic_path

    target = tmp_path / "index.sqlite"
    target.write_bytes(b"old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".part") and tmp.stat().st_size == 0
        con = sqlite3.connect(tmp)  # a library that writes the file by its name
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        assert target.read_bytes() == b"old"  # nothing replaced before the block ends
    assert sqlite3.connect(target).execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # open()'s permissions
    assert [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]


def test_a_file_written_by_name_is_dropped_when_the_block_fails(tmp_path: Path) -> None:
    from howsafe.fsio import atomic_path

    target = tmp_path / "index.sqlite"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="half"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("half written")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["index.sqlite"]
    taken = tmp_path / "taken"
    taken.mkdir()  # a folder cannot be replaced by a file: the caller's error, nothing left behind
    with pytest.raises(KnowledgeError, match=r"^cannot write .*taken"), atomic_path(taken, error=KnowledgeError) as tmp:
        tmp.write_bytes(b"x")
    with (
        pytest.raises(KnowledgeError, match=r"^cannot write"),
        atomic_path(tmp_path / "no" / "f", error=KnowledgeError),
    ):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite", "taken"]


def test_only_fsio_renames_temporary_files_into_place() -> None:
    """One atomic-write implementation: no other module makes its own temp file and renames it."""
    pattern = r"os\.(replace|rename)\(|mkstemp\(|NamedTemporaryFile\(|\btmp\w*\.(replace|rename)\("
    assert modules_matching(pattern, owner="fsio.py") == []


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current
