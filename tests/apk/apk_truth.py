"""The APK fixture set and its ground truth (shared by the APK scanner tests)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from conftest import FIXTURES
from howsafe.apk import AppReport, scan_paths
from howsafe.kb import KnowledgeBase

APK_SET = FIXTURES / "apk"


def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((APK_SET / "truth.json").read_text(encoding="utf-8"))["entries"]
    return data


TRUTH = truth()
VALID = sorted(k for k, e in TRUTH.items() if e["kind"] != "malformed")
MALFORMED = sorted(k for k, e in TRUTH.items() if e["kind"] == "malformed")


def fixture_path(key: str) -> Path:
    return APK_SET / key


@cache
def bundled_kb() -> KnowledgeBase:
    """The bundled knowledge only: independent of any user cache."""
    return KnowledgeBase()


@cache
def scanned() -> dict[str, AppReport]:
    """Every fixture entry scanned once per test session, keyed like truth.json."""
    keys = VALID + MALFORMED
    reports = scan_paths([APK_SET / k for k in keys], kb=bundled_kb(), jobs=1)
    assert len(reports) == len(keys)
    return dict(zip(keys, reports, strict=True))
