"""Upload and re-audit: a snapshot in, audited for every profile, stored in one transaction.

The audit runs before the transaction opens (it needs no database); the rows of one snapshot
(device update, snapshot, one audit per profile, failed findings, flagged evidence) are written in
a single transaction, so a crash or a killed server leaves either all of them or none. The same
snapshot (same canonical JSON, hence same SHA-256) uploaded twice by one org is one record.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from howsafe import __version__
from howsafe.engine import Auditor
from howsafe.errors import CorruptInputError
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome, Report, Snapshot, to_builtins, to_json
from howsafe.score import available_profiles
from howsafe.sources.snapshot import snapshot_from_json
from howsafe.store.models import AuditRow, Device, FindingRow, FlagRow, SnapshotRow
from howsafe.store.tokens import now

log = logging.getLogger(__name__)

FINDINGS_PROFILE = "everyday"
EOL_CHECKS = frozenset({"updates.device_eol", "updates.android_eol"})
MAX_LABEL = 300


def pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)


def unpack(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def clean(text: str, limit: int) -> str:
    """Text a database column can hold: no NUL (PostgreSQL refuses it), no lone surrogate, bounded."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")[:limit]


def _opt(text: str | None, limit: int) -> str | None:
    return clean(text, limit) if text else None


def default_label(snapshot: Snapshot) -> str:
    """A device's name when the uploader gave none: brand, market name or model, codename."""
    d = snapshot.device
    name = d.display_name()
    parts = [name, f"({d.device})" if d.device and d.device != name else ""]
    return clean(" ".join(p for p in parts if p), MAX_LABEL) or "unknown device"


class FleetAuditor:
    """The audit engine for every profile, with one knowledge base loaded once."""

    def __init__(self, kb: KnowledgeBase | None = None, *, profiles: Sequence[str] | None = None) -> None:
        self.kb = kb or KnowledgeBase.default()
        self.profiles = list(profiles or available_profiles())
        self.auditor = Auditor(self.kb)
        self._extras: dict[str, object] = {}
        try:
            from howsafe.iocs import load_indicator_set

            self._extras["iocs"] = load_indicator_set([])
        except Exception:  # stored indicator collections are optional for the server
            log.warning("stored IOC collections could not be loaded; auditing without them", exc_info=True)
        self._kb_version: str | None = None

    def audit(self, snapshot: Snapshot) -> dict[str, Report]:
        """One report per profile. The derived facts (open CVEs, China ROM) depend on the snapshot,
        the knowledge and the date, not on the profile: they are computed once and shared."""
        base = self.auditor.context(snapshot, **self._extras)
        out: dict[str, Report] = {}
        for p in self.profiles:
            out[p] = self.auditor.run(base.for_profile(p), p)
        return out

    def kb_version(self, report: Report | None = None) -> str:
        """A short hash of this howsafe's version and the data sources an audit relied on."""
        if self._kb_version is None:
            if report is None:
                return "unknown"
            blob = json.dumps([__version__, [to_builtins(s) for s in report.data_sources]], sort_keys=True)
            self._kb_version = hashlib.sha256(blob.encode()).hexdigest()[:16]
        return self._kb_version


@dataclass(frozen=True)
class IngestResult:
    snapshot_id: int
    device_id: int
    sha256: str
    created: bool
    grades: dict[str, str] = field(default_factory=dict)


def parse_snapshot(body: bytes) -> tuple[Snapshot, str]:
    """Validate an uploaded snapshot (same schema as the CLI, redacted) and its canonical hash."""
    snapshot = snapshot_from_json(body, location="upload", redact=True)
    try:
        canonical = to_json(snapshot)
    except UnicodeEncodeError as exc:  # e.g. an unpaired surrogate escaped in the JSON
        raise CorruptInputError(f"upload: the snapshot's text is not valid Unicode ({exc})") from exc
    return snapshot, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _existing(session: Session, org_id: int, sha: str) -> IngestResult | None:
    row = session.execute(
        select(SnapshotRow.id, SnapshotRow.device_id).where(SnapshotRow.org_id == org_id, SnapshotRow.sha256 == sha)
    ).first()
    if row is None:
        return None
    grades = dict(session.execute(select(AuditRow.profile, AuditRow.grade).where(AuditRow.snapshot_id == row[0])).all())
    return IngestResult(snapshot_id=row[0], device_id=row[1], sha256=sha, created=False, grades=grades)


def _finding_rows(reports: dict[str, Report]) -> tuple[list[FindingRow], list[FlagRow], bool]:
    base = reports.get(FINDINGS_PROFILE) or next(iter(reports.values()))
    findings: list[FindingRow] = []
    flags: dict[tuple[str, str], FlagRow] = {}
    eol = False
    for f in base.findings:
        if f.outcome is not Outcome.FAIL:
            continue
        eol = eol or f.check in EOL_CHECKS
        findings.append(
            FindingRow(
                finding_id=clean(f.id, 300),
                check=clean(f.check, 100),
                area=f.area.value,
                severity=f.severity.value,
                title=clean(f.title, 500),
            )
        )
        category = "vendor_package" if f.check.startswith("vendor.") else ("tracker" if "tracker" in f.check else "")
        if not category:
            continue
        for e in f.evidence:
            if category == "vendor_package" and e.kind != "package":
                continue
            key = (e.value or e.key) if category == "tracker" and e.kind == "tracker" else e.key
            key = clean(key, 300)
            flags.setdefault((category, key), FlagRow(category=category, key=key))
    return findings, list(flags.values()), eol


