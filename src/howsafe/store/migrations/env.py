"""Alembic environment: runs the migrations on the engine howsafe hands over."""

from __future__ import annotations

from alembic import context

from howsafe.store.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
