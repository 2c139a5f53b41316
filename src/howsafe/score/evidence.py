"""Minimum evidence for a verdict, read from ``rules/evidence.toml`` (explained in docs/evidence-rules.md).

Two rules keep a thin input from looking like a clean phone:

* the overall verdict needs the inputs listed under ``[overall]`` (the security patch level and a
  package list); without them the grade is ``?`` and the report names what is missing and how to
  get it;
* an area is graded only when it has its required inputs and enough of its checks were judged
  (pass or fail); otherwise it is "not judged".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb import tomlcache
from howsafe.model import Area, Finding, Outcome, Snapshot

RULES = Path(__file__).resolve().parent / "rules" / "evidence.toml"


class InputRule(msgspec.Struct, frozen=True):
    id: str
    what: str
    how: str


class AreaRule(msgspec.Struct, frozen=True):
    area: Area
    requires: tuple[str, ...] = ()
    key_checks: tuple[str, ...] = ()
    min_judged: int = 1


class EvidenceRules(msgspec.Struct, frozen=True):
    overall: tuple[str, ...]
    inputs: dict[str, InputRule]
    areas: dict[Area, AreaRule]

    def missing_overall(self, present: Iterable[str]) -> list[InputRule]:
        have = set(present)
        return [self.inputs[i] for i in self.overall if i not in have]

    def area_gap(self, area: Area, findings: Sequence[Finding], present: Iterable[str] | None) -> str | None:
        """Why ``area`` cannot be graded (None when it can). ``present=None`` skips input rules."""
        rule = self.areas.get(area, AreaRule(area))
        if present is not None:
            have = set(present)
            lacking = [self.inputs[i].what if i in self.inputs else i for i in rule.requires if i not in have]
            if lacking:
                return "not judged: no " + " and no ".join(lacking)
        judged = [f for f in findings if f.outcome in (Outcome.PASS, Outcome.FAIL)]
        if rule.key_checks and not any(f.check in rule.key_checks for f in judged):
            return "not judged: " + ", ".join(rule.key_checks) + " could not run"
        checks = {f.check for f in judged}
        if len(checks) < rule.min_judged:
            ran = f"{len(checks)} check{'s' if len(checks) != 1 else ''}"
            return f"not judged: only {ran} could run (at least {rule.min_judged} needed)"
        return None


def present_inputs(snapshot: Snapshot, *, capture: bool = False, apks: bool = False) -> frozenset[str]:
    """Which of the rule inputs this audit has."""
    from howsafe.vulns.match import is_pre_bulletin
    from howsafe.vulns.versions import normalise_release

    have: set[str] = set()
    d = snapshot.device
    # a pre-bulletin build (Android <= 5.1.1 without the property) has a known state: unpatched
    if d.security_patch is not None or is_pre_bulletin(normalise_release(d.android_release, d.sdk), None):
        have.add("security_patch")
    if snapshot.packages is not None and len(snapshot.packages) > 0:
        have.add("packages")
    if capture:
        have.add("capture")
    if apks:
        have.add("apks")
    return frozenset(have)


@cache
def load_rules(path: Path = RULES) -> EvidenceRules:
    try:
        raw = tomlcache.loads(path.read_bytes(), f"evidence:{path.name}")
        inputs = {k: InputRule(k, str(v["what"]), str(v["how"])) for k, v in raw["inputs"].items()}
        areas = {
            Area(k): AreaRule(
                Area(k),
                requires=tuple(v.get("requires", ())),
                key_checks=tuple(v.get("key_checks", ())),
                min_judged=int(v.get("min_judged", 1)),
            )
            for k, v in raw["areas"].items()
        }
        overall = tuple(raw["overall"]["requires"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise KnowledgeError(f"evidence rules {path.name} are missing or invalid: {exc}") from exc
    unknown = [i for i in overall if i not in inputs] + [
        i for a in areas.values() for i in a.requires if i not in inputs
    ]
    if unknown:
        raise KnowledgeError(f"evidence rules name undefined inputs: {unknown}")
    return EvidenceRules(overall=overall, inputs=inputs, areas=areas)
