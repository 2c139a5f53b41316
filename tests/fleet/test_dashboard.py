"""The dashboard on SQLite and PostgreSQL: token login into a session cookie, CSRF, org isolation,
escaping of device strings, and the same strict Content-Security-Policy as the HTML report."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from conftest import DEVICES
from fleet.conftest import Org, snapshot_bytes
from howsafe.sources import load_path, snapshot_to_json
from howsafe.store.ingest import FleetAuditor
from howsafe.web import ServerSettings, create_app
from report.report_helpers import HOSTILE, hostile_snapshot

XIAOMI = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"
PIXEL = DEVICES / "google-redfin-7005429"


@pytest.fixture(scope="session")
def app(engine: Engine, fleet_auditor: FleetAuditor) -> FastAPI:
    return create_app(ServerSettings(engine=engine, fleet=fleet_auditor, uploads_per_minute=10_000))


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def login(client: TestClient, token: str) -> None:
    form = client.get("/login")
    assert form.status_code == 200
    r = client.post("/login", data={"token": token, "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/"


def upload(client: TestClient, org: Org, body: bytes, label: str | None = None) -> dict:
    r = client.post(
        "/api/v1/snapshots", content=body, headers=org.auth("uploader"), params={"label": label} if label else {}
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_pages_need_a_login(browser: TestClient) -> None:
    for path in ("/", "/devices", "/devices/1", "/compare?id=1&id=2", "/devices/1/report"):
        r = browser.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path


def test_login_sets_a_strict_session_cookie_and_logout_needs_csrf(browser: TestClient, org: Org) -> None:
    form = browser.get("/login")
    csrf = csrf_of(form.text)
    # without the form's CSRF value (a cross-site post) nothing happens
    assert browser.post("/login", data={"token": org.tokens["viewer"], "csrf": "forged"}).status_code == 403
    bad = browser.post("/login", data={"token": "hs_wrong", "csrf": csrf})
    assert bad.status_code == 401 and "Unknown or revoked token" in bad.text
    form = browser.get("/login")
    r = browser.post("/login", data={"token": org.tokens["viewer"], "csrf": csrf_of(form.text)})
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("howsafe_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert org.tokens["viewer"] not in cookie
    page = browser.get("/")
    assert page.status_code == 200 and org.name in page.text
    session_csrf = csrf_of(page.text)
    assert browser.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert browser.get("/").status_code == 200  # still logged in
    out = browser.post("/logout", data={"csrf": session_csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/").status_code == 303


def test_overview_device_compare_and_search(browser: TestClient, org: Org) -> None:
    x = upload(browser, org, snapshot_bytes(XIAOMI))
    p = upload(browser, org, snapshot_bytes(PIXEL))
    login(browser, org.tokens["viewer"])
    home = browser.get("/")
    assert re.search(r'id="device-count">2<', home.text)
    assert "&gt; 2 years" in home.text  # patch lag distribution
    assert "past end of support" in home.text
    devices = browser.get("/devices", params={"q": "pixel"})
    assert "google Pixel 5 (redfin)" in devices.text and "Redmi 5 Plus (vince)" not in devices.text
    dev = browser.get(f"/devices/{x['device_id']}")
    assert dev.status_code == 200
    assert "2019-06-01" in dev.text and "<polyline" in dev.text and "updates.spl_age" in dev.text
    cmp = browser.get("/compare", params=[("id", x["device_id"]), ("id", p["device_id"])])
    assert cmp.status_code == 200 and 'id="compare-table"' in cmp.text
    assert "2021-01-05" in cmp.text and "2019-06-01" in cmp.text
    report = browser.get(f"/devices/{x['device_id']}/report", params={"profile": "at-risk"})
    assert report.status_code == 200 and "<html" in report.text
    for r in (home, devices, dev, cmp, report):
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert r.headers["x-frame-options"] == "DENY"


def test_another_orgs_devices_are_invisible_in_the_dashboard(browser: TestClient, org: Org, other_org: Org) -> None:
    mine = upload(browser, org, snapshot_bytes(XIAOMI), label="org-one-phone")
    login(browser, other_org.tokens["admin"])
    assert browser.get(f"/devices/{mine['device_id']}").status_code == 404
    assert browser.get(f"/devices/{mine['device_id']}/report").status_code == 404
    for path in ("/", "/devices", f"/compare?id={mine['device_id']}&id={mine['device_id']}", "/compare"):
        r = browser.get(path)
        assert r.status_code == 200
        assert "org-one-phone" not in r.text, path


def test_hostile_device_strings_are_escaped(browser: TestClient, org: Org) -> None:
    evil = hostile_snapshot(load_path(XIAOMI, redact=True))
    res = upload(browser, org, snapshot_to_json(evil).encode(), label=HOSTILE[1])
    upload(browser, org, snapshot_bytes(PIXEL))
    login(browser, org.tokens["viewer"])
    pages = [
        browser.get(p).text
        for p in (
            "/",
            "/devices",
            f"/devices/{res['device_id']}",
            f"/compare?id={res['device_id']}&id={res['device_id'] + 1}",
            f"/devices/{res['device_id']}/report",
        )
    ]
    for html in pages:
        for payload in HOSTILE[:3]:
            assert payload not in html
    assert "&lt;img src=x onerror=" in pages[1]
