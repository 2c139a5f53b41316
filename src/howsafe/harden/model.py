"""The hardening plan: steps with their level, reason, source, phone commands and inverse commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from howsafe.harden.commands import Command

Kind = Literal["package", "setting", "account", "unfixable"]
Level = Literal["safe", "advanced", "expert", "never"]
Op = Literal["disable", "uninstall", "setting", "appops", "none"]

#: Levels a user may ask for, least to most risky.
LEVELS: tuple[Level, ...] = ("safe", "advanced", "expert")
LEVEL_RANK: dict[str, int] = {"safe": 0, "advanced": 1, "expert": 2, "never": 3}
PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Step:
    """One thing to do. ``action``/``undo`` are empty for steps only the owner can do (account,
    unfixable)."""

    id: str
    kind: Kind
    target: str
    level: Level
    title: str
    reason: str
    source: tuple[str, ...]
    op: Op = "none"
    action: tuple[Command, ...] = ()
    undo: tuple[Command, ...] = ()
    breaks: str | None = None
    collects: tuple[str, ...] = ()
    removal: str | None = None
    requires: str | None = None
    account_types: tuple[str, ...] = ()
    menu: str | None = None
    label: str | None = None
    impact: float = 0.0
    finding_ids: tuple[str, ...] = ()
    #: For settings: namespace, key, the value written, and a bit mask for bit-field keys.
    namespace: str | None = None
    key: str | None = None
    value: str | None = None
    clear_bits: int | None = None
    #: For app-ops: the op and the mode written.
    appop: str | None = None
    mode: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "level": self.level,
            "title": self.title,
            "reason": self.reason,
            "source": list(self.source),
            "action": [c.to_json() for c in self.action],
            "undo": [c.to_json() for c in self.undo],
            "breaks": self.breaks,
            "collects": list(self.collects),
            "removal": self.removal,
            "requires": self.requires,
            "menu": self.menu,
            "label": self.label,
            "impact": round(self.impact, 2),
            "finding_ids": list(self.finding_ids),
        }
        return out


@dataclass(frozen=True)
class HeldBack:
    """A package the plan does not touch at this level, and why."""

    package: str
    level: Level
    reason: str
    source: tuple[str, ...] = ()
    label: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "level": self.level,
            "reason": self.reason,
            "source": list(self.source),
            "label": self.label,
        }


@dataclass(frozen=True)
class Plan:
    device: str
    profile: str
    level: Level
    steps: tuple[Step, ...]
    held_back: tuple[HeldBack, ...] = ()
    notes: tuple[str, ...] = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    tool: str = ""

    @property
    def phone_steps(self) -> tuple[Step, ...]:
        """Steps that send commands to the phone (what ``--apply`` runs)."""
        return tuple(s for s in self.steps if s.action)

    def to_json(self) -> dict[str, object]:
        return {
            "format": "howsafe-harden-plan",
            "version": PLAN_FORMAT_VERSION,
            "tool": self.tool,
            "generated_at": self.generated_at.isoformat(),
            "device": self.device,
            "profile": self.profile,
            "level": self.level,
            "steps": [s.to_json() for s in self.steps],
            "held_back": [h.to_json() for h in self.held_back],
            "notes": list(self.notes),
        }


__all__ = ["LEVELS", "LEVEL_RANK", "HeldBack", "Kind", "Level", "Op", "Plan", "Step"]
