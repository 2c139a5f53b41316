"""Turning findings into grades and plain words for one profile.

Each area starts at 100 and loses ``severity_penalty × tag weight`` per failed finding (with
diminishing returns so that 200 low findings do not outweigh one critical one). An area in which
nothing could be checked is graded ``?`` rather than assumed safe. The overall score is the
profile-weighted mean of the area scores, capped a little above the worst heavily-weighted area:
one broken area (an unlocked bootloader, spyware) cannot be averaged away. Finally each profile
caps the overall score by the worst severity it failed (``severity_cap``): for an at-risk owner a
single high-severity problem keeps the phone out of the top grades, and the explanation says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from howsafe.model import Action, Area, AreaVerdict, Finding, Grade, Outcome, Verdict
from howsafe.score.evidence import load_rules
from howsafe.score.profile import Profile

_AREA_LABEL = {
    Area.UPDATES: "security updates",
    Area.INTEGRITY: "device integrity",
    Area.VENDOR: "vendor data collection",
    Area.APPS: "apps and permissions",
    Area.NETWORK: "network traffic",
    Area.COMPROMISE: "signs of compromise",
}

NOT_ENOUGH_EVIDENCE = "not enough evidence for a verdict (no grade: this is not a pass)"

_DEFAULT_GRADE_TEXT = {
    "A": "in good shape",
    "B": "reasonable, with a few things to fix",
    "C": "acceptable only after the fixes below",
    "D": "weak: fix the items below before trusting it",
    "E": "poor: several serious problems",
    "F": "not safe for this owner as it stands",
    "?": "not enough evidence to judge",
}


def area_label(area: Area) -> str:
    return _AREA_LABEL[area]


def grade_for(score: float | None) -> Grade:
    if score is None:
        return Grade.UNKNOWN
    for limit, grade in ((90, Grade.A), (75, Grade.B), (60, Grade.C), (45, Grade.D), (30, Grade.E)):
        if score >= limit:
            return grade
    return Grade.F


def finding_penalty(f: Finding, profile: Profile) -> float:
    """The risk one failed finding represents for this profile (0 for anything not failed)."""
    if f.outcome is not Outcome.FAIL:
        return 0.0
    base = profile.severity_penalty.get(f.severity, 0.0) * profile.weight_for_tags(f.tags)
    if f.confidence == "low":
        base *= 0.5
    elif f.confidence == "medium":
        base *= 0.8
    return base


def _area_score(penalties: list[float]) -> float:
    # Largest penalty counts fully, the rest with diminishing weight (1, 1/2, 1/3 ...).
    total = sum(p / (i + 1) for i, p in enumerate(sorted(penalties, reverse=True)))
    return max(0.0, 100.0 - total)


def verdict_for(findings: Sequence[Finding], profile: Profile, inputs: frozenset[str] | None = None) -> Verdict:
    """The verdict for ``profile``. ``inputs`` names the evidence the audit had (see
    howsafe.score.evidence); when given, the minimum-evidence rules for the overall verdict and the
    areas' required inputs apply. Areas always need enough judged checks to be graded."""
    rules = load_rules()
    by_area: dict[Area, list[Finding]] = defaultdict(list)
    for f in findings:
        by_area[f.area].append(f)

    areas: list[AreaVerdict] = []
    for area in Area:
        fs = by_area.get(area, [])
        checked = [f for f in fs if f.outcome in (Outcome.PASS, Outcome.FAIL)]
        failed = [f for f in fs if f.outcome is Outcome.FAIL]
        if not checked:
            areas.append(
                AreaVerdict(
                    area=area, grade=Grade.UNKNOWN, score=None, summary="not checked: no data", failed=0, checked=0
                )
            )
            continue
        gap = rules.area_gap(area, fs, inputs)
        if gap is not None:
            found = f"; {len(failed)} problem{'s' if len(failed) != 1 else ''} found" if failed else ""
            areas.append(
                AreaVerdict(
                    area=area,
                    grade=Grade.UNKNOWN,
                    score=None,
                    summary=gap + found,
                    failed=len(failed),
                    checked=len(checked),
                )
            )
            continue
        score = round(_area_score([finding_penalty(f, profile) for f in failed]), 1)
        worst = max(failed, key=lambda f: finding_penalty(f, profile), default=None)
        summary = (
            f"{len(failed)} problem{'s' if len(failed) != 1 else ''}; worst: {worst.title}"
            if worst is not None
            else f"no problem found in {len(checked)} check{'s' if len(checked) != 1 else ''}"
        )
        areas.append(
            AreaVerdict(
                area=area,
                grade=grade_for(score),
                score=score,
                summary=summary,
                failed=len(failed),
                checked=len(checked),
            )
        )

    scored = [a for a in areas if a.score is not None]
    overall: float | None = None
    if scored:
        wsum = sum(profile.area_weights.get(a.area, 1.0) for a in scored)
        overall = sum((a.score or 0.0) * profile.area_weights.get(a.area, 1.0) for a in scored) / wsum
        heavy = [a for a in scored if profile.area_weights.get(a.area, 1.0) >= 1.0]
        if heavy:
            overall = min(overall, min(a.score or 0.0 for a in heavy) + 25.0)
    missing = rules.missing_overall(inputs) if inputs is not None else []
    if missing:
        overall = None
    cap_reason: Finding | None = None
    if overall is not None:
        for f in findings:
            cap = profile.severity_cap.get(f.severity)
            if f.outcome is Outcome.FAIL and f.confidence != "low" and cap is not None and overall > cap:
                overall, cap_reason = cap, f
        overall = round(overall, 1)
    grade = grade_for(overall)
    phrase = profile.grade_text.get(grade.value, _DEFAULT_GRADE_TEXT[grade.value])
    if missing:
        phrase = NOT_ENOUGH_EVIDENCE
    headline = f"{grade.value}: {phrase} ({profile.name})"
    weak = sorted((a for a in scored if a.grade in (Grade.D, Grade.E, Grade.F)), key=lambda a: a.score or 0)
    unknown = [a for a in areas if a.grade is Grade.UNKNOWN]
    parts: list[str] = []
    if missing:
        parts.append(" ".join(f"Missing {m.what}: {m.how}." for m in missing))
    if weak:
        parts.append("Weakest: " + "; ".join(f"{area_label(a.area)} ({a.summary})" for a in weak[:3]) + ".")
    if cap_reason is not None:
        parts.append(
            f"Held at grade {grade.value} for this profile by a {cap_reason.severity.value}-severity problem: "
            f"{cap_reason.title}."
        )
    if unknown:
        parts.append("Not judged for lack of evidence: " + ", ".join(area_label(a.area) for a in unknown) + ".")
    return Verdict(
        profile=profile.id,
        grade=grade,
        score=overall,
        headline=headline,
        explanation=" ".join(parts),
        areas=tuple(areas),
        top_actions=tuple(top_actions(findings, profile)),
        evidence_missing=tuple(f"{m.what}: {m.how}" for m in missing),
    )


