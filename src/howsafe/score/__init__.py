"""Scoring: Findings + a threat profile -> Verdict. Profiles are data in ``score/profiles``.

The names below are imported on first use (PEP 562): importing a submodule such as
:mod:`howsafe.score.questions` then does not load the profile and verdict code and the report
models they need (start-up cost, issue 13)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from howsafe.score.profile import Profile, available_profiles, load_profile
    from howsafe.score.verdict import verdict_for

_WHERE = {
    "Profile": "howsafe.score.profile",
    "available_profiles": "howsafe.score.profile",
    "load_profile": "howsafe.score.profile",
    "verdict_for": "howsafe.score.verdict",
}


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


__all__ = ["Profile", "available_profiles", "load_profile", "verdict_for"]
