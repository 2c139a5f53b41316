"""A harden plan as a reviewed POSIX shell script (``--format sh``), and the script that undoes it.

Device strings reach the script only in comment lines, through :func:`~howsafe.report.sanitize.clean`
(no control character or line break can end a comment early). Every phone command was validated
word by word against the allowlist of :mod:`howsafe.harden.commands`; it is sent as ONE quoted
argument of ``adb shell``, its words quoted for the phone's shell where needed
(:func:`~howsafe.harden.commands.sh_quote`), so neither shell sees any syntax from the plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from howsafe.harden.commands import sh_quote
from howsafe.report.interface import RenderOptions
from howsafe.report.sanitize import clean

if TYPE_CHECKING:
    from howsafe.harden.commands import Command
    from howsafe.harden.model import Plan

_PLAIN = re.compile(r"[A-Za-z0-9_.:,+@%/=-]+")

_HEAD = """#!/bin/sh
# {title}
# Written by {tool} for {device} (profile {profile}, level {level}).
# Review every line before running it. Choose the phone with ANDROID_SERIAL when several are attached.
set -eu
adb_shell() {{ adb shell "$1"; }}
"""


def _line(c: Command) -> str:
    # adb joins its arguments and the phone's shell parses them again: send the validated
    # command as one argument, every word quoted for the phone, the whole quoted for this shell.
    # Allowlisted words hold no shell syntax and stay readable; any other word is quoted for the phone.
    remote = " ".join(w if _PLAIN.fullmatch(w) else sh_quote(w) for w in c.words)
    return f"adb_shell {sh_quote(remote)}"


def shell_script(plan: Plan, *, undo: bool = False) -> str:
    """The plan's phone commands as a POSIX shell script (or, with ``undo``, their inverses in
    reverse order). Comment lines carry no device text except through ``clean``."""
    title = (
        "Undo script: restores what the hardening script changed, in reverse order"
        if undo
        else "Hardening script: disables/switches off what the plan lists; its undo script reverts it"
    )
    head = _HEAD.format(
        title=title,
        tool=clean(plan.tool or "howsafe"),
        device=clean(plan.device),
        profile=clean(plan.profile),
        level=clean(plan.level),
    )
    lines = [head]
    steps = list(reversed(plan.phone_steps)) if undo else list(plan.phone_steps)
    for s in steps:
        lines.append(f"# [{s.level}] {clean(s.title)}")
        for c in reversed(s.undo) if undo else s.action:
            lines.append(_line(c))
    if not steps:
        lines.append("# nothing to do")
    return "\n".join(lines) + "\n"


def harden_sh(plan: Plan, options: RenderOptions) -> str:
    """The hardening script (its undo script is :func:`shell_script` with ``undo=True``)."""
    return shell_script(plan)
