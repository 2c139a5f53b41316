"""Read side of the fleet: every query takes the caller's ``org_id`` and never crosses it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from howsafe.store.models import AuditRow, Device, FindingRow, FlagRow, SnapshotRow

PATCH_BUCKETS = ("< 3 months", "3-6 months", "6-12 months", "1-2 years", "> 2 years", "unknown")
GRADES = ("A", "B", "C", "D", "E", "F", "?")


@dataclass(frozen=True)
class DeviceRow:
    id: int
    label: str
    brand: str | None
    model: str | None
    android: str | None
    security_patch: dt.date | None
    last_seen: dt.datetime
    end_of_support: bool
    grades: dict[str, str]


@dataclass(frozen=True)
class HistoryEntry:
    snapshot_id: int
    uploaded_at: dt.datetime
    security_patch: dt.date | None
    android: str | None
    grades: dict[str, str]
    appeared: list[str]
    fixed: list[str]


@dataclass(frozen=True)
class DeviceDetail:
    device: DeviceRow
    history: list[HistoryEntry]
    findings: list[tuple[str, str, str, str]]  # id, severity, area, title of the latest snapshot


@dataclass(frozen=True)
class FleetSummary:
    devices: int
    snapshots: int
    grades: dict[str, dict[str, int]]
    patch_lag: dict[str, int]
    vendor_packages: list[tuple[str, int]]
    trackers: list[tuple[str, int]]
    end_of_support: int
    end_of_support_devices: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DeviceFilter:
    q: str | None = None
    brand: str | None = None
    profile: str | None = None
    grade: str | None = None
    end_of_support: bool | None = None


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def patch_bucket(patch: dt.date | None, today: dt.date) -> str:
    if patch is None:
        return "unknown"
    months = (today.year - patch.year) * 12 + (today.month - patch.month)
    if months < 3:
        return PATCH_BUCKETS[0]
    if months < 6:
        return PATCH_BUCKETS[1]
    if months < 12:
        return PATCH_BUCKETS[2]
    if months < 24:
        return PATCH_BUCKETS[3]
    return PATCH_BUCKETS[4]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(org_id: int, flt: DeviceFilter) -> Select[Device]:
    stmt = select(Device).where(Device.org_id == org_id)
    if flt.q:
        like = f"%{_escape_like(flt.q.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Device.label).like(like, escape="\\"),
                func.lower(Device.model).like(like, escape="\\"),
                func.lower(Device.brand).like(like, escape="\\"),
            )
        )
    if flt.brand:
        stmt = stmt.where(func.lower(Device.brand) == flt.brand.lower())
    if flt.end_of_support is not None:
        stmt = stmt.where(Device.end_of_support.is_(flt.end_of_support))
    if flt.grade:
        stmt = stmt.join(
            AuditRow,
            and_(
                AuditRow.snapshot_id == Device.latest_snapshot_id,
                AuditRow.profile == (flt.profile or "everyday"),
                AuditRow.grade == flt.grade,
            ),
        )
    return stmt


def _grades_for(session: Session, snapshot_ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = defaultdict(dict)
    if not snapshot_ids:
        return out
    rows = session.execute(
        select(AuditRow.snapshot_id, AuditRow.profile, AuditRow.grade).where(AuditRow.snapshot_id.in_(snapshot_ids))
    )
    for sid, profile, grade in rows:
        out[sid][profile] = grade
    return out


def _device_row(d: Device, grades: dict[int, dict[str, str]]) -> DeviceRow:
    return DeviceRow(
        id=d.id,
        label=d.label,
        brand=d.brand,
        model=d.model,
        android=d.android,
        security_patch=d.security_patch,
        last_seen=utc(d.last_seen),
        end_of_support=d.end_of_support,
        grades=dict(sorted(grades.get(d.latest_snapshot_id or -1, {}).items())),
    )


def list_devices(
    session: Session, org_id: int, flt: DeviceFilter | None = None, *, limit: int = 100, offset: int = 0
) -> tuple[list[DeviceRow], int]:
    """One page of the org's devices (newest first) and the total matching the filter."""
    flt = flt or DeviceFilter()
    base = _filtered(org_id, flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    devices = list(
        session.scalars(base.order_by(Device.last_seen.desc(), Device.id.desc()).limit(limit).offset(offset))
    )
    grades = _grades_for(session, [d.latest_snapshot_id for d in devices if d.latest_snapshot_id])
    return [_device_row(d, grades) for d in devices], total


def get_device(session: Session, org_id: int, device_id: int) -> Device | None:
    return session.scalars(select(Device).where(Device.id == device_id, Device.org_id == org_id)).first()


def device_detail(session: Session, org_id: int, device_id: int, *, max_history: int = 200) -> DeviceDetail | None:
    d = get_device(session, org_id, device_id)
    if d is None:
        return None
    snaps = list(
        session.execute(
            select(SnapshotRow.id, SnapshotRow.uploaded_at, SnapshotRow.security_patch, SnapshotRow.android)
            .where(SnapshotRow.device_id == d.id, SnapshotRow.org_id == org_id)
            .order_by(SnapshotRow.id.desc())
            .limit(max_history)
        )
    )
    snaps.reverse()
    ids = [s[0] for s in snaps]
    grades = _grades_for(session, ids)
    found: dict[int, dict[str, tuple[str, str, str]]] = defaultdict(dict)
    if ids:
        for sid, fid, sev, area, title in session.execute(
            select(
                FindingRow.snapshot_id, FindingRow.finding_id, FindingRow.severity, FindingRow.area, FindingRow.title
            ).where(FindingRow.snapshot_id.in_(ids))
        ):
            found[sid][fid] = (sev, area, title)
    history: list[HistoryEntry] = []
    previous: set[str] | None = None
    for sid, uploaded, patch, android in snaps:
        now_ids = set(found[sid])
        appeared = sorted(now_ids - previous) if previous is not None else sorted(now_ids)
        fixed = sorted(previous - now_ids) if previous is not None else []
        history.append(
            HistoryEntry(
                snapshot_id=sid,
                uploaded_at=utc(uploaded),
                security_patch=patch,
                android=android,
                grades=dict(sorted(grades.get(sid, {}).items())),
                appeared=appeared,
                fixed=fixed,
            )
        )
        previous = now_ids
    latest = found.get(d.latest_snapshot_id or -1, {})
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    findings = sorted(((fid, *v) for fid, v in latest.items()), key=lambda t: (order.get(t[1], 9), t[0]))
    return DeviceDetail(device=_device_row(d, grades), history=history, findings=findings)


def latest_report(session: Session, org_id: int, device_id: int, profile: str) -> tuple[bytes, bytes] | None:
    """(report blob, snapshot blob) of a device's newest snapshot for ``profile``."""
    row = session.execute(
        select(AuditRow.report, SnapshotRow.data)
        .join(SnapshotRow, SnapshotRow.id == AuditRow.snapshot_id)
        .join(Device, Device.latest_snapshot_id == SnapshotRow.id)
        .where(Device.id == device_id, Device.org_id == org_id, AuditRow.profile == profile)
    ).first()
    return (row[0], row[1]) if row is not None else None


def fleet_summary(session: Session, org_id: int, *, today: dt.date, top: int = 10) -> FleetSummary:
    devices = session.scalar(select(func.count()).select_from(Device).where(Device.org_id == org_id)) or 0
    snapshots = session.scalar(select(func.count()).select_from(SnapshotRow).where(SnapshotRow.org_id == org_id)) or 0
    grades: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(GRADES, 0))
    for profile, grade, n in session.execute(
        select(AuditRow.profile, AuditRow.grade, func.count())
        .join(Device, Device.latest_snapshot_id == AuditRow.snapshot_id)
        .where(Device.org_id == org_id)
        .group_by(AuditRow.profile, AuditRow.grade)
    ):
        grades[profile][grade] = grades[profile].get(grade, 0) + n
    lag: Counter[str] = Counter(dict.fromkeys(PATCH_BUCKETS, 0))
    for patch, n in session.execute(
        select(Device.security_patch, func.count()).where(Device.org_id == org_id).group_by(Device.security_patch)
    ):
        lag[patch_bucket(patch, today)] += n

    def top_flags(category: str) -> list[tuple[str, int]]:
        rows = session.execute(
            select(FlagRow.key, func.count().label("n"))
            .join(Device, Device.latest_snapshot_id == FlagRow.snapshot_id)
            .where(Device.org_id == org_id, FlagRow.category == category)
            .group_by(FlagRow.key)
            .order_by(func.count().desc(), FlagRow.key)
            .limit(top)
        )
        return [(k, n) for k, n in rows]

    eol = (
        session.scalar(
            select(func.count()).select_from(Device).where(Device.org_id == org_id, Device.end_of_support.is_(True))
        )
        or 0
    )
    eol_devices = [
        (i, lbl)
        for i, lbl in session.execute(
            select(Device.id, Device.label)
            .where(Device.org_id == org_id, Device.end_of_support.is_(True))
            .order_by(Device.security_patch.asc(), Device.id)
            .limit(top)
        )
    ]
    return FleetSummary(
        devices=devices,
        snapshots=snapshots,
        grades={k: dict(v) for k, v in sorted(grades.items())},
        patch_lag={b: lag[b] for b in PATCH_BUCKETS},
        vendor_packages=top_flags("vendor_package"),
        trackers=top_flags("tracker"),
        end_of_support=eol,
        end_of_support_devices=eol_devices,
    )


def store_version(session: Session) -> int:
    """Changes whenever an audit row is written (an upload or a re-audit), in any process."""
    return session.scalar(select(func.max(AuditRow.id))) or 0


class SummaryCache:
    """Fleet summaries per (org, day), reused until the store changes (see :func:`store_version`).

    The overview of a large fleet aggregates every device's newest audits and evidence; between
    uploads the answer is the same, so it is computed once per change, not once per page view.
    """

    def __init__(self, size: int = 256) -> None:
        import threading

        self.size = size
        self._lock = threading.Lock()
        self._data: dict[tuple[int, dt.date], tuple[int, FleetSummary]] = {}

    def get(self, session: Session, org_id: int, *, today: dt.date) -> FleetSummary:
        version = store_version(session)
        key = (org_id, today)
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        summary = fleet_summary(session, org_id, today=today)
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            self._data[key] = (version, summary)
        return summary


def compare_devices(session: Session, org_id: int, ids: list[int]) -> list[DeviceDetail]:
    """The details of each of ``ids`` that belongs to ``org_id`` (others are left out)."""
    out = []
    for i in dict.fromkeys(ids):
        detail = device_detail(session, org_id, i, max_history=1)
        if detail is not None:
            out.append(detail)
    return out
