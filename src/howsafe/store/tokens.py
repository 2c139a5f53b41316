"""API tokens: created once, stored only as a SHA-256 hash, scoped to one org and one role.

A token is 32 random bytes (``secrets.token_urlsafe``) with a ``hs_`` prefix; its hash is enough
to recognise it because it cannot be guessed, so no slow password hash is needed. Roles are
ordered: ``viewer`` reads, ``uploader`` also uploads snapshots, ``admin`` also manages tokens and
re-audits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from howsafe.store.models import Org, Token

ROLES = ("viewer", "uploader", "admin")
PREFIX = "hs_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, its org and its role."""

    token_id: int
    org_id: int
    org_name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this principal's role is ``role`` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class NewToken:
    id: int
    org: str
    role: str
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_or_create_org(session: Session, name: str) -> Org:
    org = session.scalars(select(Org).where(Org.name == name)).first()
    if org is None:
        org = Org(name=name, created_at=now())
        session.add(org)
        session.flush()
    return org


def create_token(session: Session, *, org: str, role: str, name: str = "") -> NewToken:
    """A new token for ``org`` (created when new); the secret is returned once, never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    org_name = org.strip()
    if not org_name or len(org_name) > 200:
        raise ValueError("an org name is 1 to 200 characters")
    org_row = get_or_create_org(session, org_name)
    secret = PREFIX + secrets.token_urlsafe(32)
    row = Token(org_id=org_row.id, role=role, name=name[:200], token_hash=hash_token(secret), created_at=now())
    session.add(row)
    session.flush()
    return NewToken(id=row.id, org=org_row.name, role=role, secret=secret)


def revoke_token(session: Session, token_id: int, *, org_id: int | None = None) -> bool:
    """Revoke a token (and its dashboard sessions); False when no such live token (in ``org_id``)."""
    from howsafe.store.models import SessionRow

    row = session.get(Token, token_id)
    if row is None or row.revoked_at is not None or (org_id is not None and row.org_id != org_id):
        return False
    row.revoked_at = now()
    session.query(SessionRow).filter(SessionRow.token_id == token_id).delete()
    return True


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of a live token, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.execute(
        select(Token, Org.name)
        .join(Org, Org.id == Token.org_id)
        .where(Token.token_hash == hash_token(secret), Token.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, org_name = row
    return Principal(token_id=token.id, org_id=token.org_id, org_name=org_name, role=token.role)


def principal_for_token_id(session: Session, token_id: int) -> Principal | None:
    row = session.execute(
        select(Token, Org.name)
        .join(Org, Org.id == Token.org_id)
        .where(Token.id == token_id, Token.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, org_name = row
    return Principal(token_id=token.id, org_id=token.org_id, org_name=org_name, role=token.role)


def list_tokens(session: Session, org_id: int) -> list[Token]:
    return list(session.scalars(select(Token).where(Token.org_id == org_id).order_by(Token.id)))
