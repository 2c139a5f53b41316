"""Database connection, URL handling and Alembic migrations.

``open_database(url)`` returns an engine for a migrated database and refuses an unmigrated or
outdated one (a server never writes into a schema it does not know). ``migrate(url)`` upgrades
to the newest revision. URLs: ``sqlite:///path`` (default: ``server.sqlite3`` in the user data
dir) or ``postgresql://user@host/db`` (driven by psycopg 3).
"""

from __future__ import annotations

import logging
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from howsafe.errors import NotMigratedError, StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    """SQLite in the user data dir: no setup for a first try."""
    folder = Path(platformdirs.user_data_dir("howsafe", appauthor=False))
    return f"sqlite:///{folder / 'server.sqlite3'}"


def normalise_url(url: str | None) -> str:
    """Accept the URLs people write (``postgresql://``) and pick the psycopg 3 driver."""
    url = url or default_url()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise StoreError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | None) -> Engine:
    """An engine for ``url`` (normalised); SQLite gets foreign keys, WAL and a busy timeout."""
    full = normalise_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(full, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(full, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration this howsafe ships."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database: {_short(exc)}") from exc


def migrate(engine: Engine) -> str:
    """Upgrade the schema to the newest revision (idempotent); returns it."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), "head")  # type: ignore[arg-type]
    except SQLAlchemyError as exc:
        raise StoreError(f"migration failed: {_short(exc)}") from exc
    return head_revision()


def check_migrated(engine: Engine) -> None:
    """Raise NotMigratedError unless the database is at this howsafe's newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        state = "has no howsafe schema" if current is None else f"is at revision {current}, not {head}"
        raise NotMigratedError(
            f"the database {engine.url.render_as_string(hide_password=True)} {state}; "
            "run `howsafe serve --migrate` (or `howsafe server migrate`) first"
        )


def open_database(url: str | None, *, migrate_first: bool = False) -> Engine:
    """An engine on a migrated database (migrating it first when asked)."""
    engine = make_engine(url)
    if migrate_first:
        migrate(engine)
    check_migrated(engine)
    return engine


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