def top_actions(findings: Sequence[Finding], profile: Profile, limit: int = 5) -> list[Action]:
    """Group failed findings by remediation; order them by the worst severity they fix, then by how
    much risk fixing them removes for this profile."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.outcome is Outcome.FAIL and f.remediation:
            groups[f.remediation].append(f)
    actions: list[tuple[int, Action]] = []
    for remediation, fs in groups.items():
        impact = sum(finding_penalty(f, profile) * profile.area_weights.get(f.area, 1.0) for f in fs)
        # A single title reads better than an id list; many findings share one fix (trackers, CVEs).
        lead = max(fs, key=lambda f: finding_penalty(f, profile))
        title = lead.title if len(fs) == 1 else f"{lead.title} (+{len(fs) - 1} related)"
        worst = max(f.severity.rank - (1 if f.confidence == "low" else 0) for f in fs)
        actions.append(
            (
                worst,
                Action(
                    title=title,
                    finding_ids=tuple(f.id for f in fs),
                    remediation=remediation,
                    impact=round(math.log1p(impact), 3),
                ),
            )
        )
    # most severe first (a low-confidence finding counts one step lower), then most risk removed
    actions.sort(key=lambda wa: (-wa[0], -wa[1].impact))
    return [a for _, a in actions[:limit]]
