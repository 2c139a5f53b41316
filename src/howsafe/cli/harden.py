"""``howsafe harden`` (plan, apply, verify) and ``howsafe undo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from howsafe.cli.common import chosen_profile, load_source, refuse_output_over_inputs, write_output
from howsafe.errors import InputError
from howsafe.harden.model import LEVELS
from howsafe.model import Report, Snapshot
from howsafe.report.formats import formats_for, render_as
from howsafe.score import available_profiles, load_profile


def _audit(snapshot: Snapshot, profile_id: str) -> Report:
    from howsafe.engine import Auditor
    from howsafe.kb import KnowledgeBase

    kb = KnowledgeBase.default()
    auditor = Auditor(kb)
    return auditor.run(auditor.context(snapshot), load_profile(profile_id))


def _verdict_json(report: Report) -> dict[str, object]:
    v = report.verdict
    return {
        "profile": v.profile,
        "grade": v.grade.value,
        "score": v.score,
        "areas": {a.area.value: {"grade": a.grade.value, "score": a.score} for a in v.areas},
    }


def _say(text: str) -> None:
    """One progress line on stderr; it may name a phone's serial or packages: sanitised."""
    from howsafe.report.sanitize import clean

    click.echo(clean(text), err=True)


@click.command()
@click.argument("source", required=False)
@click.option("--adb", is_flag=True, help="Read (and with --apply, change) the phone attached over adb.")
@click.option("--serial", "-s", help="adb serial of the phone when several are attached.")
@click.option("--demo", is_flag=True, help="Plan for the bundled sample device.")
@click.option(
    "--profile",
    "profile_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Threat profile (default: the one saved by `howsafe profile`, else everyday).",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="safe",
    show_default=True,
    help="How far to go: safe (nothing you use breaks), advanced (named features stop), expert.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(formats_for("harden")),
    default="text",
    show_default=True,
    help="sh writes a reviewed shell script; with -o FILE also FILE's undo script (FILE.undo.sh).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan here.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the plan to the phone (needs --adb).")
@click.option("--yes", is_flag=True, help="With --apply: do not ask for confirmation.")
@click.option("--verify", is_flag=True, help="Re-audit the phone (--adb) and show the grades before and now.")
@click.option(
    "--signed-out",
    is_flag=True,
    help="With --apply: you signed out of vendor accounts (for phones that do not show them over adb).",
)
def harden(
    source: str | None,
    adb: bool,
    serial: str | None,
    demo: bool,
    profile_id: str | None,
    level: str,
    fmt: str,
    output: Path | None,
    do_apply: bool,
    yes: bool,
    verify: bool,
    signed_out: bool,
) -> int:
    """A plan to make SOURCE (or the phone attached with --adb) safer for your profile: packages to
    disable, settings to switch off, accounts to review, and what cannot be fixed.

    Dry run unless --apply. Every change is written to an undo journal before it is made;
    `howsafe undo --adb` restores the phone.
    """
    from howsafe.harden import build_plan
    from howsafe.harden.model import Level
    from howsafe.kb import KnowledgeBase

    if (do_apply or verify) and not adb:
        raise click.UsageError("--apply and --verify work on the phone attached over adb: add --adb")
    if do_apply and verify:
        raise click.UsageError("give --apply or --verify, not both")
    refuse_output_over_inputs(output, source)
    profile_name = chosen_profile(profile_id)
    transport = phone_serial = None
    if adb:
        from howsafe.sources.adb import collect_adb, select_device
        from howsafe.sources.adb_transport import AdbServerTransport

        chosen = sum(bool(x) for x in (source, demo))
        if chosen:
            raise click.UsageError("give exactly one of SOURCE, --adb or --demo")
        transport = AdbServerTransport()
        phone_serial = select_device(transport.devices(), serial)
        snapshot = collect_adb(phone_serial, transport=transport, redact=True)
    else:
        snapshot = load_source(source, adb=False, serial=serial, demo=demo, redact=True)
    report = _audit(snapshot, profile_name)

    if verify:
        assert phone_serial is not None
        return _verify(report, phone_serial)

    kb = KnowledgeBase.default()
    lv: Level = "advanced" if level == "advanced" else "expert" if level == "expert" else "safe"
    plan = build_plan(snapshot, kb, load_profile(profile_name), report.findings, level=lv)
    if fmt == "sh" and output is not None:
        undo_path = output.with_name(output.name.removesuffix(".sh") + ".undo.sh")
        refuse_output_over_inputs(undo_path, source)
        from howsafe.report.shell import shell_script

        write_output(shell_script(plan, undo=True), undo_path)
    write_output(render_as("harden", fmt, plan), output)
    if not do_apply:
        return 0

    assert transport is not None and phone_serial is not None
    steps = plan.phone_steps
    if not steps:
        _say("howsafe: nothing to apply at this level")
        return 0
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("--apply asks before changing the phone; pass --yes to apply without asking")
        from howsafe.report.sanitize import clean

        if not click.confirm(f"Apply {len(steps)} step(s) to phone {clean(phone_serial)}?", default=False, err=True):
            _say("howsafe: nothing was changed")
            return 0

    from howsafe.harden import Journal, Phone, apply_plan

    journal = Journal.new(
        serial=phone_serial,
        device=plan.device,
        profile=plan.profile,
        level=plan.level,
        before_verdict=_verdict_json(report),
    )
    _say(f"howsafe: undo journal: {journal.path}")

    def progress(what: str, done: int, total: int) -> None:
        if done < total:
            _say(f"[{done + 1}/{total}] {what}")

    try:
        result = apply_plan(steps, Phone(transport, phone_serial), journal, observer=progress, signed_out=signed_out)
    except KeyboardInterrupt:
        _say(f"howsafe: interrupted; the last step may or may not have run. Undo: howsafe undo {journal.path} --adb")
        raise
    _say(
        f"howsafe: applied {result.done} step(s), {result.already} already in place; verified by reading "
        f"the phone back. Undo: howsafe undo {journal.path} --adb"
    )
    return 0


