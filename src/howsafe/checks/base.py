"""What a check is, what it receives, and how its prose is kept as data.

A check is a small object with an ``id`` and a ``run(ctx)`` that returns Findings. Its human text
(title, why it matters, remediation, references, default severity) lives in
``checks/defs/<id>.toml`` so that reviewers and translators edit prose without touching logic,
and a schema test validates every definition (after OpenSSF scorecard's ``probes/*/def.yml``).

A check never talks to a device and never raises for missing data: it returns a finding with
outcome ``not_available``. An exception inside a check is caught by the engine and becomes an
``error`` finding for that check only.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.model import Area, Evidence, Finding, Outcome, Severity, Snapshot

if TYPE_CHECKING:
    from howsafe.apk.model import AppReport
    from howsafe.iocs.model import IndicatorSet
    from howsafe.net.model import NetworkReport

DEFS_DIR = Path(__file__).resolve().parent / "defs"


@dataclass(frozen=True)
class AuditContext:
    """Everything a check may read. Optional evidence is ``None`` when the user did not supply it."""

    snapshot: Snapshot
    kb: KnowledgeBase
    today: dt.date
    profile: str = "everyday"
    apps: Sequence[AppReport] | None = None
    network: NetworkReport | None = None
    iocs: IndicatorSet | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckDef:
    """A check's prose and metadata, read from its TOML definition."""

    id: str
    area: Area
    title: str
    why: str
    remediation: str
    severity: Severity
    references: tuple[str, ...] = ()
    pass_title: str = ""

    def finding(
        self,
        outcome: Outcome,
        *,
        summary: str = "",
        evidence: Sequence[Evidence] = (),
        severity: Severity | None = None,
        subject: str | None = None,
        title: str | None = None,
        remediation: str | None = None,
        references: Sequence[str] = (),
        confidence: Literal["high", "medium", "low"] = "high",
        tags: Sequence[str] = (),
    ) -> Finding:
        """Build a Finding carrying this definition's prose; ``subject`` makes the id unique."""
        if title is None:
            title = self.pass_title if outcome is Outcome.PASS and self.pass_title else self.title
        sev = severity if severity is not None else self.severity
        if outcome is not Outcome.FAIL and severity is None:
            sev = Severity.INFO
        return Finding(
            id=f"{self.id}:{subject}" if subject else self.id,
            check=self.id,
            area=self.area,
            title=title,
            severity=sev,
            outcome=outcome,
            summary=summary,
            why=self.why,
            evidence=tuple(evidence),
            remediation=self.remediation if remediation is None else remediation,
            references=tuple(self.references) + tuple(r for r in references if r not in self.references),
            confidence=confidence,
            tags=tuple(tags),
        )

    def not_available(self, what: str) -> Finding:
        """The snapshot lacks what this check needs: say so, never guess."""
        return self.finding(Outcome.NOT_AVAILABLE, summary=f"Not available: {what}.")

    def not_applicable(self, why: str) -> Finding:
        return self.finding(Outcome.NOT_APPLICABLE, summary=why)


@cache
def load_def(check_id: str) -> CheckDef:
    """Read ``defs/<check_id>.toml`` (file names use the id with dots replaced by underscores)."""
    path = DEFS_DIR / f"{check_id.replace('.', '_')}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"check definition {path.name} is missing or invalid: {exc}") from exc
    try:
        return CheckDef(
            id=raw["id"],
            area=Area(raw["area"]),
            title=raw["title"],
            why=raw["why"],
            remediation=raw["remediation"],
            severity=Severity(raw["severity"]),
            references=tuple(raw.get("references", ())),
            pass_title=raw.get("pass_title", ""),
        )
    except (KeyError, ValueError) as exc:
        raise KnowledgeError(f"check definition {path.name} is invalid: {exc}") from exc


class Check(Protocol):
    """A check: ``id`` matches its definition file; ``run`` returns one or more findings."""

    id: str

    def run(self, ctx: AuditContext) -> Sequence[Finding]: ...
