"""Database tables of the fleet server (SQLAlchemy 2 declarative models).

Every row that belongs to a team carries ``org_id`` so that each query can be scoped to the
caller's organisation; the schema itself is created and upgraded only by the Alembic migrations
in ``store/migrations`` (a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the server's tables."""


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("org_id", "label", name="uq_devices_org_label"),
        Index("ix_devices_org_last_seen", "org_id", "last_seen"),
        Index("ix_devices_org_latest", "org_id", "latest_snapshot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(200), nullable=True)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    android: Mapped[str | None] = mapped_column(String(50), nullable=True)
    security_patch: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_of_support: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    latest_snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("org_id", "sha256", name="uq_snapshots_org_sha256"),
        Index("ix_snapshots_device", "device_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    security_patch: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    android: Mapped[str | None] = mapped_column(String(50), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AuditRow(Base):
    __tablename__ = "audits"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "profile", name="uq_audits_snapshot_profile"),
        Index("ix_audits_snapshot_profile_grade", "snapshot_id", "profile", "grade"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(50))
    grade: Mapped[str] = mapped_column(String(2))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    kb_version: Mapped[str] = mapped_column(String(64))
    audited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    report: Mapped[bytes] = mapped_column(LargeBinary)


class FindingRow(Base):
    """A failed finding of a snapshot (everyday profile), for timelines and fleet counts."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_snapshot", "snapshot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    finding_id: Mapped[str] = mapped_column(String(300))
    check: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))


class FlagRow(Base):
    """One piece of evidence (a vendor package, a tracker) behind a failed finding of a snapshot."""

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_snapshot_category_key", "snapshot_id", "category", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(300))


class SessionRow(Base):
    """A dashboard login: the cookie's hash, the token it came from and its CSRF secret."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
