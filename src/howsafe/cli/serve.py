"""``howsafe serve``, ``howsafe server token|reaudit|migrate``: the fleet server (``server`` extra)."""

from __future__ import annotations

import click

from howsafe.errors import MissingExtraError

DB_HELP = "Database URL: sqlite:///PATH or postgresql://USER@HOST/DB (default: SQLite in the user data dir)."


def _need_server_extra() -> None:
    try:
        import alembic  # noqa: F401
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ModuleNotFoundError as exc:
        raise MissingExtraError(
            f"the fleet server needs {exc.name}: install it with pip install 'howsafe[server]'"
        ) from exc


@click.command()
@click.option("--db", "db_url", envvar="HOWSAFE_DB", help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--migrate", "migrate_first", is_flag=True, help="Apply the database migrations first.")
@click.option(
    "--max-upload-mb", default=50, show_default=True, type=click.IntRange(1, 4096), help="Largest snapshot accepted."
)
@click.option(
    "--uploads-per-minute",
    default=60,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="Uploads accepted per token per minute.",
)
@click.option(
    "--secure-cookies/--no-secure-cookies",
    default=None,
    help="Mark session cookies Secure (default: on unless listening on loopback).",
)
def serve(
    db_url: str | None,
    host: str,
    port: int,
    migrate_first: bool,
    max_upload_mb: int,
    uploads_per_minute: int,
    secure_cookies: bool | None,
) -> int:
    """Run the fleet server: the API under /api/v1 and the dashboard at /.

    Refuses to start on a database that is not migrated to this version (use --migrate).
    Put it behind a TLS reverse proxy for anything beyond this machine (docs/server.md).
    """
    _need_server_extra()
    import uvicorn

    from howsafe.store.db import open_database
    from howsafe.web import ServerSettings, create_app

    engine = open_database(db_url, migrate_first=migrate_first)
    loopback = host in ("127.0.0.1", "::1", "localhost")
    settings = ServerSettings(
        engine=engine,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        uploads_per_minute=uploads_per_minute,
        secure_cookies=(not loopback) if secure_cookies is None else secure_cookies,
    )
    app = create_app(settings)
    click.echo(f"howsafe: fleet server on http://{host}:{port}/ (database {engine.url.render_as_string()})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)
    return 0


@click.group()
def server() -> None:
    """Manage the fleet server's database: tokens, migrations, re-audits."""


@server.command("migrate")
@click.option("--db", "db_url", envvar="HOWSAFE_DB", help=DB_HELP)
def migrate_cmd(db_url: str | None) -> int:
    """Create or upgrade the database schema."""
    _need_server_extra()
    from howsafe.store.db import make_engine, migrate

    revision = migrate(make_engine(db_url))
    click.echo(f"howsafe: database at revision {revision}", err=True)
    return 0


@server.group()
def token() -> None:
    """Create and revoke API tokens."""


@token.command("create")
@click.option("--org", required=True, help="Organisation (team) the token belongs to; created when new.")
@click.option("--role", type=click.Choice(["viewer", "uploader", "admin"]), required=True)
@click.option("--name", default="", help="A note to recognise the token by.")
@click.option("--db", "db_url", envvar="HOWSAFE_DB", help=DB_HELP)
def token_create(org: str, role: str, name: str, db_url: str | None) -> int:
    """Create a token and print it once, alone on the last line (only its hash is stored)."""
    _need_server_extra()
    from sqlalchemy.orm import Session

    from howsafe.store.db import open_database
    from howsafe.store.tokens import create_token

    if not org.strip() or len(org) > 200 or "\x00" in org:
        raise click.UsageError("--org is 1 to 200 characters")
    engine = open_database(db_url)
    with Session(engine) as session, session.begin():
        made = create_token(session, org=org, role=role, name=name)
    click.echo(f"token {made.id} for org {made.org!r}, role {made.role}; it is shown only now:")
    click.echo(made.secret)
    return 0


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--db", "db_url", envvar="HOWSAFE_DB", help=DB_HELP)
def token_revoke(token_id: int, db_url: str | None) -> int:
    """Revoke token TOKEN_ID (its dashboard sessions end too)."""
    _need_server_extra()
    from sqlalchemy.orm import Session

    from howsafe.errors import InputError
    from howsafe.store.db import open_database
    from howsafe.store.tokens import revoke_token

    engine = open_database(db_url)
    with Session(engine) as session, session.begin():
        ok = revoke_token(session, token_id)
    if not ok:
        raise InputError(f"no live token {token_id}")
    click.echo(f"howsafe: token {token_id} revoked", err=True)
    return 0


@server.command("reaudit")
@click.option("--db", "db_url", envvar="HOWSAFE_DB", help=DB_HELP)
@click.option("--all", "everything", is_flag=True, help="Re-audit every snapshot, not only outdated ones.")
def reaudit_cmd(db_url: str | None, everything: bool) -> int:
    """Audit stored snapshots again with the current knowledge base and bulletin data.

    Only snapshots audited with other knowledge are redone (unless --all); each one in its own
    transaction, so it can be interrupted and started again. A running server can also be asked
    to do it in the background: POST /api/v1/reaudit (admin token).
    """
    _need_server_extra()
    from howsafe.cli.common import progress_bar
    from howsafe.store.db import open_database
    from howsafe.store.ingest import FleetAuditor, reaudit

    engine = open_database(db_url)
    fleet = FleetAuditor()
    with progress_bar("Re-auditing") as progress:
        task = progress.add_task("snapshots", total=None, item="")

        def observer(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, item="")

        redone, total = reaudit(engine, fleet, only_stale=not everything, progress=observer)
    click.echo(f"howsafe: re-audited {redone} of {total} snapshots", err=True)
    return 0
