"""The Markdown report: same order as the terminal, and device strings stay text when rendered."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from msgspec.structs import replace

from howsafe.model import Report, Snapshot
from howsafe.report import render
from report.report_helpers import HOSTILE, XIAOMI, audit, hostile_snapshot, snapshot_from_folder


class _Collect(HTMLParser):
    """Tags, attributes and text of rendered HTML, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _as_html(md: str) -> _Collect:
    # CommonMark passes raw HTML through (html=True), like GitHub before its sanitiser: the
    # escaping must hold on its own.
    html = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(md)
    parsed = _Collect()
    parsed.feed(html)
    return parsed


@pytest.fixture(scope="module")
def xiaomi() -> tuple[Snapshot, Report]:
    snap = snapshot_from_folder(XIAOMI)
    return snap, audit(snap)


def test_markdown_order_grades_actions_and_evidence(xiaomi: tuple[Snapshot, Report]) -> None:
    snap, report = xiaomi
    md = render(report, "md", snapshot=snap)
    headings = [ln for ln in md.splitlines() if ln.startswith("## ")]
    assert headings[0] == f"## Verdict — {report.verdict.headline}"
    assert report.verdict.headline.startswith(f"{report.verdict.grade.value}: ")
    assert headings[1:8] == [
        "## Your questions",
        "## Grades by area",
        "## What to do first",
        "## Problems found (5)",
        "## Not checked",
        "## Device",
        "## Knowledge used",
    ]
    assert "| security updates | B | 85 |" in md
    assert "1. **Security patches are more than a year old**" in md
    text = "".join(_as_html(md).text)
    assert "seen: property ro.build.version.security_patch = 2019-06-01 (getprop.txt)" in text
    assert "Android Security Bulletins test: covers up to 2019-03" in text


def test_device_strings_render_as_literal_text(xiaomi: tuple[Snapshot, Report]) -> None:
    snap = hostile_snapshot(xiaomi[0])
    props = {**snap.properties, "ro.boot.flash.locked": "[click](javascript:alert(1)) ![x](x)"}
    evil = replace(snap, properties=props)
    md = render(audit(evil), "md", snapshot=evil)
    parsed = _as_html(md)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"script", "img", "svg", "iframe"}
    hrefs = [v for t, attrs in parsed.tags if t == "a" for k, v in attrs if k == "href"]
    assert hrefs and all(h and h.startswith("https://") for h in hrefs)
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k, _ in attrs)
    text = "".join(parsed.text)
    for payload in HOSTILE:
        assert f"Free VPN {payload}" in text
    assert "[click](javascript:alert(1)) ![x](x)" in text
