"""The fleet store: database models, migrations, tokens, upload/re-audit and fleet queries.

Needs the ``server`` extra (SQLAlchemy, Alembic, psycopg). Import the submodules directly:
``store.db`` (engines, migrations), ``store.tokens``, ``store.ingest``, ``store.queries``.
"""

from howsafe.errors import NotMigratedError, StoreError
from howsafe.store.db import check_migrated, make_engine, migrate, open_database

__all__ = ["NotMigratedError", "StoreError", "check_migrated", "make_engine", "migrate", "open_database"]
