"""Crash safety: `howsafe harden --adb --apply` is SIGKILLed after each phone step in turn; `howsafe
undo --adb` (a new process) then restores exactly the original state, compared field by field."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harden.phones import CHINA, GLOBAL, recording
from howsafe.harden import load_journal
from howsafe.harden.journal import journal_dir
from howsafe.sources.replay import ReplayServer
from howsafe.sources.replay_state import is_write


def _env(port: int, data: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ADB_SERVER_SOCKET", "ANDROID_ADB_SERVER_ADDRESS", "ANDROID_SERIAL")
    }
    env.update(
        ANDROID_ADB_SERVER_PORT=str(port),
        XDG_DATA_HOME=str(data),
        XDG_CONFIG_HOME=str(data / "cfg"),
        XDG_CACHE_HOME=str(data / "cache"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _howsafe(*args: str) -> list[str]:
    return [sys.executable, "-m", "howsafe", *args]


def _steps(name: str, tmp: Path) -> int:
    with ReplayServer(recording(name), stateful=True) as server:
        out = subprocess.run(
            _howsafe("harden", "--adb", "--apply", "--yes"),
            env=_env(server.port, tmp),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return len(server.writes)


@pytest.mark.parametrize("name", [CHINA, GLOBAL])
def test_sigkill_after_each_step_then_undo_restores_everything(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = _steps(name, tmp_path / "probe")
    assert n >= 3
    for k in range(1, n + 1):
        data = tmp_path / f"kill-{k}"
        proc: list[subprocess.Popen[str]] = []
        killed = threading.Event()

        def kill_after_write(
            command: str, k: int = k, proc: list[subprocess.Popen[str]] = proc, killed: threading.Event = killed
        ) -> None:
            if is_write(command) and len(server.writes) == k and proc and not killed.is_set():
                proc[0].send_signal(signal.SIGKILL)
                proc[0].wait()
                killed.set()

        with ReplayServer(recording(name), stateful=True, on_command=kill_after_write) as server:
            assert server.phone is not None
            original = server.phone.facts()
            env = _env(server.port, data)
            proc.append(
                subprocess.Popen(
                    _howsafe("harden", "--adb", "--apply", "--yes"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            proc[0].wait(timeout=120)
            assert killed.is_set() and proc[0].returncode == -signal.SIGKILL, f"step {k}"
            assert server.phone.facts() != original
            # the step the phone ran was in the journal before the phone saw it
            monkeypatch.setenv("XDG_DATA_HOME", str(data))
            journals = sorted(journal_dir().glob("harden-*.json"))
            assert len(journals) == 1
            entries = load_journal(journals[0]).entries
            assert len(entries) >= k and entries[k - 1].status in ("pending", "done")
            out = subprocess.run(_howsafe("undo", "--adb"), env=env, capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            assert server.phone.facts() == original, f"killed after step {k}"
            assert load_journal(journals[0]).state == "undone"
