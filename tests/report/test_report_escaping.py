"""Any string a device can carry leaves the page structure unchanged and is shown as written.

Property-based: hypothesis generates arbitrary text (markup, entities, control characters,
Markdown syntax, bidi overrides) and puts it into every text field of a finding; the HTML page
and the rendered Markdown must have exactly the same element structure as for a harmless word,
and the visible text must be the (control-character-escaped) string itself.
"""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from howsafe.model import Snapshot
from howsafe.report import render
from howsafe.report.layout import clean
from report.report_helpers import XIAOMI, audit_echo, snapshot_from_folder

NASTY = st.sampled_from(
    [
        "<script>window.__pwned=1</script>",
        '"><svg onload=alert(1)>',
        "javascript:alert(1)",
        "&amp;",
        "&lt;b&gt;",
        "[x](javascript:alert(1))",
        "![i](x)",
        "<!--",
        "]]>",
        "`code`",
        "**b**",
        "# h",
        "1. x",
        "- x",
        "| a |",
        "\\",
        "\x1b[2J",
        "\u202e",
        "\n",
        "  ",
        "{{ 7*7 }}",
        "{% raw %}",
        "https://a.example/",
        "<https://x>",
    ]
)
# An empty string legitimately drops blocks (no summary, no action), so it is left out.
TEXT = (
    st.lists(st.one_of(NASTY, st.text(max_size=12)), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda t: bool(clean(t).strip()))
)


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.codes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":  # a plain http(s) reference legitimately becomes a link: checked apart
            self.hrefs.append(dict(attrs).get("href") or "")
            return
        if tag == "code":  # a Markdown code span shows its content literally: checked apart
            self.codes += 1
            return
        self.tags.append(tag + "".join(sorted(f" {k}" for k, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("a", "code"):
            self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _shape(html: str) -> _Shape:
    shape = _Shape()
    shape.feed(html)
    shape.close()
    return shape


@cache
def _snapshot() -> Snapshot:
    return snapshot_from_folder(XIAOMI)


def _md_html(text: str) -> str:
    md = render(audit_echo(_snapshot(), text), "md")
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(md)


@cache
def _baseline_html() -> list[str]:
    return _shape(render(audit_echo(_snapshot(), "word"), "html")).tags


@cache
def _baseline_md() -> list[str]:
    return _shape(_md_html("word")).tags


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_html_structure_does_not_depend_on_device_text(text: str) -> None:
    page = _shape(render(audit_echo(_snapshot(), text), "html"))
    assert page.tags == _baseline_html()
    assert all(h.startswith(("https://", "http://")) and " " not in h for h in page.hrefs)
    assert f"MEDIUM{clean(text)}" in "".join(page.text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_markdown_structure_does_not_depend_on_device_text(text: str) -> None:
    shape = _shape(_md_html(text))
    assert shape.tags == _baseline_md()
    assert all(h.startswith(("https://", "http://")) for h in shape.hrefs)
    shown = clean(text).strip()
    rendered = "".join(shape.text)
    if shape.codes:  # backticks that delimit a code span are not shown, its content is, verbatim
        shown, rendered = shown.replace("`", ""), rendered.replace("`", "")
    assert shown in rendered
