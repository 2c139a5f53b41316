"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a real
`howsafe serve`: log in, see the fleet, open a device, compare two, log out. A device whose
strings carry script runs nothing. Screenshots go to test-artifacts/ for a human to look at."""

from __future__ import annotations

import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, sync_playwright
from sqlalchemy import Engine

from conftest import DEVICES, REPO
from fleet.live import LiveServer
from howsafe.sources import load_path, snapshot_to_json
from howsafe.store.tokens import create_token
from report.report_helpers import HOSTILE, hostile_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts" / "fleet"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does this)", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _push(url: str, token: str, body: bytes, label: str) -> None:
    req = urllib.request.Request(
        f"{url}/api/v1/snapshots?{urllib.parse.urlencode({'label': label})}",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status in (200, 201)


def test_login_fleet_device_compare_logout(browser: Browser, db_url: str, engine: Engine, tmp_path: Path) -> None:
    """On both databases (the session's migrated SQLite file and PostgreSQL cluster)."""
    from sqlalchemy.orm import Session

    org = f"newsroom-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session, session.begin():
        uploader = create_token(session, org=org, role="uploader").secret
        viewer = create_token(session, org=org, role="viewer").secret
    server = LiveServer(db_url, tmp_path).start()
    shots = ARTIFACTS / ("postgresql" if db_url.startswith("postgresql") else "sqlite")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        xiaomi = load_path(DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM", redact=True)
        _push(server.url, uploader, snapshot_to_json(xiaomi).encode(), "Xiaomi of the desk editor")
        _push(
            server.url,
            uploader,
            snapshot_to_json(load_path(DEVICES / "google-redfin-7005429")).encode(),
            "Pixel of the photographer",
        )
        _push(server.url, uploader, snapshot_to_json(hostile_snapshot(xiaomi)).encode(), HOSTILE[1])

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        dialogs: list[str] = []
        errors: list[str] = []
        foreign: list[str] = []

        def on_dialog(d: Dialog) -> None:
            dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith(server.url) else foreign.append(r.url))

        page.goto(server.url + "/")
        assert page.url.endswith("/login")
        page.screenshot(path=str(shots / "login.png"), full_page=True)
        page.fill("#token", viewer)
        page.click("#login")
        page.wait_for_url(server.url + "/")
        assert page.locator("#device-count").inner_text() == "3"
        assert page.get_by_text("past end of support").is_visible()
        page.screenshot(path=str(shots / "overview.png"), full_page=True)

        page.click("text=Devices")
        page.wait_for_selector("#devices")
        assert page.locator("#devices tbody tr").count() == 3
        assert page.get_by_text(HOSTILE[1], exact=False).count() >= 1  # shown as text
        page.screenshot(path=str(shots / "devices.png"), full_page=True)

        page.click("text=Xiaomi of the desk editor")
        page.wait_for_selector("#device-label")
        assert page.locator("#device-label").inner_text() == "Xiaomi of the desk editor"
        assert page.locator("svg polyline").count() == 1
        assert page.locator("#findings").get_by_text("updates.spl_age").count() == 1
        page.screenshot(path=str(shots / "device.png"), full_page=True)

        page.click("text=Devices")
        page.check("input[aria-label='select Xiaomi of the desk editor']")
        page.check("input[aria-label='select Pixel of the photographer']")
        page.click("#compare")
        page.wait_for_selector("#compare-table")
        header = page.locator("#compare-table thead").inner_text()
        assert "Xiaomi of the desk editor" in header and "Pixel of the photographer" in header
        page.screenshot(path=str(shots / "compare.png"), full_page=True)

        # the hostile device's own page: its strings are text, nothing runs
        page.click("text=Devices")
        page.locator("#devices a", has_text="onerror").first.click()
        page.wait_for_selector("#device-label")
        assert page.locator("#device-label").inner_text() == HOSTILE[1]
        page.screenshot(path=str(shots / "hostile-device.png"), full_page=True)
        assert page.evaluate("typeof window.__pwned") == "undefined"

        page.click("#logout")
        page.wait_for_url(server.url + "/login")
        page.goto(server.url + "/devices")
        assert page.url.endswith("/login")
        page.screenshot(path=str(shots / "logged-out.png"), full_page=True)
        assert dialogs == []
        assert foreign == []
        assert [e for e in errors if "favicon" not in e] == []
        context.close()
    finally:
        server.stop()
