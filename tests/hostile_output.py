"""Assertions on what a command printed from hostile input: nothing a terminal or a browser obeys.

Shared by the hostile-output suites (every command and format, the side channels, harden and
corpus). Bidirectional overrides and isolates are format characters (Unicode category Cf), so the
category test covers them.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

_OBEYED = ("Cc", "Cf", "Zl", "Zp")  # controls, format (bidi) characters, line/paragraph separators


def assert_terminal_safe(text: str, *, allow: str = "\n") -> None:
    """No control, format or separator character but those in ``allow``, and no line forged by a
    device string (the hostile fixtures start theirs with FAKE, maybe behind Markdown markers)."""
    bad = {ch for ch in text if ch not in allow and unicodedata.category(ch) in _OBEYED}
    assert not bad, sorted(f"U+{ord(ch):04X}" for ch in bad)
    assert not any(line.lstrip(" #>-*").startswith("FAKE") for line in text.splitlines()), text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def live_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The start tags a browser would build from ``html``, with their attributes."""
    parsed = _Tags()
    parsed.feed(html)
    return parsed.tags


def assert_no_live_html(html: str) -> None:
    """No script, embedded object or image, no event handler, no javascript: link."""
    tags = live_tags(html)
    names = {t for t, _ in tags}
    assert not names & {"script", "img", "iframe", "object", "embed"}, names
    for _, attrs in tags:
        assert not any(k.startswith("on") for k in attrs), attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript"), attrs