def _audit_rows(fleet: FleetAuditor, reports: dict[str, Report]) -> list[AuditRow]:
    when = now()
    return [
        AuditRow(
            profile=p,
            grade=r.verdict.grade.value,
            score=r.verdict.score,
            kb_version=fleet.kb_version(r),
            audited_at=when,
            report=pack(to_json(r)),
        )
        for p, r in reports.items()
    ]


def ingest(engine: Engine, fleet: FleetAuditor, *, org_id: int, body: bytes, label: str | None = None) -> IngestResult:
    """Store and audit one uploaded snapshot for ``org_id`` (idempotent by content hash)."""
    snapshot, sha = parse_snapshot(body)
    with Session(engine) as session:
        found = _existing(session, org_id, sha)
        if found is not None:
            return found
    reports = fleet.audit(snapshot)
    name = clean((label or "").strip(), MAX_LABEL) or default_label(snapshot)
    d = snapshot.device
    eol_findings, flags, eol = _finding_rows(reports)
    canonical = to_json(snapshot)
    try:
        with Session(engine) as session, session.begin():
            device = session.scalars(select(Device).where(Device.org_id == org_id, Device.label == name)).first()
            when = now()
            if device is None:
                device = Device(org_id=org_id, label=name, last_seen=when)
                session.add(device)
                session.flush()
            row = SnapshotRow(
                org_id=org_id,
                device_id=device.id,
                sha256=sha,
                uploaded_at=when,
                security_patch=d.security_patch,
                android=_opt(d.android_release, 50),
                size=len(canonical),
                data=pack(canonical),
            )
            session.add(row)
            session.flush()
            for audit in _audit_rows(fleet, reports):
                audit.snapshot_id = row.id
                session.add(audit)
            for finding in eol_findings:
                finding.snapshot_id = row.id
                session.add(finding)
            for flag in flags:
                flag.snapshot_id = row.id
                session.add(flag)
            device.brand = _opt(d.brand, 200)
            device.model = _opt(d.marketname or d.model, 200)
            device.android = _opt(d.android_release, 50)
            device.security_patch = d.security_patch
            device.end_of_support = eol
            device.last_seen = when
            device.latest_snapshot_id = row.id
            result = IngestResult(
                snapshot_id=row.id,
                device_id=device.id,
                sha256=sha,
                created=True,
                grades={p: r.verdict.grade.value for p, r in reports.items()},
            )
    except IntegrityError:
        # The same snapshot arrived concurrently (or the label raced): the other upload won.
        with Session(engine) as session:
            found = _existing(session, org_id, sha)
        if found is None:
            raise
        return found
    return result


Progress = Callable[[int, int], None]


def reaudit(
    engine: Engine,
    fleet: FleetAuditor,
    *,
    only_stale: bool = True,
    progress: Progress | None = None,
    batch: int = 50,
) -> tuple[int, int]:
    """Audit stored snapshots again with the current knowledge; returns (re-audited, total).

    Each snapshot is rewritten in its own transaction, so an interrupted re-audit leaves every
    snapshot either with its old audits or with its new ones, and can simply be started again.
    """
    with Session(engine) as session:
        ids = list(session.scalars(select(SnapshotRow.id).order_by(SnapshotRow.id)))
    total = len(ids)
    done = 0
    redone = 0
    current: str | None = None
    for start in range(0, total, batch):
        chunk = ids[start : start + batch]
        with Session(engine) as session:
            blobs = dict(
                session.execute(select(SnapshotRow.id, SnapshotRow.data).where(SnapshotRow.id.in_(chunk))).all()
            )
            versions = dict(
                session.execute(
                    select(AuditRow.snapshot_id, func.min(AuditRow.kb_version))
                    .where(AuditRow.snapshot_id.in_(chunk))
                    .group_by(AuditRow.snapshot_id)
                ).all()
            )
            counts = dict(
                session.execute(
                    select(AuditRow.snapshot_id, func.count())
                    .where(AuditRow.snapshot_id.in_(chunk))
                    .group_by(AuditRow.snapshot_id)
                ).all()
            )
        for sid in chunk:
            blob = blobs.get(sid)
            done += 1
            if blob is None:
                continue
            if (
                only_stale
                and current is not None
                and versions.get(sid) == current
                and counts.get(sid) == len(fleet.profiles)
            ):
                if progress:
                    progress(done, total)
                continue
            snapshot = snapshot_from_json(unpack(blob), location=f"snapshot {sid}", redact=True)
            reports = fleet.audit(snapshot)
            current = fleet.kb_version(next(iter(reports.values())))
            if only_stale and versions.get(sid) == current and counts.get(sid) == len(fleet.profiles):
                if progress:
                    progress(done, total)
                continue
            _replace_audits(engine, fleet, sid, reports)
            redone += 1
            if progress:
                progress(done, total)
    return redone, total


def _replace_audits(engine: Engine, fleet: FleetAuditor, sid: int, reports: dict[str, Report]) -> None:
    findings, flags, eol = _finding_rows(reports)
    with Session(engine) as session, session.begin():
        session.execute(delete(AuditRow).where(AuditRow.snapshot_id == sid))
        session.execute(delete(FindingRow).where(FindingRow.snapshot_id == sid))
        session.execute(delete(FlagRow).where(FlagRow.snapshot_id == sid))
        rows: list[AuditRow | FindingRow | FlagRow] = [*_audit_rows(fleet, reports), *findings, *flags]
        for row in rows:
            row.snapshot_id = sid
            session.add(row)
        device = session.scalars(select(Device).where(Device.latest_snapshot_id == sid)).first()
        if device is not None:
            device.end_of_support = eol
