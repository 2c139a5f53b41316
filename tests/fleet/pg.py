"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temp dir, a Unix socket.

The cluster runs as an unprivileged user (``nobody`` when the tests run as root, as CI does),
listens on no TCP port (only a socket inside its temp dir) and is stopped and deleted afterwards.
Missing binaries are a failure, never a skip: CI installs Debian's ``postgresql`` package.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster; yields a SQLAlchemy URL of a fresh database in it."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found (initdb): install Debian's postgresql package "
            "(`apt-get install -y postgresql`; scripts/test does this)"
        )
    user = "nobody" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="howsafe-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if user:
        pw = pwd.getpwnam(user)
        os.chmod(base, 0o755)
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    log = base / "server.log"
    try:
        subprocess.run(
            _as_user(
                [str(bindir / "initdb"), "-D", str(data), "-U", "howsafe", "--auth=trust", "-E", "UTF8", "--no-sync"],
                user,
            ),
            check=True,
            capture_output=True,
            env=env,
            cwd=base,
            timeout=120,
        )
        opts = f"-k {sock} -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off"
        subprocess.run(
            _as_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start"], user
            ),
            check=True,
            capture_output=True,
            env=env,
            cwd=base,
            timeout=120,
        )
        try:
            import psycopg

            with psycopg.connect(host=str(sock), user="howsafe", dbname="postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE howsafe_test")
            yield f"postgresql://howsafe@/howsafe_test?host={sock}"
        finally:
            subprocess.run(
                _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user),
                capture_output=True,
                env=env,
                cwd=base,
                timeout=120,
            )
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"PostgreSQL failed: {exc.stderr!r} {exc.stdout!r} {server_log}") from exc
    finally:
        shutil.rmtree(base, ignore_errors=True)
