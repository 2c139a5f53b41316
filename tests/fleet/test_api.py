"""The fleet API on SQLite and on a real PostgreSQL: uploads, roles, org isolation, limits, history."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from msgspec.structs import replace
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from conftest import DEVICES
from fleet.conftest import Org, snapshot_bytes
from howsafe.score import available_profiles
from howsafe.sources import load_path, snapshot_to_json
from howsafe.store.ingest import FleetAuditor
from howsafe.store.models import AuditRow, SnapshotRow, Token
from howsafe.web import ServerSettings, create_app
from report.report_helpers import HOSTILE, hostile_snapshot

XIAOMI = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"
PIXEL = DEVICES / "google-redfin-7005429"


def upload(client: TestClient, org: Org, body: bytes, *, role: str = "uploader", label: str | None = None) -> dict:
    params = {"label": label} if label else {}
    r = client.post("/api/v1/snapshots", content=body, headers=org.auth(role), params=params)
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_upload_audits_every_profile_and_is_idempotent(app_client: TestClient, org: Org, engine: Engine) -> None:
    body = snapshot_bytes(XIAOMI)
    r = app_client.post("/api/v1/snapshots", content=body, headers=org.auth("uploader"))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["created"] is True
    assert set(first["grades"]) == set(available_profiles())
    # the same snapshot again, even re-serialised with other whitespace, is the same record
    again = app_client.post(
        "/api/v1/snapshots", content=json.dumps(json.loads(body)).encode(), headers=org.auth("admin")
    )
    assert again.status_code == 200
    assert again.json() | {"created": True} == first
    with Session(engine) as session:
        n_snap = session.scalar(
            select(func.count()).select_from(SnapshotRow).where(SnapshotRow.sha256 == first["sha256"])
        )
        n_audit = session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.snapshot_id == first["snapshot_id"])
        )
    assert n_snap == 1
    assert n_audit == len(available_profiles())


def test_device_list_detail_and_reports(app_client: TestClient, org: Org) -> None:
    x = upload(app_client, org, snapshot_bytes(XIAOMI))
    p = upload(app_client, org, snapshot_bytes(PIXEL))
    listing = app_client.get("/api/v1/devices", headers=org.auth("viewer")).json()
    assert listing["total"] == 2
    by_id = {d["id"]: d for d in listing["devices"]}
    xiaomi = by_id[x["device_id"]]
    assert (xiaomi["brand"], xiaomi["model"], xiaomi["android"], xiaomi["security_patch"]) == (
        "xiaomi",
        "Redmi 5 Plus",
        "8.1.0",
        "2019-06-01",
    )
    assert xiaomi["grades"] == x["grades"]
    assert by_id[p["device_id"]]["security_patch"] == "2021-01-05"
    # filters
    only = app_client.get("/api/v1/devices", params={"brand": "GOOGLE"}, headers=org.auth("viewer")).json()
    assert [d["id"] for d in only["devices"]] == [p["device_id"]]
    found = app_client.get("/api/v1/devices", params={"q": "redmi"}, headers=org.auth("viewer")).json()
    assert [d["id"] for d in found["devices"]] == [x["device_id"]]
    grade = x["grades"]["at-risk"]
    graded = app_client.get(
        "/api/v1/devices", params={"profile": "at-risk", "grade": grade}, headers=org.auth("viewer")
    ).json()
    assert x["device_id"] in [d["id"] for d in graded["devices"]]

    detail = app_client.get(f"/api/v1/devices/{x['device_id']}", headers=org.auth("viewer")).json()
    assert [h["snapshot_id"] for h in detail["history"]] == [x["snapshot_id"]]
    ids = {f["id"] for f in detail["findings"]}
    assert "updates.spl_age" in ids  # a 2019 patch level is years behind
    rep = app_client.get(
        f"/api/v1/devices/{x['device_id']}/report", params={"profile": "private"}, headers=org.auth("viewer")
    )
    assert rep.headers["content-type"].startswith("application/json")
    assert rep.json()["profile"] == "private"
    assert rep.json()["verdict"]["grade"] == x["grades"]["private"]
    for fmt, ctype, marker in (
        ("html", "text/html", "<html"),
        ("md", "text/markdown", "#"),
        ("text", "text/plain", "Redmi 5 Plus"),
    ):
        r = app_client.get(
            f"/api/v1/devices/{x['device_id']}/report", params={"format": fmt}, headers=org.auth("viewer")
        )
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(ctype)
        assert marker in r.text

    fleet = app_client.get("/api/v1/fleet", headers=org.auth("viewer")).json()
    assert fleet["devices"] == 2
    assert sum(fleet["grades"]["everyday"].values()) == 2
    assert fleet["patch_lag"]["> 2 years"] == 2
    vendor = {c["key"] for c in fleet["vendor_packages"]}
    assert "com.facebook.appmanager" in vendor or "com.miui.analytics" in vendor


def test_history_shows_patch_level_and_fixed_findings(
    app_client: TestClient, org: Org, fleet_auditor: FleetAuditor
) -> None:
    old = load_path(XIAOMI, redact=True)
    first = upload(app_client, org, snapshot_to_json(old).encode(), label="reporter phone 7")
    today = dt.datetime.now(dt.UTC).date()
    recent = today.replace(day=1).isoformat()
    props = dict(old.properties) | {"ro.build.version.security_patch": recent}
    device = replace(old.device, security_patch=dt.date.fromisoformat(recent))
    new = replace(old, properties=props, device=device)
    second = upload(app_client, org, snapshot_to_json(new).encode(), label="reporter phone 7")
    assert second["device_id"] == first["device_id"]
    assert second["snapshot_id"] != first["snapshot_id"]
    detail = app_client.get(f"/api/v1/devices/{first['device_id']}", headers=org.auth("viewer")).json()
    assert [h["security_patch"] for h in detail["history"]] == ["2019-06-01", recent]
    assert "updates.spl_age" in detail["history"][1]["fixed"]
    assert "updates.spl_age" in detail["history"][0]["appeared"]
    assert detail["device"]["security_patch"] == recent


def test_roles_are_enforced(app_client: TestClient, org: Org) -> None:
    body = snapshot_bytes(PIXEL)
    r = app_client.post("/api/v1/snapshots", content=body, headers=org.auth("viewer"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    for method, path in (
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("GET", "/api/v1/reaudit"),
        ("POST", "/api/v1/reaudit"),
        ("DELETE", f"/api/v1/tokens/{org.token_ids['viewer']}"),
    ):
        r = app_client.request(method, path, headers=org.auth("uploader"), json={"role": "viewer"})
        assert r.status_code == 403, (method, path)
    r = app_client.post("/api/v1/tokens", headers=org.auth("admin"), json={"role": "viewer", "name": "laptop"})
    assert r.status_code == 201
    new = r.json()
    assert new["token"].startswith("hs_") and new["org"] == org.name
    listed = app_client.get("/api/v1/tokens", headers=org.auth("admin")).json()
    assert new["id"] in [t["id"] for t in listed]
    assert new["token"] not in json.dumps(listed)
    ok = app_client.get("/api/v1/devices", headers={"Authorization": f"Bearer {new['token']}"})
    assert ok.status_code == 200
    assert app_client.delete(f"/api/v1/tokens/{new['id']}", headers=org.auth("admin")).status_code == 204
    gone = app_client.get("/api/v1/devices", headers={"Authorization": f"Bearer {new['token']}"})
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "unauthorized"
    assert app_client.get("/api/v1/devices").status_code == 401
    assert app_client.get("/api/v1/devices", headers={"Authorization": "Bearer hs_nope"}).status_code == 401
    assert app_client.get("/api/v1/health").json()["status"] == "ok"


def test_tokens_are_stored_hashed(engine: Engine, org: Org) -> None:
    with Session(engine) as session:
        hashes = [t.token_hash for t in session.scalars(select(Token).where(Token.id.in_(org.token_ids.values())))]
    assert len(hashes) == 3
    for secret in org.tokens.values():
        assert secret not in hashes
        assert all(secret not in h for h in hashes)


# Every API route, and what another org's token must get from it.
def _isolation_cases(device_id: int, token_id: int) -> dict[tuple[str, str], tuple[str, str, int]]:
    return {
        ("GET", "/api/v1/health"): ("GET", "/api/v1/health", 200),
        ("POST", "/api/v1/snapshots"): ("POST", "/api/v1/snapshots", 201),  # lands in the caller's own org
        ("GET", "/api/v1/devices"): ("GET", "/api/v1/devices", 200),
        ("GET", "/api/v1/devices/{device_id}"): ("GET", f"/api/v1/devices/{device_id}", 404),
        ("GET", "/api/v1/devices/{device_id}/report"): ("GET", f"/api/v1/devices/{device_id}/report", 404),
        ("GET", "/api/v1/fleet"): ("GET", "/api/v1/fleet", 200),
        ("GET", "/api/v1/tokens"): ("GET", "/api/v1/tokens", 200),
        ("POST", "/api/v1/tokens"): ("POST", "/api/v1/tokens", 201),
        ("DELETE", "/api/v1/tokens/{token_id}"): ("DELETE", f"/api/v1/tokens/{token_id}", 404),
        ("GET", "/api/v1/reaudit"): ("GET", "/api/v1/reaudit", 200),
        ("POST", "/api/v1/reaudit"): ("POST", "/api/v1/reaudit", 202),
    }


def test_an_org_never_sees_another_orgs_devices_on_any_route(app_client: TestClient, org: Org, other_org: Org) -> None:
    mine = upload(app_client, org, snapshot_bytes(XIAOMI), label="secret-device-label")
    cases = _isolation_cases(mine["device_id"], org.token_ids["viewer"])
    spec = app_client.get("/api/v1/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert routes == set(cases), "a new API route needs an org isolation case here"
    pixel = snapshot_bytes(PIXEL)
    for (method, _template), (_, path, status) in cases.items():
        kwargs: dict = {"headers": other_org.auth("admin")}
        if path == "/api/v1/snapshots":
            kwargs["content"] = pixel
        elif path == "/api/v1/tokens" and method == "POST":
            kwargs["json"] = {"role": "viewer"}
        r = app_client.request(method, path, **kwargs)
        assert r.status_code == status, (method, path, r.text)
        assert "secret-device-label" not in r.text, (method, path)
        if status == 404:
            assert r.json()["error"]["code"] == "not_found"
    # the owner still sees it, and the token of the other org's DELETE attempt still works
    assert app_client.get(f"/api/v1/devices/{mine['device_id']}", headers=org.auth("viewer")).status_code == 200
    assert app_client.get("/api/v1/devices", headers=org.auth("viewer")).json()["total"] == 1
    listing = app_client.get("/api/v1/devices", headers=other_org.auth("viewer")).json()
    assert [d["label"] for d in listing["devices"]] == ["google Pixel 5 (redfin)"]


def test_invalid_and_hostile_uploads(app_client: TestClient, org: Org) -> None:
    for body in (
        b"not json",
        b"[]",
        b'{"schema_version": 1}',
        b'{"schema_version": 999, "device": {}}',
        b"\xff\xfe" * 10,
    ):
        r = app_client.post("/api/v1/snapshots", content=body, headers=org.auth("uploader"))
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "invalid_snapshot"
    hostile = hostile_snapshot(load_path(XIAOMI, redact=True))
    # a NUL byte and a lone surrogate in device strings must not break either database
    hostile = replace(hostile, device=replace(hostile.device, android_release="8\x00.1"))
    text = snapshot_to_json(hostile)
    assert '"8\\u0000.1"' in text
    broken = text.replace('"8\\u0000.1"', '"8\\ud800"')
    r = app_client.post("/api/v1/snapshots", content=broken.encode(), headers=org.auth("uploader"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_snapshot"
    res = upload(app_client, org, text.encode(), label=HOSTILE[0] + "\x7f")
    detail = app_client.get(f"/api/v1/devices/{res['device_id']}", headers=org.auth("viewer"))
    assert detail.status_code == 200
    assert detail.json()["device"]["label"].startswith(HOSTILE[0])
    html = app_client.get(
        f"/api/v1/devices/{res['device_id']}/report", params={"format": "html"}, headers=org.auth("viewer")
    ).text
    for payload in HOSTILE[:3]:
        assert payload not in html


def test_upload_size_and_rate_limits(engine: Engine, fleet_auditor: FleetAuditor, org: Org) -> None:
    body = snapshot_bytes(PIXEL)
    app = create_app(
        ServerSettings(engine=engine, fleet=fleet_auditor, max_upload_bytes=len(body) - 1, uploads_per_minute=2)
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        r = client.post("/api/v1/snapshots", content=body, headers=org.auth("uploader"))
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "too_large"

        def chunks():  # no Content-Length: the limit holds on the streamed body too
            yield body[: len(body) // 2]
            yield body[len(body) // 2 :]

        r = client.post("/api/v1/snapshots", content=chunks(), headers=org.auth("uploader"))
        assert r.status_code == 413
        r = client.post("/api/v1/snapshots", content=b"{}", headers=org.auth("uploader"))
        assert r.status_code == 429  # two attempts used the minute's budget
        assert r.json()["error"]["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) >= 1
        # another token has its own budget
        assert client.post("/api/v1/snapshots", content=b"{}", headers=org.auth("admin")).status_code == 422


def test_unknown_device_and_bad_parameters(app_client: TestClient, org: Org) -> None:
    for path in ("/api/v1/devices/999999999", "/api/v1/devices/2147483647/report"):
        r = app_client.get(path, headers=org.auth("viewer"))
        assert r.status_code == 404
    for path, params in (
        ("/api/v1/devices/0", {}),
        ("/api/v1/devices/99999999999", {}),
        ("/api/v1/devices", {"limit": "0"}),
        ("/api/v1/devices", {"profile": "nope"}),
        ("/api/v1/devices", {"q": "a\x00b"}),
    ):
        r = app_client.get(path, params=params, headers=org.auth("viewer"))
        assert r.status_code == 422, (path, params)
        assert r.json()["error"]["code"] == "invalid_request"


def test_profile_parameter_lists_every_profile() -> None:
    from typing import get_args

    from howsafe.web.api import Profile

    assert sorted(get_args(Profile)) == sorted(available_profiles())


def test_fleet_summary_follows_every_upload(app_client: TestClient, org: Org) -> None:
    assert app_client.get("/api/v1/fleet", headers=org.auth("viewer")).json()["devices"] == 0
    upload(app_client, org, snapshot_bytes(PIXEL))
    first = app_client.get("/api/v1/fleet", headers=org.auth("viewer")).json()
    assert first["devices"] == 1
    assert app_client.get("/api/v1/fleet", headers=org.auth("viewer")).json() == first  # cached, same answer
    upload(app_client, org, snapshot_bytes(XIAOMI))
    assert app_client.get("/api/v1/fleet", headers=org.auth("viewer")).json()["devices"] == 2
