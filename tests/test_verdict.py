"""The verdict: profile caps, explanations, and 'not judged' rather than 'safe' without data."""

from __future__ import annotations

from msgspec.structs import replace

from howsafe.model import Area, Finding, Grade, Outcome, Severity
from howsafe.score import load_profile, verdict_for
from howsafe.score.evidence import load_rules


def _f(fid: str, area: Area, sev: Severity, outcome: Outcome = Outcome.FAIL, conf: str = "high") -> Finding:
    return Finding(
        id=fid,
        check=fid,
        area=area,
        title=f"title {fid}",
        severity=sev,
        outcome=outcome,
        remediation=f"fix {fid}",
        confidence=conf,  # type: ignore[arg-type]
    )


def _passes() -> list[Finding]:
    """Enough passing checks in every area to be graded under the real evidence rules."""
    out = []
    for a in Area:
        rule = load_rules().areas[a]
        ids = [*rule.key_checks, *(f"p{a.value}{i}" for i in range(rule.min_judged))][: max(rule.min_judged, 1)]
        out += [_f(i, a, Severity.INFO, Outcome.PASS) for i in ids]
    return out


PASSES = _passes()


def test_one_high_problem_caps_the_grade_harder_for_riskier_profiles() -> None:
    findings = [*PASSES, _f("spl", Area.UPDATES, Severity.HIGH)]
    grades = {p: verdict_for(findings, load_profile(p)).grade for p in ("everyday", "at-risk", "government")}
    assert grades == {"everyday": Grade.C, "at-risk": Grade.D, "government": Grade.E}
    v = verdict_for(findings, load_profile("at-risk"))
    assert "title spl" in v.explanation and "high-severity" in v.explanation


def test_low_confidence_findings_do_not_cap() -> None:
    findings = [*PASSES, _f("maybe", Area.APPS, Severity.HIGH, conf="low")]
    assert verdict_for(findings, load_profile("everyday")).grade is Grade.A
    # the same finding with high confidence caps the everyday grade at C
    sure = [*PASSES, _f("maybe", Area.APPS, Severity.HIGH)]
    assert verdict_for(sure, load_profile("everyday")).grade is Grade.C


def test_areas_without_evidence_are_unknown_not_safe() -> None:
    two = [
        _f("updates.spl_age", Area.UPDATES, Severity.INFO, Outcome.PASS),
        _f("updates.android_eol", Area.UPDATES, Severity.INFO, Outcome.PASS),
    ]
    v = verdict_for(two, load_profile("everyday"))
    by_area = {a.area: a for a in v.areas}
    assert by_area[Area.UPDATES].grade is Grade.A
    # one judged check, or two without the patch-age check, is not enough to grade the area
    for few in (two[:1], [two[1], _f("updates.kernel_eol", Area.UPDATES, Severity.INFO, Outcome.PASS)]):
        area = {a.area: a for a in verdict_for(few, load_profile("everyday")).areas}[Area.UPDATES]
        assert area.grade is Grade.UNKNOWN and area.summary.startswith("not judged")
    assert by_area[Area.COMPROMISE].grade is Grade.UNKNOWN
    assert "signs of compromise" in v.explanation
    assert verdict_for([], load_profile("everyday")).grade is Grade.UNKNOWN


def test_top_actions_group_by_remediation_and_rank_by_risk() -> None:
    findings = [
        *PASSES,
        _f("a", Area.APPS, Severity.LOW),
        _f("b", Area.UPDATES, Severity.CRITICAL),
        _f("c", Area.UPDATES, Severity.MEDIUM),
    ]
    actions = verdict_for(findings, load_profile("everyday")).top_actions
    assert [a.finding_ids for a in actions] == [("b",), ("c",), ("a",)]


def test_what_to_do_first_is_sorted_by_severity() -> None:
    # many medium findings sharing one fix remove more "risk" in sum, but the critical one comes first
    findings = [
        *PASSES,
        *(_f(f"m{i}", Area.VENDOR, Severity.MEDIUM) for i in range(6)),
        _f("crit", Area.APPS, Severity.CRITICAL),
    ]
    findings = [replace(f, remediation="same fix") if f.id.startswith("m") else f for f in findings]
    actions = verdict_for(findings, load_profile("everyday")).top_actions
    assert actions[0].finding_ids == ("crit",)
