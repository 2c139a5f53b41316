"""Shared test helpers: where the real fixtures live.

Tests read real device data, APKs and captures from ``../shared`` beside the checkout (CI lays it
out the same way); ``HOWSAFE_SHARED`` overrides the location.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOWSAFE_SHARED", REPO.parent / "shared")).resolve()
FIXTURES = SHARED / "fixtures"
DATA = SHARED / "data"
DEVICES = FIXTURES / "devices"

SRC = REPO / "src" / "howsafe"


def modules_matching(pattern: str, *, owner: str) -> list[str]:
    """Modules of ``src/howsafe`` (relative paths) other than ``owner`` whose source matches
    ``pattern``: for the "only one module does X" rules. Fails when ``owner`` itself does not match,
    so a scan that reads nothing cannot pass."""
    rx = re.compile(pattern)
    assert rx.search((SRC / owner).read_text(encoding="utf-8")), f"{owner} no longer matches {pattern}"
    return [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if str(path.relative_to(SRC)) != owner and rx.search(path.read_text(encoding="utf-8"))
    ]


if not SHARED.is_dir():  # pragma: no cover - a broken checkout layout must be loud, not skipped
    raise RuntimeError(f"shared test data not found at {SHARED}; set HOWSAFE_SHARED")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the real user's config/cache/data (saved profile, kb updates, iocs)."""
    base = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))
    monkeypatch.delenv("MVT_STIX2", raising=False)
