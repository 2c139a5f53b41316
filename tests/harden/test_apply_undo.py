"""apply / verify / undo over a real TCP adb connection to the stateful replay server."""

from __future__ import annotations

import pytest

from harden.phones import CHINA, GLOBAL, PHONES, PIXEL, SAMSUNG, plan_over_adb, recording, transport
from howsafe.harden import (
    ApplyInterrupted,
    HardenError,
    Journal,
    Phone,
    UnsafeCommandError,
    allowlist,
    apply_plan,
    load_journal,
    undo,
)
from howsafe.sources.adb import allowed_commands
from howsafe.sources.replay import ReplayServer
from howsafe.sources.replay_state import is_write


def _harden_allowed(command: str) -> bool:
    allow = allowlist()
    words = command.split(" ")
    for name in allow.commands:
        try:
            allow.parse(name, words)
        except UnsafeCommandError:
            continue
        return True
    return False


def _apply(server: ReplayServer, tmp_path, level="safe"):  # type: ignore[no-untyped-def]
    plan = plan_over_adb(server, level=level)
    serial = server.devices[0].serial
    journal = Journal.new(serial=serial, device=plan.device, profile=plan.profile, level=plan.level, folder=tmp_path)
    phone = Phone(transport(server), serial)
    return plan, journal, phone


@pytest.mark.parametrize("name", PHONES)
def test_apply_then_undo_restores_every_field(name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(name), stateful=True) as server:
        assert server.phone is not None
        original = server.phone.facts()
        plan, journal, phone = _apply(server, tmp_path, level="advanced")
        assert plan.phone_steps, f"{name}: the plan has no phone step"
        result = apply_plan(plan.phone_steps, phone, journal)
        assert result.done == len(plan.phone_steps) and result.already == 0
        changed = server.phone.facts()
        for step in plan.phone_steps:
            if step.op == "disable":
                assert changed["packages"][step.target] == {"installed": True, "enabled": False}  # type: ignore[index]
            elif step.op == "uninstall":
                assert changed["packages"][step.target]["installed"] is False  # type: ignore[index]
            elif step.op == "setting":
                assert changed["settings"][step.namespace][step.key] == step.value  # type: ignore[index]
        # every write was preceded by its journal entry: the saved journal lists them all as done
        saved = load_journal(journal.path)
        assert [e.status for e in saved.entries] == ["done"] * len(plan.phone_steps)
        assert sum(is_write(c) for c in server.commands) == len(plan.phone_steps)

        # the re-read phone shows the change (verify), and re-applying is idempotent
        plan2, journal2, phone2 = _apply(server, tmp_path)
        again = apply_plan(plan2.phone_steps, phone2, journal2)
        assert again.done == 0
        assert server.phone.facts() == changed

        restored = undo(load_journal(journal.path), phone)
        assert restored.done == len(plan.phone_steps)
        assert server.phone.facts() == original
        # undo is idempotent too
        undo(load_journal(journal.path), phone)
        assert server.phone.facts() == original
        # nothing but collection's read-only list and the harden allowlist ever reached the phone
        for command in server.commands:
            assert command in allowed_commands() or _harden_allowed(command), command


def test_china_rom_plan_uses_the_xiaomi_settings_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(CHINA), stateful=True) as server:
        plan = plan_over_adb(server)
    targets = {s.target for s in plan.phone_steps}
    assert targets == {"secure/upload_log_pref", "secure/upload_debug_log_pref", "global/personalized_ad_enabled"}
    assert all(s.menu and "Settings >" in s.menu for s in plan.phone_steps)


def test_global_and_samsung_plans_disable_vendor_collectors() -> None:
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        garnet = {s.target for s in plan_over_adb(server).phone_steps}
    assert {"com.miui.analytics", "com.miui.msa.global", "com.miui.daemon"} <= garnet
    with ReplayServer(recording(SAMSUNG), stateful=True) as server:
        a02 = {s.target for s in plan_over_adb(server).phone_steps}
    assert "com.facebook.services" in a02
    with ReplayServer(recording(PIXEL), stateful=True) as server:
        redfin = plan_over_adb(server)
    assert all(s.level == "safe" for s in redfin.steps)


