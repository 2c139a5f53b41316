"""Harden: a plan for this phone and this threat profile, applied over adb with an undo journal.

- :mod:`.plan` builds the plan from an audit (levels from :mod:`.levels`);
- :mod:`.commands` holds the allowlist of phone commands and validates every word sent;
- :mod:`.journal` is the crash-safe undo journal (one file per run);
- :mod:`.apply` applies, verifies by read-back and undoes.

Presentation is the report layer's: ``render_as("harden", fmt, plan)`` (text, JSON, Markdown, HTML,
and a reviewed shell script from :mod:`howsafe.report.shell`).
"""

from howsafe.harden.apply import ApplyInterrupted, HardenError, Phone, apply_plan, undo
from howsafe.harden.commands import Command, UnsafeCommandError, allowlist, sh_quote
from howsafe.harden.journal import Journal, journal_dir, latest_journal, load_journal
from howsafe.harden.model import LEVELS, HeldBack, Plan, Step
from howsafe.harden.plan import build_plan

__all__ = [
    "LEVELS",
    "ApplyInterrupted",
    "Command",
    "HardenError",
    "HeldBack",
    "Journal",
    "Phone",
    "Plan",
    "Step",
    "UnsafeCommandError",
    "allowlist",
    "apply_plan",
    "build_plan",
    "journal_dir",
    "latest_journal",
    "load_journal",
    "sh_quote",
    "undo",
]
