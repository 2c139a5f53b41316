"""The one atomic-write helper: whole file or old file, the permissions asked for, one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

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