def _verify(report: Report, serial: str) -> int:
    from howsafe.harden import load_journal
    from howsafe.harden.journal import journal_dir

    now = _verdict_json(report)
    folder = journal_dir()
    paths = sorted(folder.glob("harden-*.json"), reverse=True) if folder.is_dir() else []
    before: dict[str, object] | None = None
    where = ""
    for path in paths:
        journal = load_journal(path)
        if journal.serial == serial:
            before, where = journal.before_verdict, str(path)
            break
    lines = [f"profile {now['profile']}: now {now['grade']} ({_score(now.get('score'))})"]
    if before:
        lines.insert(0, f"before hardening ({where}): {before.get('grade')} ({_score(before.get('score'))})")
        b_areas = before.get("areas")
        n_areas = now.get("areas")
        if isinstance(b_areas, dict) and isinstance(n_areas, dict):
            for area, val in n_areas.items():
                old = b_areas.get(area, {})
                if isinstance(val, dict) and isinstance(old, dict):
                    lines.append(
                        f"  {area}: {old.get('grade', '?')} ({_score(old.get('score'))}) -> "
                        f"{val.get('grade')} ({_score(val.get('score'))})"
                    )
    else:
        lines.insert(0, f"no harden journal for phone {serial}: showing the grade now only")
    from howsafe.report.sanitize import clean

    click.echo("\n".join(clean(line) for line in lines))
    return 0


def _score(value: object) -> str:
    return f"{value:.0f}/100" if isinstance(value, int | float) else "no score"


@click.command()
@click.argument("journal_path", metavar="[JOURNAL]", required=False, type=click.Path(path_type=Path))
@click.option("--adb", is_flag=True, required=True, help="Restore the phone attached over adb (required).")
@click.option("--serial", "-s", help="adb serial of the phone (default: the one the journal names).")
def undo(journal_path: Path | None, adb: bool, serial: str | None) -> int:
    """Restore what `howsafe harden --apply` changed, newest step first, from its JOURNAL (default:
    the newest journal not yet undone). Steps whose outcome is unknown are checked on the phone."""
    from howsafe.harden import Phone, latest_journal, load_journal
    from howsafe.harden import undo as undo_journal
    from howsafe.sources.adb import select_device
    from howsafe.sources.adb_transport import AdbServerTransport

    if not adb:
        raise click.UsageError("undo works on the phone attached over adb: add --adb")
    path = journal_path if journal_path is not None else latest_journal(serial=serial)
    journal = load_journal(path)
    if journal.state == "undone":
        _say(f"howsafe: {path} was already undone; checking the phone again")
    transport = AdbServerTransport()
    target = serial or journal.serial
    if serial is not None and serial != journal.serial:
        raise InputError(f"journal {path} belongs to phone {journal.serial}, not {serial}")
    chosen = select_device(transport.devices(), target)
    _say(f"howsafe: restoring phone {chosen} from {path}")

    def progress(what: str, done: int, total: int) -> None:
        if done < total:
            _say(f"[{done + 1}/{total}] {what}")

    result = undo_journal(journal, Phone(transport, chosen), observer=progress)
    _say(
        f"howsafe: restored {result.done} step(s); {result.total - result.done} needed nothing. "
        "The phone is back to its state before that run."
    )
    try:
        earlier = latest_journal(serial=journal.serial)
    except InputError:
        return 0
    _say(f"howsafe: an earlier run still has changes to undo ({earlier}): run `howsafe undo --adb` again")
    return 0
