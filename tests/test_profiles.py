"""Threat profiles: the answers map to the right profile, and the same phone gets a different,
explained verdict for different owners."""

from __future__ import annotations

import pytest

from checks.phones import audit, device
from howsafe.cli.profile import QUESTIONS, WHO_CHOICES, profile_from_answers
from howsafe.model import Area, Grade
from howsafe.score import available_profiles, load_profile

NIKEL = "xiaomi-nikel-V10.2.1.0.MBFMIXM"  # Redmi Note 4 firmware, MIUI 10 global, Android 6
SHENG = "xiaomi-sheng-OS2.0.205.0.VNXCNXM"  # Xiaomi Pad 6S Pro, unlocked boot loader


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, "everyday"),
        ({"who": "advertisers"}, "everyday"),
        ({"sensitive": "yes"}, "private"),
        ({"who": "criminals"}, "private"),
        ({"targeted": "yes"}, "at-risk"),
        ({"watched": "yes", "sensitive": "yes"}, "at-risk"),
        ({"who": "a-government"}, "at-risk"),
        ({"classified": "yes"}, "government"),
        ({"state_interest": "yes", "who": "advertisers"}, "government"),
        # the strictest answer wins: a journalist who also handles official secrets
        ({"targeted": "yes", "classified": "yes", "sensitive": "yes"}, "government"),
        ({"classified": "no", "targeted": "no", "sensitive": "no", "watched": "no"}, "everyday"),
    ],
)
def test_answers_map_to_profiles(answers: dict[str, str], expected: str) -> None:
    prof, reasons = profile_from_answers(answers)
    assert prof == expected
    assert reasons and all(isinstance(r, str) and r for r in reasons)


def test_every_question_and_choice_leads_to_an_existing_profile() -> None:
    profiles = set(available_profiles())
    for q in QUESTIONS:
        assert q.profile in profiles
        assert profile_from_answers({q.key: "yes"})[0] == q.profile
    for who in WHO_CHOICES:
        assert profile_from_answers({"who": who})[0] in profiles


def test_reasons_quote_the_deciding_answer() -> None:
    _, reasons = profile_from_answers({"classified": "yes", "targeted": "yes"})
    assert reasons == ["you handle classified or official information"]


def test_same_phone_different_profile_different_verdict_explained() -> None:
    snap = device(NIKEL)
    everyday = audit(snap, "everyday").verdict
    government = audit(snap, "government").verdict
    assert everyday.grade is not government.grade
    assert everyday.score is not None and government.score is not None and government.score < everyday.score - 20
    # the words come from each profile's own grade text
    assert everyday.headline.startswith(f"{everyday.grade.value}: ")
    assert load_profile("everyday").grade_text[everyday.grade.value] in everyday.headline
    assert load_profile("government").grade_text[government.grade.value] in government.headline
    assert "official" in government.headline
    # and the explanation says why: for government work the vendor's data collection is a weak area too
    assert "vendor data collection" in government.explanation
    assert "vendor data collection" not in everyday.explanation
    gv = {a.area: a for a in government.areas}
    ev = {a.area: a for a in everyday.areas}
    assert gv[Area.VENDOR].score is not None and ev[Area.VENDOR].score is not None
    assert gv[Area.VENDOR].score < ev[Area.VENDOR].score  # type: ignore[operator]


def test_unlocked_boot_loader_is_a_top_action_for_targeted_owners() -> None:
    snap = device(SHENG)
    for prof in ("at-risk", "government"):
        actions = audit(snap, prof).verdict.top_actions
        assert any("integrity.bootloader" in a.finding_ids for a in actions[:2]), prof
    # a getprop-only dump gets no overall grade; the integrity area is graded and weighs more at risk
    integrity = {p: {a.area: a for a in audit(snap, p).verdict.areas}[Area.INTEGRITY] for p in ("at-risk", "everyday")}
    assert integrity["at-risk"].score < integrity["everyday"].score  # type: ignore[operator]


def test_a_phone_with_nothing_checked_is_not_called_safe() -> None:
    v = audit(device("redmi-rosemary-unknown-ksalokya3"), "government").verdict
    unknown = [a for a in v.areas if a.grade is Grade.UNKNOWN]
    assert unknown and "lack of evidence" in v.explanation
    assert v.grade is Grade.UNKNOWN and v.evidence_missing
