"""Property: for random plans on random starting states, plan -> apply -> undo is the identity on
the phone's state (over a real TCP adb connection to the stateful replay server)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harden.phones import GLOBAL, recording, transport
from howsafe.harden import HardenError, Journal, Phone, Step, allowlist, apply_plan, load_journal, undo
from howsafe.sources.replay import ReplayServer
from howsafe.sources.replay_state import PhoneState

_REC = recording(GLOBAL)
_BASE = PhoneState.from_replies({c: r.stdout for c, r in _REC.replies.items()})
PACKAGES = sorted(_BASE.packages)[:40]
SETTINGS = [
    ("secure", "upload_log_pref"),
    ("secure", "upload_debug_log_pref"),
    ("global", "personalized_ad_enabled"),
    ("system", "samsung_errorlog_agree"),
]
VALUES = st.one_of(st.none(), st.sampled_from(["0", "1", "3", "true", "false"]))
OPS = ["RUN_ANY_IN_BACKGROUND", "RUN_IN_BACKGROUND", "WAKE_LOCK"]
MODES = ["allow", "ignore", "deny", "default"]


def _step(kind: str, i: int, draw) -> Step:  # type: ignore[no-untyped-def]
    allow = allowlist()
    if kind in ("disable", "uninstall"):
        pkg = draw(st.sampled_from(PACKAGES))
        name, inverse = ("disable", "enable") if kind == "disable" else ("uninstall_keep", "install_existing")
        return Step(
            id=f"package:{pkg}",
            kind="package",
            target=pkg,
            level="safe",
            title=kind,
            reason="test",
            source=("test",),
            op=kind,  # type: ignore[arg-type]
            action=(allow.build(name, package=pkg),),
            undo=(allow.build(inverse, package=pkg),),
        )
    if kind == "setting":
        ns, key = draw(st.sampled_from(SETTINGS))
        bits = draw(st.sampled_from([None, 1]))
        value = draw(st.sampled_from(["0", "1", "2"]))
        return Step(
            id=f"setting:{ns}/{key}",
            kind="setting",
            target=f"{ns}/{key}",
            level="safe",
            title="s",
            reason="test",
            source=("test",),
            op="setting",
            action=(allow.build("settings_put", namespace=ns, key=key, value=value),),
            undo=(allow.build("settings_delete", namespace=ns, key=key),),
            namespace=ns,
            key=key,
            value=value,
            clear_bits=bits,
        )
    pkg = draw(st.sampled_from(PACKAGES))
    op, mode = draw(st.sampled_from(OPS)), draw(st.sampled_from(MODES[:3]))
    return Step(
        id=f"appops:{pkg}/{op}",
        kind="package",
        target=pkg,
        level="safe",
        title="a",
        reason="test",
        source=("test",),
        op="appops",
        appop=op,
        mode=mode,
        action=(allow.build("appops_set", package=pkg, op=op, mode=mode),),
        undo=(allow.build("appops_set", package=pkg, op=op, mode="default"),),
    )


@st.composite
def scenario(draw):  # type: ignore[no-untyped-def]
    state = _BASE.copy()
    for pkg in draw(st.lists(st.sampled_from(PACKAGES), max_size=6)):
        rec = state.packages[pkg]
        rec.installed, rec.enabled = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    for ns, key in SETTINGS:
        value = draw(VALUES)
        if value is not None:
            state.settings.setdefault(ns, {})[key] = value
    for pkg in draw(st.lists(st.sampled_from(PACKAGES), max_size=3)):
        state.appops[(pkg, draw(st.sampled_from(OPS)))] = draw(st.sampled_from(MODES[:3]))
    kinds = draw(st.lists(st.sampled_from(["disable", "uninstall", "setting", "appops"]), min_size=1, max_size=8))
    return state, [_step(k, i, draw) for i, k in enumerate(kinds)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_apply_then_undo_is_identity(case) -> None:  # type: ignore[no-untyped-def]
    state, steps = case
    with ReplayServer(_REC, stateful=True, phone=state) as server, tempfile.TemporaryDirectory() as tmp:
        original = state.facts()
        serial = _REC.serial
        journal = Journal.new(serial=serial, device="test", profile="everyday", level="safe", folder=Path(tmp))
        phone = Phone(transport(server), serial)
        # a step the phone refuses (e.g. disabling a package removed for the user) stops the run there
        with contextlib.suppress(HardenError):
            apply_plan(steps, phone, journal)
        undo(load_journal(journal.path), phone)
        assert server.phone is not None and server.phone.facts() == original


@st.composite
def real_plan_case(draw):  # type: ignore[no-untyped-def]
    state = _BASE.copy()
    for pkg in draw(st.lists(st.sampled_from(sorted(state.packages)), max_size=15)):
        rec = state.packages[pkg]
        rec.installed, rec.enabled = draw(st.sampled_from([(True, False), (False, True)]))
    for ns, key in SETTINGS[:3]:
        value = draw(VALUES)
        if value is not None:
            state.settings.setdefault(ns, {})[key] = value
    return (
        state,
        draw(st.sampled_from(["safe", "advanced", "expert"])),
        draw(st.sampled_from(["everyday", "private", "at-risk", "government"])),
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real_plan_case())
def test_real_plans_apply_then_undo_is_identity(case) -> None:  # type: ignore[no-untyped-def]
    from harden.phones import plan_over_adb

    state, level, profile = case
    with ReplayServer(_REC, stateful=True, phone=state) as server, tempfile.TemporaryDirectory() as tmp:
        original = state.facts()
        plan = plan_over_adb(server, level=level, profile=profile)
        journal = Journal.new(serial=_REC.serial, device=plan.device, profile=profile, level=level, folder=Path(tmp))
        phone = Phone(transport(server), _REC.serial)
        apply_plan(plan.phone_steps, phone, journal)
        if level == "safe":
            assert all(s.level == "safe" for s in plan.steps)
        undo(load_journal(journal.path), phone)
        assert server.phone is not None and server.phone.facts() == original
