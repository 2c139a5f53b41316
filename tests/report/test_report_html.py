"""The HTML page, read as a parser would: self-contained, locked down, escaped, charts drawn."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from howsafe.model import Outcome, Report, Snapshot
from howsafe.report import render
from howsafe.report.html import CSP
from howsafe.score.verdict import area_label
from report.report_helpers import HOSTILE, XIAOMI, audit, hostile_snapshot, snapshot_from_folder


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def _parse(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    return tree


@pytest.fixture(scope="module")
def xiaomi() -> tuple[Snapshot, Report]:
    snap = snapshot_from_folder(XIAOMI)
    return snap, audit(snap)


def test_page_is_self_contained_and_locked_down(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    tree = _parse(render(report, "html", snapshot=snap))
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    metas = [a for t, a in tree.tags if t == "meta"]
    assert metas[1] == {"http-equiv": "Content-Security-Policy", "content": CSP}  # right after charset
    names = {t for t, _ in tree.tags}
    assert not names & {"script", "iframe", "object", "embed", "img", "base", "form"}
    for tag, attrs in tree.tags:
        for key in ("src", "srcset", "action", "data", "poster"):
            assert key not in attrs, f"<{tag} {key}> would load something"
        if tag == "link":
            assert attrs.get("href", "").startswith("data:")  # type: ignore[union-attr]
        if tag == "a":
            assert (attrs.get("href") or "").startswith("https://")
    assert "url(" not in tree.style and "@import" not in tree.style


def test_verdict_grades_chart_and_findings_with_evidence(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    html = render(report, "html", snapshot=snap)
    text = " ".join(_parse(html).text)
    assert html.index(report.verdict.headline) < html.index('id="area-chart"') < html.index("Problems found")
    chart = re.search(r'<svg class="chart" id="area-chart".*?</svg>', html, re.S)
    assert chart is not None
    for area in report.verdict.areas:
        assert area_label(area.area) in chart.group(0)
    updates = next(a for a in report.verdict.areas if a.area.value == "updates")
    assert updates.score is not None
    widths = [float(w) for w in re.findall(r'<rect class="g-[A-F]" [^>]*width="([\d.]+)"', chart.group(0))]
    assert round(updates.score / 100 * 330, 1) in widths
    failed = [f for f in report.findings if f.outcome is Outcome.FAIL]
    assert html.count('<details class="finding" data-finding=') == len(failed)
    assert "ro.build.version.security_patch" in text and "2019-06-01" in text
    assert "covers up to 2019-03" in text and "howsafe kb update" in text


def test_device_strings_are_escaped_everywhere(xiaomi: tuple[Snapshot, Report]) -> None:
    snap = hostile_snapshot(xiaomi[0])
    html = render(audit(snap), "html", snapshot=snap)
    tree = _parse(html)
    assert "<script>window" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert not any(t in ("script", "img") for t, _ in tree.tags)
    assert all(a.get("class") == "chart" for t, a in tree.tags if t == "svg")
    assert not any(k.startswith("on") for _, attrs in tree.tags for k in attrs)
    assert not any((a.get("href") or "").lower().startswith("javascript") for t, a in tree.tags if t == "a")
    text = " ".join(tree.text)
    for payload in HOSTILE:
        assert f"Free VPN {payload}" in text
