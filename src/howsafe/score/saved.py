"""The profile a user chose with ``howsafe profile``, remembered in the user config dir."""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs


def config_path() -> Path:
    return Path(platformdirs.user_config_dir("howsafe", appauthor=False)) / "profile.json"


def saved_profile(path: Path | None = None) -> str | None:
    """The remembered profile id, or None (a damaged file is ignored, never fatal)."""
    p = path or config_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("profile") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def save_profile(profile_id: str, answers: dict[str, str], path: Path | None = None) -> Path:
    p = path or config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".part")
    tmp.write_text(json.dumps({"profile": profile_id, "answers": answers}, indent=2), encoding="utf-8")
    tmp.replace(p)
    return p
