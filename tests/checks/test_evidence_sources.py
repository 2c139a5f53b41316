"""Evidence names the file or command that was really read."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.sources import load_path

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GMS = "com.google.android.gms/.backup.BackupTransportService"


def test_backup_state_from_settings_secure_is_not_called_dumpsys(tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    folder.mkdir()
    src = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"
    for name in ("getprop.txt", "packages.txt"):
        shutil.copyfile(src / name, folder / name)
    (folder / "settings_secure.txt").write_text(f"backup_enabled=1\nbackup_transport={GMS}\n", encoding="utf-8")
    snap = load_path(folder)
    assert snap.backup.enabled is True and snap.backup.source == "settings secure"
    au = Auditor(KnowledgeBase(bundled_data_dir(), None), clock=lambda: NOW)
    report = au.run(au.context(snap), "everyday")
    (f,) = [f for f in report.findings if f.id == "cloud.google_backup"]
    assert f.evidence, f
    assert all(e.source != "dumpsys backup" for e in f.evidence)
    assert {(e.kind, e.key, e.source) for e in f.evidence} >= {
        ("setting", "secure/backup_enabled", "settings secure"),
        ("setting", "secure/backup_transport", "settings secure"),
    }
