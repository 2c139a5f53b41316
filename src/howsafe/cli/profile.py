"""``howsafe profile``: find out whose phone this is, pick the threat profile, remember it.

The questions are the seed's: who might want your data, do you handle classified or official
information, are you someone who may be targeted on purpose (journalist, activist, lawyer), does
the phone hold information that must not reach the wrong hands. Answers map to one of the four
profiles in ``score/profiles`` (the questions and the mapping are data: ``score/profiles/questions.toml``)
by the first rule that matches, strictest first, so one "yes" to a
government question is never diluted by "no" elsewhere. The mapping is a pure function
(:func:`profile_from_answers`) so it can be tested and explained.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click

from howsafe.errors import HowsafeError
from howsafe.score import available_profiles, load_profile
from howsafe.score.jurisdiction import country_name, normalise_country
from howsafe.score.questions import Question, load_questions
from howsafe.score.saved import config_path, save_profile

_Q = load_questions()
QUESTIONS: tuple[Question, ...] = _Q.question
WHO_CHOICES = tuple(w.key for w in _Q.who)
_WHO_PROFILE = {w.key: (w.profile, w.because) for w in _Q.who}
_ORDER = _Q.order


def profile_from_answers(answers: Mapping[str, str]) -> tuple[str, list[str]]:
    """The profile the answers call for, and the reasons (the answers that decided it).

    ``answers`` maps question keys to ``"yes"``/``"no"`` and ``"who"`` to one of WHO_CHOICES;
    missing keys count as "no" / not given. The strictest profile any answer calls for wins.
    """
    wanted: dict[str, list[str]] = {p: [] for p in _ORDER}
    for q in QUESTIONS:
        if answers.get(q.key, "no").strip().lower() in ("yes", "y", "true", "1"):
            wanted[q.profile].append(q.because)
    who = answers.get("who")
    if who in _WHO_PROFILE:
        prof, because = _WHO_PROFILE[who]
        wanted[prof].append(because)
    for prof in _ORDER:
        if wanted[prof]:
            return prof, wanted[prof]
    return "everyday", ["no answer pointed to a targeted or sensitive use"]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def saved_answers() -> dict[str, str]:
    """The answers stored with the profile (empty when none or unreadable)."""
    import json

    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        return {}
    return {str(k): str(v) for k, v in answers.items()}


def _show() -> int:
    from howsafe.score.saved import saved_profile

    current = saved_profile()
    if current is None:
        click.echo("No profile saved: audits use 'everyday'. Run `howsafe profile` to choose one.")
        return 0
    try:
        prof = load_profile(current)
    except HowsafeError:  # a stale saved id must not break --show
        click.echo(f"Saved profile {current!r} is not known to this version; run `howsafe profile` again.")
        return 0
    shown = prof.name if prof.name.startswith(prof.id) else f"{prof.id} ({prof.name})"
    click.echo(f"Current profile: {shown}")
    click.echo(prof.description)
    from howsafe.score.saved import saved_country

    home = saved_country()
    if home:
        click.echo(f"Home country: {country_name(home)}")
    answers = saved_answers()
    if answers:
        from howsafe.report.sanitize import clean

        click.echo(clean("Answers: " + ", ".join(f"{k}={v}" for k, v in sorted(answers.items()))))
    click.echo(f"Saved in {config_path()}. `howsafe audit --profile NAME` overrides it for one audit.")
    return 0


@click.command()
@click.option("--show", is_flag=True, help="Print the profile saved now and exit.")
@click.option(
    "--set",
    "set_id",
    type=click.Choice(available_profiles()),
    default=None,
    help="Save this profile directly, without questions.",
)
@click.option(
    "--classified/--no-classified",
    default=None,
    help="You handle classified, official or military information.",
)
@click.option(
    "--state-interest/--no-state-interest",
    default=None,
    help="You work for a government, military or critical infrastructure.",
)
@click.option(
    "--targeted/--no-targeted",
    default=None,
    help="You are a journalist, activist, lawyer or otherwise may be targeted.",
)
@click.option("--watched/--no-watched", default=None, help="Someone close to you may want to watch the phone.")
@click.option(
    "--sensitive/--no-sensitive",
    default=None,
    help="The phone holds information that must not reach the wrong hands.",
)
@click.option("--who", type=click.Choice(WHO_CHOICES), default=None, help="Who you think might want your data.")
@click.option("--non-interactive", is_flag=True, help="Never prompt: questions without an answer flag count as 'no'.")
@click.option(
    "--country",
    default=None,
    metavar="CC",
    help="Your home country (ISO code such as DE): for the government profile, 'foreign "
    "jurisdiction' means any other state.",
)
def profile(
    show: bool,
    set_id: str | None,
    classified: bool | None,
    state_interest: bool | None,
    targeted: bool | None,
    watched: bool | None,
    sensitive: bool | None,
    who: str | None,
    non_interactive: bool,
    country: str | None,
) -> int:
    """Choose your threat profile (everyday, private, at-risk, government) and remember it.

    Without options it asks a few questions. Answer flags (--targeted, --no-classified, --who ...)
    answer them on the command line; --set NAME picks a profile directly; --show prints the current one.
    """
    if show:
        return _show()
    home = normalise_country(country) if country is not None else None
    flags = {
        "classified": classified,
        "state_interest": state_interest,
        "targeted": targeted,
        "watched": watched,
        "sensitive": sensitive,
    }
    if set_id is not None:
        if any(v is not None for v in flags.values()) or who is not None:
            raise click.UsageError("--set cannot be combined with answer flags")
        prof = load_profile(set_id)
        path = save_profile(set_id, {"set": set_id}, country=home)
        click.echo(f"Profile saved: {prof.id} ({prof.name}). Stored in {path}.")
        _country_line(prof.jurisdiction_relative, home)
        return 0
    answered_any = any(v is not None for v in flags.values()) or who is not None
    ask = not non_interactive and not answered_any
    answers: dict[str, str] = {}
    try:
        for q in QUESTIONS:
            value = flags[q.key]
            if value is None and ask:
                value = click.confirm(q.text, default=False)
            answers[q.key] = _yes_no(bool(value))
        if who is None and ask:
            who = click.prompt(
                "Who do you think might want your data?",
                type=click.Choice(WHO_CHOICES),
                default="advertisers",
                show_choices=True,
            )
    except click.Abort:
        if sys.stdin is not None and not sys.stdin.isatty():
            raise click.UsageError(
                "no answers on standard input; use answer flags (--targeted, --classified ...), "
                "--non-interactive or --set NAME"
            ) from None
        raise
    if who is not None:
        answers["who"] = who
    prof_id, reasons = profile_from_answers(answers)
    prof = load_profile(prof_id)
    if prof.jurisdiction_relative and home is None and ask:
        try:
            home = normalise_country(
                click.prompt(
                    "Which country is your home country (the state you work for)? ISO code, e.g. DE",
                    default="",
                    show_default=False,
                )
                or "--"
            )
        except HowsafeError:
            home = None
        except click.Abort:
            home = None
    path = save_profile(prof_id, answers, country=home)
    click.echo(f"Your profile: {prof.id} ({prof.name}), because " + "; ".join(reasons) + ".")
    click.echo(prof.description)
    click.echo(f"Saved in {path}. `howsafe audit` uses it from now on; --profile overrides it.")
    _country_line(prof.jurisdiction_relative, home)
    return 0


def _country_line(relative: bool, home: str | None) -> None:
    if home:
        click.echo(f"Home country: {country_name(home)}; data held under any other state's jurisdiction is foreign.")
    elif relative:
        click.echo(
            "Home country not set: every state's jurisdiction counts as foreign. "
            "Set it with `howsafe profile --country CC` (or `howsafe audit --country CC`)."
        )
