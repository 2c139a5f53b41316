"""Fixtures of the fleet server tests: each API and dashboard test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fleet.pg import postgres_cluster
from howsafe.store.db import make_engine, migrate
from howsafe.store.ingest import FleetAuditor
from howsafe.store.tokens import create_token
from howsafe.web import ServerSettings, create_app

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def fleet_auditor() -> FleetAuditor:
    return FleetAuditor()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('fleetdb') / 'fleet.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app_client(engine: Engine, fleet_auditor: FleetAuditor) -> Iterator[TestClient]:
    app = create_app(ServerSettings(engine=engine, fleet=fleet_auditor, uploads_per_minute=10_000))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


class Org:
    """A fresh org with one token per role."""

    def __init__(self, engine: Engine) -> None:
        self.name = f"org-{uuid.uuid4().hex[:10]}"
        self.tokens: dict[str, str] = {}
        self.token_ids: dict[str, int] = {}
        with Session(engine) as session, session.begin():
            for role in ("viewer", "uploader", "admin"):
                made = create_token(session, org=self.name, role=role)
                self.tokens[role] = made.secret
                self.token_ids[role] = made.id

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def org(engine: Engine) -> Org:
    return Org(engine)


@pytest.fixture
def other_org(engine: Engine) -> Org:
    return Org(engine)


def snapshot_bytes(folder: Path) -> bytes:
    from howsafe.sources import load_path, snapshot_to_json

    return snapshot_to_json(load_path(folder, redact=True)).encode()
