"""The server commands end to end: migrations, tokens, a real `howsafe serve`, push, kills mid-upload."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from msgspec.structs import replace
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from conftest import DEVICES
from fleet.conftest import Org
from fleet.live import LiveServer
from howsafe.cli import main
from howsafe.score import available_profiles
from howsafe.sources import load_path, snapshot_to_json
from howsafe.store.models import AuditRow, Device, SnapshotRow, Token

XIAOMI = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"
PIXEL = DEVICES / "google-redfin-7005429"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def live(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(db_url, tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def test_unmigrated_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert main(["serve", "--db", url, "--port", "0"]) == 2
    assert "has no howsafe schema" in capsys.readouterr().err
    assert main(["server", "token", "create", "--org", "a", "--role", "admin", "--db", url]) == 2
    assert "howsafe serve --migrate" in capsys.readouterr().err
    assert main(["server", "migrate", "--db", url]) == 0
    assert main(["server", "migrate", "--db", url]) == 0  # idempotent
    capsys.readouterr()
    assert main(["server", "token", "create", "--org", "newsroom", "--role", "uploader", "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    secret = out[-1]
    assert secret.startswith("hs_") and " " not in secret
    assert "shown only now" in out[-2]
    data = (tmp_path / "new.sqlite3").read_bytes()
    assert secret.encode() not in data
    token_id = int(out[-2].split()[1])
    assert main(["server", "token", "revoke", str(token_id), "--db", url]) == 0
    assert main(["server", "token", "revoke", str(token_id), "--db", url]) == 2
    assert main(["server", "token", "create", "--org", "x", "--role", "root", "--db", url]) == 2


def test_push_and_collect_push_to_a_live_server(
    live: LiveServer, org: Org, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc = main(["push", str(XIAOMI), str(PIXEL), "--server", live.url, "--token", org.tokens["uploader"]])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert len(out) == 2 and all("stored" in line for line in out)
    # the same phones again: idempotent
    assert main(["push", str(XIAOMI), "--server", live.url, "--token", org.tokens["uploader"]]) == 0
    assert "already stored" in capsys.readouterr().out
    # collect --push writes the snapshot and uploads it
    out_file = tmp_path / "phone.json"
    assert (
        main(
            [
                "collect",
                str(DEVICES / "samsung-a02-A022FXXU2BUK2"),
                "-o",
                str(out_file),
                "--push",
                live.url,
                "--token",
                org.tokens["uploader"],
                "--label",
                "helpdesk phone 3",
            ]
        )
        == 0
    )
    assert "pushed: device" in capsys.readouterr().err
    assert out_file.exists()
    req = urllib.request.Request(live.url + "/api/v1/devices", headers=org.auth("viewer"))
    with urllib.request.urlopen(req) as r:
        listing = json.load(r)
    assert listing["total"] == 3
    assert "helpdesk phone 3" in [d["label"] for d in listing["devices"]]
    # a viewer cannot push; a wrong server is one line, exit 2
    assert main(["push", str(PIXEL), "--server", live.url, "--token", org.tokens["viewer"]]) == 2
    assert "403 forbidden" in capsys.readouterr().err
    assert main(["push", str(PIXEL), "--server", "ftp://x", "--token", "t"]) == 2
    # a server that is not listening: one line per input naming the URL, a summary, exit 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    capsys.readouterr()
    assert main(["push", str(PIXEL), "--server", closed, "--token", org.tokens["uploader"]]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach {closed}/api/v1/snapshots" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "howsafe: error: 1 of 1 uploads failed"


def _variant(i: int) -> bytes:
    snap = load_path(XIAOMI, redact=True)
    patch = dt.date(2020, 1 + i % 12, 5)
    props = dict(snap.properties) | {"ro.build.version.security_patch": patch.isoformat(), "ro.test.kill": str(i)}
    snap = replace(snap, properties=props, device=replace(snap.device, security_patch=patch))
    return snapshot_to_json(snap).encode()


def _post(url: str, body: bytes, token: str, results: list[object]) -> None:
    req = urllib.request.Request(
        url + "/api/v1/snapshots?label=kill-test",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            results.append(r.status)
    except (urllib.error.URLError, OSError, ConnectionError) as exc:
        results.append(exc)


def _assert_consistent(engine: Engine, org_id: int) -> int:
    profiles = len(available_profiles())
    with Session(engine) as session:
        snaps = list(session.scalars(select(SnapshotRow.id).where(SnapshotRow.org_id == org_id)))
        for sid in snaps:
            n = session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.snapshot_id == sid))
            assert n == profiles, f"snapshot {sid} has {n} audits"
        for device in session.scalars(select(Device).where(Device.org_id == org_id)):
            assert device.latest_snapshot_id in snaps, "a device points to a snapshot that is not there"
    return len(snaps)


def test_killing_the_server_mid_upload_leaves_the_database_consistent(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    org = Org(engine)
    with Session(engine) as session:
        org_id = session.scalars(select(Token.org_id).where(Token.id == org.token_ids["uploader"])).one()
    bodies = [_variant(i) for i in range(5)]
    server = LiveServer(db_url, tmp_path).start()
    try:
        # 1. killed while the body is still arriving
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(
                b"POST /api/v1/snapshots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {org.tokens['uploader']}\r\n".encode()
                + f"Content-Length: {len(bodies[0])}\r\n\r\n".encode()
                + bodies[0][: len(bodies[0]) // 2]
            )
            time.sleep(0.3)
            server.kill()
        assert _assert_consistent(engine, org_id) == 0
        # 2. killed at several points while uploads are audited and written
        for i, delay in enumerate((0.03, 0.12, 0.3)):
            server = LiveServer(db_url, tmp_path).start()
            results: list[object] = []
            workers = [
                threading.Thread(target=_post, args=(server.url, b, org.tokens["uploader"], results))
                for b in bodies[i : i + 2]
            ]
            for w in workers:
                w.start()
            time.sleep(delay)
            server.kill()
            for w in workers:
                w.join(timeout=60)
            _assert_consistent(engine, org_id)
        # 3. after a restart every upload goes through, each exactly once
        server = LiveServer(db_url, tmp_path).start()
        results = []
        for b in bodies:
            _post(server.url, b, org.tokens["uploader"], results)
        assert all(r in (200, 201) for r in results), results
        assert _assert_consistent(engine, org_id) == len(bodies)
        with Session(engine) as session:
            devices = session.scalar(select(func.count()).select_from(Device).where(Device.org_id == org_id))
        assert devices == 1
    finally:
        server.stop()


def test_reaudit_from_the_cli_the_api_and_killed_midway(
    db_url: str, engine: Engine, app_client: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal
    import subprocess
    import sys

    from fastapi.testclient import TestClient

    assert isinstance(app_client, TestClient)
    org = Org(engine)
    with Session(engine) as session:
        org_id = session.scalars(select(Token.org_id).where(Token.id == org.token_ids["uploader"])).one()
    for i in range(3):
        r = app_client.post("/api/v1/snapshots", content=_variant(20 + i), headers=org.auth("uploader"))
        assert r.status_code == 201
    with Session(engine) as session:
        before = {a.id: a.audited_at for a in session.scalars(select(AuditRow))}
    # nothing is stale: the default re-audit redoes nothing
    assert main(["server", "reaudit", "--db", db_url]) == 0
    assert "re-audited 0 of" in capsys.readouterr().err
    # --all redoes every snapshot, with new audit rows
    assert main(["server", "reaudit", "--all", "--db", db_url]) == 0
    err = capsys.readouterr().err
    total = int(err.split(" of ")[1].split()[0])
    assert f"re-audited {total} of {total}" in err
    with Session(engine) as session:
        after = {a.id for a in session.scalars(select(AuditRow))}
    assert not (set(before) & after)
    _assert_consistent(engine, org_id)
    # killed while re-auditing: every snapshot keeps a complete set of audits
    proc = subprocess.Popen(
        [sys.executable, "-m", "howsafe", "server", "reaudit", "--all", "--db", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _assert_consistent(engine, org_id)
    # the server's background re-audit, with progress
    started = app_client.post("/api/v1/reaudit", headers=org.auth("admin"))
    assert started.status_code == 202
    deadline = time.monotonic() + 240
    status = started.json()
    while status["running"] and time.monotonic() < deadline:
        time.sleep(0.5)
        status = app_client.get("/api/v1/reaudit", headers=org.auth("admin")).json()
    assert status["running"] is False and status["error"] is None
    assert status["done"] == status["total"] > 0
    _assert_consistent(engine, org_id)
