"""Scoring: Findings + a threat profile -> Verdict. Profiles are data in ``score/profiles``."""

from howsafe.score.profile import Profile, available_profiles, load_profile
from howsafe.score.verdict import verdict_for

__all__ = ["Profile", "available_profiles", "load_profile", "verdict_for"]
