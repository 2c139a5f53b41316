"""Threat profiles, read from TOML files so their weights can be reviewed without reading code.

A profile says how much each area matters for its owner, how heavily each severity counts, and
which finding tags (``telemetry``, ``jurisdiction:CN``, ``spyware`` ...) weigh more or less. The same
phone therefore gets a different verdict for an everyday user than for a government employee,
and the difference is explainable from the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import msgspec

from howsafe.errors import InputError, KnowledgeError
from howsafe.kb import tomlcache
from howsafe.model import Area, Finding, Outcome, Severity

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


class Profile(msgspec.Struct, frozen=True):
    id: str
    name: str
    description: str
    area_weights: dict[Area, float]
    severity_penalty: dict[Severity, float]
    tag_weights: dict[str, float] = msgspec.field(default_factory=dict)
    grade_text: dict[str, str] = msgspec.field(default_factory=dict)
    fail_threshold: Severity = Severity.MEDIUM
    severity_cap: dict[Severity, float] = msgspec.field(default_factory=dict)
    # [jurisdiction] relative = true: "foreign" is read against the owner's home country
    jurisdiction_relative: bool = False
    foreign_min_severity: Severity | None = None

    def exceeded_by(self, findings: Iterable[Finding]) -> bool:
        """True when a failed finding is at or above this profile's threshold (exit code 1)."""
        threshold = self.fail_threshold.rank
        return any(f.outcome is Outcome.FAIL and f.severity.rank >= threshold for f in findings)

    def weight_for_tags(self, tags: tuple[str, ...]) -> float:
        """Largest multiplier among the finding's tags (1.0 when none is listed)."""
        weights = [self.tag_weights[t] for t in tags if t in self.tag_weights]
        return max(weights) if weights else 1.0


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml") if p.stem != "questions")


@cache
def load_profile(profile_id: str) -> Profile:
    path = PROFILES_DIR / f"{profile_id}.toml"
    if not path.is_file():
        raise InputError(f"unknown profile {profile_id!r}; choose one of: {', '.join(available_profiles())}")
    try:
        raw = tomlcache.loads(path.read_bytes(), f"profile:{profile_id}")
        return Profile(
            id=raw["id"],
            name=raw["name"],
            description=raw["description"],
            area_weights={Area(k): float(v) for k, v in raw["area_weights"].items()},
            severity_penalty={Severity(k): float(v) for k, v in raw["severity_penalty"].items()},
            tag_weights={k: float(v) for k, v in raw.get("tag_weights", {}).items()},
            grade_text=dict(raw.get("grade_text", {})),
            fail_threshold=Severity(raw.get("fail_threshold", "medium")),
            severity_cap={Severity(k): float(v) for k, v in raw.get("severity_cap", {}).items()},
            jurisdiction_relative=bool(raw.get("jurisdiction", {}).get("relative", False)),
            foreign_min_severity=(
                Severity(raw["jurisdiction"]["foreign_min_severity"])
                if "foreign_min_severity" in raw.get("jurisdiction", {})
                else None
            ),
        )
    except (KeyError, ValueError) as exc:
        raise KnowledgeError(f"profile {path.name} is invalid: {exc}") from exc
