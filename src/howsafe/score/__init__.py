"""Scoring: Findings + a threat profile -> Verdict. Profiles are data in ``score/profiles``.

The names below are imported on first use (PEP 562): importing a submodule such as
:mod:`howsafe.score.questions` then does not load the profile and verdict code and the report
models they need (start-up cost, issue 13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from howsafe._lazy import lazy_attributes

if TYPE_CHECKING:
    from howsafe.score.profile import Profile, available_profiles, load_profile
    from howsafe.score.verdict import verdict_for

_WHERE = {
    "Profile": "howsafe.score.profile",
    "available_profiles": "howsafe.score.profile",
    "load_profile": "howsafe.score.profile",
    "verdict_for": "howsafe.score.verdict",
}


__getattr__ = lazy_attributes(__name__, _WHERE, globals())


__all__ = ["Profile", "available_profiles", "load_profile", "verdict_for"]