def test_a_step_already_done_is_recorded_and_not_undone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        assert server.phone is not None
        server.phone.packages["com.miui.analytics"].enabled = False  # the owner disabled it already
        original = server.phone.facts()
        _, journal, phone = _apply(server, tmp_path)
        # the snapshot shows it disabled, so the plan leaves it out; force the step in anyway
        with ReplayServer(recording(GLOBAL), stateful=True) as fresh:
            forced = plan_over_adb(fresh).phone_steps
        apply_plan(forced, phone, journal)
        entry = next(e for e in journal.entries if e.target == "com.miui.analytics")
        assert entry.status == "already"
        undo(load_journal(journal.path), phone)
        assert server.phone.facts() == original
        assert server.phone.packages["com.miui.analytics"].enabled is False


@pytest.mark.parametrize("applies", [False, True])
def test_cable_pulled_mid_command_then_undo_restores(applies: bool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as probe:
        plan = plan_over_adb(probe)
    n = len(plan.phone_steps)
    for k in range(1, n + 1):
        with ReplayServer(recording(GLOBAL), stateful=True, cut_on_write=k, cut_applies=applies) as server:
            assert server.phone is not None
            original = server.phone.facts()
            serial = server.devices[0].serial
            journal = Journal.new(
                serial=serial,
                device=plan.device,
                profile=plan.profile,
                level=plan.level,
                folder=tmp_path / f"{applies}-{k}",
            )
            phone = Phone(transport(server), serial)
            with pytest.raises(ApplyInterrupted, match="outcome is unknown"):
                apply_plan(plan.phone_steps, phone, journal)
            saved = load_journal(journal.path)
            assert [e.status for e in saved.entries] == ["done"] * (k - 1) + ["pending"]
            server.replug()
            undo(saved, Phone(transport(server), phone.serial))
            assert server.phone.facts() == original, f"cut at write {k} (applied={applies})"


def test_a_refused_command_stops_the_run_and_says_what_was_done(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        assert server.phone is not None
        original = server.phone.facts()
        plan, journal, phone = _apply(server, tmp_path)
        third = plan.phone_steps[2].target
        del server.phone.packages[third]  # gone between planning and applying
        with pytest.raises(HardenError, match="not on this phone"):
            apply_plan(plan.phone_steps, phone, journal)
        saved = load_journal(journal.path)
        assert saved.state == "stopped" and [e.status for e in saved.entries] == ["done", "done"]
        undo(saved, phone)
        facts = server.phone.facts()
        orig_pkgs = dict(original["packages"])  # type: ignore[call-overload]
        del orig_pkgs[third]
        assert facts["packages"] == orig_pkgs


def test_undo_refuses_another_phone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ReplayServer(recording(GLOBAL), stateful=True) as server:
        plan, journal, phone = _apply(server, tmp_path)
        apply_plan(plan.phone_steps[:1], phone, journal)
        other = Phone(transport(server), "someone-else")
        with pytest.raises(HardenError, match="belongs to phone"):
            undo(load_journal(journal.path), other)


def test_an_id_holding_a_failure_word_is_not_mistaken_for_a_failure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from howsafe.harden import Step, allowlist
    from howsafe.sources.replay_state import PackageRecord, PhoneState

    rec = recording(GLOBAL)
    state = PhoneState.from_replies({c: r.stdout for c, r in rec.replies.items()})
    state.packages["com.example.ExceptionHandler"] = PackageRecord()  # a made-up id, for this test only
    allow = allowlist()
    step = Step(
        id="package:com.example.ExceptionHandler",
        kind="package",
        target="com.example.ExceptionHandler",
        level="safe",
        title="t",
        reason="t",
        source=("t",),
        op="disable",
        action=(allow.build("disable", package="com.example.ExceptionHandler"),),
        undo=(allow.build("enable", package="com.example.ExceptionHandler"),),
    )
    with ReplayServer(rec, stateful=True, phone=state) as server:
        journal = Journal.new(serial=rec.serial, device="t", profile="everyday", level="safe", folder=tmp_path)
        phone = Phone(transport(server), rec.serial)
        assert apply_plan([step], phone, journal).done == 1
        undo(load_journal(journal.path), phone)
        assert state.packages["com.example.ExceptionHandler"].enabled is True
