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


def save_profile(
    profile_id: str, answers: dict[str, str], path: Path | None = None, country: str | None = None
) -> Path:
    from howsafe.fsio import atomic_write

    p = path or config_path()
    doc: dict[str, object] = {"profile": profile_id, "answers": answers}
    if country:
        doc["country"] = country
    atomic_write(p, json.dumps(doc, indent=2), make_parents=True)
    return p


def saved_country(path: Path | None = None) -> str | None:
    """The owner's home country saved with ``howsafe profile --country`` (ISO code), or None."""
    p = path or config_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("country") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) == 2 and value.isalpha() else None
