"""The HTML report in a real headless Chromium (Debian's, driven by Playwright).

What a user relies on: the page renders offline with the verdict and the area chart visible,
findings open to show their evidence, nothing is fetched from anywhere, nothing logs an error,
and a device whose labels and properties carry script runs nothing and shows the text as it is.
Screenshots are kept under ``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, Route, sync_playwright

from conftest import REPO
from howsafe.model import Outcome, Severity
from howsafe.report import render
from howsafe.score.verdict import area_label
from report.report_helpers import HOSTILE, XIAOMI, audit, hostile_snapshot, snapshot_from_folder

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

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
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium with "
            "`apt-get update && apt-get install -y chromium` (CI does this in .ci/run; "
            "never `playwright install`)",
            pytrace=False,
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """Everything the page tried to do besides rendering."""

    page_url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_failed(self, request: Request) -> None:
        self.failed[request.url] = request.failure or ""

    def on_route(self, route: Route) -> None:
        if route.request.url == self.page_url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_quiet(self) -> None:
        assert self.requests == [self.page_url], f"the page made requests: {self.requests}"
        assert not self.blocked, f"the page tried to fetch: {self.blocked}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"dialogs fired: {self.dialogs}"


def _open(browser: Browser, html: str, path: Path) -> tuple[Page, Watch]:
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, java_script_enabled=True, service_workers="block"
    )
    watch = Watch(page_url=path.as_uri())
    context.route("**/*", watch.on_route)
    page = context.new_page()
    page.on("request", watch.on_request)
    page.on("requestfailed", watch.on_failed)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("dialog", watch.on_dialog)
    page.goto(watch.page_url, wait_until="load")
    return page, watch


def _screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / shot.name)
    return shot


def test_report_page_shows_verdict_chart_and_evidence(browser: Browser, tmp_path: Path) -> None:
    snap = snapshot_from_folder(XIAOMI)
    report = audit(snap)
    page, watch = _open(browser, render(report, "html", snapshot=snap), tmp_path / "report.html")
    try:
        headline = page.locator("#verdict-headline")
        assert headline.is_visible()
        # the grade badge says the grade; the headline beside it does not repeat it
        assert headline.inner_text() == report.verdict.headline.removeprefix(f"{report.verdict.grade.value}: ")
        assert page.locator(".grade-big").inner_text() == report.verdict.grade.value

        chart = page.locator("svg#area-chart")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        for area in report.verdict.areas:
            assert chart.locator("text", has_text=area_label(area.area)).first.is_visible()
        bars = chart.locator("rect[class^='g-']")
        assert bars.count() == len(report.verdict.areas)
        updates_bar = chart.locator("rect.g-B").first.bounding_box()
        assert updates_bar is not None and updates_bar["width"] > 0

        # A medium finding starts closed; opening it shows what was seen.
        medium = next(f for f in report.findings if f.outcome is Outcome.FAIL and f.severity is Severity.MEDIUM)
        details = page.locator(f"details[data-finding='{medium.id}']")
        evidence = details.locator("table.evidence")
        assert not evidence.is_visible()
        details.locator("summary").click()
        assert evidence.is_visible()
        assert medium.evidence[0].key in evidence.inner_text()
        # A high one is open from the start, with its evidence.
        high = page.locator("details[data-finding='test.patch_level'] table.evidence")
        assert high.is_visible() and "2019-06-01" in high.inner_text()

        shot = _screenshot(page, tmp_path, "report-xiaomi-vince")
        assert shot.stat().st_size > 10_000
        watch.assert_quiet()
    finally:
        page.context.close()


def test_hostile_device_strings_execute_nothing(browser: Browser, tmp_path: Path) -> None:
    snap = hostile_snapshot(snapshot_from_folder(XIAOMI))
    report = audit(snap)
    page, watch = _open(browser, render(report, "html", snapshot=snap), tmp_path / "hostile.html")
    try:
        for d in page.locator("details").all():  # open everything so every string is laid out
            d.evaluate("el => el.open = true")
        page.mouse.move(200, 200)
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs and all(h.startswith("https://") for h in hrefs)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("script").count() == 0
        assert page.locator("img").count() == 0
        assert page.locator("svg").count() == page.locator("svg.chart").count()
        with_handlers = page.evaluate(
            "() => [...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
            "a => a.name.startsWith('on') || a.value.trim().toLowerCase().startsWith('javascript:'))).length"
        )
        assert with_handlers == 0
        body = page.locator("body").inner_text()
        for payload in HOSTILE:
            assert f"Free VPN {payload}" in body
        assert page.get_by_text(f"Free VPN {HOSTILE[0]}", exact=True).first.is_visible()
        _screenshot(page, tmp_path, "report-hostile")
        watch.assert_quiet()
    finally:
        page.context.close()


def test_csp_blocks_script_even_if_escaping_failed(browser: Browser, tmp_path: Path) -> None:
    """The second wall: inject raw script into the page as an escaping bug would, it must not run."""
    snap = snapshot_from_folder(XIAOMI)
    html = render(audit(snap), "html", snapshot=snap)
    injected = "".join(HOSTILE[:3]) + '<img src="https://example.invalid/x.png">'
    broken = html.replace("<main>", "<main>" + injected, 1)
    page, watch = _open(browser, broken, tmp_path / "broken.html")
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert not watch.dialogs
        # The images were refused by the CSP inside the renderer: they never reached the router,
        # let alone the network.
        attempted = [u for u in watch.requests if u != watch.page_url]
        assert "https://example.invalid/x.png" in attempted
        assert all(watch.failed.get(u) == "csp" for u in attempted), watch.failed
        assert not watch.blocked
        assert any("Content Security Policy" in e for e in watch.errors)
    finally:
        page.context.close()
