"""The schema: the Alembic migrations create exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from howsafe.store.db import check_migrated, current_revision, head_revision, normalise_url
from howsafe.store.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    check_migrated(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_database_urls() -> None:
    assert normalise_url("postgresql://u@db/fleet").startswith("postgresql+psycopg://u@db/fleet")
    assert normalise_url("sqlite:////srv/fleet.db") == "sqlite:////srv/fleet.db"
    assert normalise_url(None).startswith("sqlite:///")
    import pytest

    from howsafe.errors import StoreError

    for bad in ("mysql://x/y", "not a url"):
        with pytest.raises(StoreError):
            normalise_url(bad)
