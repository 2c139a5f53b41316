"""The one sanitiser every human-readable output goes through (text, Markdown, HTML).

Everything read from a device or an input file (labels, properties, package ids, file names,
host names) is attacker-controlled. :func:`clean` removes what could fool a terminal or a reader:
C0/C1 control characters (so ANSI/OSC escape sequences lose their ESC/CSI/OSC introducer and
print as visible ``\\x1b`` text), bidirectional overrides and isolates ("Trojan source"), other
format characters, and line breaks and separators (one device string can never forge extra report
lines). It also bounds the length. Each format then escapes for itself on top:

- text: :func:`clean` only (rich is always used with markup off);
- Markdown: :func:`md_escape` (structure characters backslash-escaped, ``<``/``&`` as entities,
  code spans kept as code spans since their content is literal);
- HTML: :func:`clean`, then Jinja2 autoescaping in the templates (never ``|safe`` on data); the
  shared environment (:mod:`howsafe.report.templating`) cleans every template value as well.

JSON output keeps string values verbatim; :func:`json_text` writes the characters :func:`clean`
would escape as ``\\uXXXX`` escapes, so a document printed on a terminal cannot drive it either,
while any JSON reader gets exactly the same strings back.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional controls can make text read differently from what it is ("Trojan source").
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))
# Escaped as well: control and format characters, surrogates, private use, line/paragraph separators.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
MAX_FIELD = 2000  # a hostile 1 MB label must not make a report unreadable


def _unsafe(ch: str) -> bool:
    """What a terminal or a reader could obey: controls, bidi and other format characters,
    surrogates, private use, line and paragraph separators."""
    return ch in _BIDI or unicodedata.category(ch) in _HIDDEN


def clean(value: object, *, limit: int | None = MAX_FIELD) -> str:
    """``value`` as display text: control and bidi characters shown as escapes, length bounded
    (``limit=None``: not bounded; for text that was bounded already).

    Newlines and tabs become spaces so one device string can never forge extra report lines.
    """
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… (+{len(text) - limit} chars)"
    return escape_controls(text)


def escape_controls(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every control, format (bidi) or separator character shown as its escape;
    tabs and line breaks become spaces unless ``keep_lines`` (then ``\\n`` stays, ``\\r`` and
    tabs become spaces). Nothing else changes, so it is idempotent."""
    if text.isprintable():  # the common case: nothing to escape (every escaped character is unprintable)
        return text
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_lines:
            out.append(ch)
        elif ch in "\n\r\t":
            out.append(" ")
        elif _unsafe(ch):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def clean_lines(text: str) -> str:
    """A multi-line text built by howsafe whose parts may hold device strings: each line cleaned.

    Use for whole outputs assembled elsewhere (e.g. a formatter's lines); line structure is kept.
    """
    return "\n".join(clean(line, limit=10 * MAX_FIELD) for line in text.split("\n"))


_NOT_PRINTABLE_ASCII = re.compile(r"[^\x00-\x7e]+")  # JSON encoders already escape C0 controls


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(document: str) -> str:
    """A serialised JSON ``document`` with every character :func:`clean` would escape (DEL and C1
    controls, bidi and other format characters, surrogates, private use) written as a ``\\u``
    escape: a JSON reader gets the same values, a terminal showing the document gets nothing to obey.

    Such characters can only stand inside JSON strings (the syntax around them is ASCII), where a
    ``\\u`` escape is always valid. Other text (accents, CJK, emoji) is left readable.
    """

    # A report is mostly ASCII (a 222-package audit: 525 kB with five non-ASCII runs), and scanning
    # all of it with the pattern cost about 3 ms; a slice that is ASCII without DEL (checked at C
    # speed) has nothing to escape. Slicing is safe: each character is escaped on its own.
    parts: list[str] = []
    for start in range(0, len(document), _SLICE):
        part = document[start : start + _SLICE]
        if not part.isascii() or "\x7f" in part:
            part = _NOT_PRINTABLE_ASCII.sub(_fix_run, part)
        parts.append(part)
    return "".join(parts)


_SLICE = 1 << 14


def _fix_run(m: re.Match[str]) -> str:
    return "".join(_json_escape(ch) if _unsafe(ch) else ch for ch in m.group())


# ------------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------------

# What can start inline structure outside code spans: emphasis, links/images, table cells,
# strike-through, backslash escapes. ``>`` is inert inside a line (only a line-leading one
# starts a block quote) and is left readable.
_PUNCT = re.compile(r"([\\*_\[\]|~])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")
_BACKTICKS = re.compile(r"`+")


def _md_plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _PUNCT.sub(r"\\\1", text)


def _split_code_spans(text: str) -> list[tuple[bool, str]]:
    """``text`` as (is_code, part) pieces following CommonMark: a run of N backticks opens a code
    span closed by the next run of exactly N backticks; an unmatched run is literal text."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    plain_start = 0
    while True:
        m = _BACKTICKS.search(text, pos)
        if m is None:
            break
        fence = m.group()
        close = None
        for c in _BACKTICKS.finditer(text, m.end()):
            if c.group() == fence:
                close = c
                break
        if close is None:
            pos = m.end()  # unmatched: stays in the plain part (escaped there)
            continue
        if m.start() > plain_start:
            parts.append((False, text[plain_start : m.start()]))
        parts.append((True, text[m.start() : close.end()]))
        pos = plain_start = close.end()
    if plain_start < len(text):
        parts.append((False, text[plain_start:]))
    return parts


def md_escape(value: object, *, cell: bool = False) -> str:
    """``value`` (cleaned) as Markdown inline text that cannot add structure.

    Code spans (text between matching backtick runs) stay code spans: their content is shown
    literally by every renderer, so nothing in them is escaped (a ``|`` in a table ``cell`` gets the
    backslash GitHub tables need). Outside them, Markdown punctuation that can open inline
    structure gets a backslash, ``<`` and ``&`` become entities, and a leading block marker
    (``-``, ``+``, ``#``, ``=``, ``>``, ``1.``) is escaped. Surrounding blanks are dropped.
    """
    text = clean(value).strip()
    out: list[str] = []
    for is_code, part in _split_code_spans(text):
        if is_code:
            out.append(part.replace("|", "\\|") if cell else part)
        else:
            out.append(_BACKTICKS.sub(lambda m: "\\`" * len(m.group()), _md_plain(part)))
    escaped = "".join(out)
    escaped = _LEADING_NUMBER.sub(r"\1\\\2", escaped)
    return "\\" + escaped if escaped[:1] in ("-", "+", "#", "=", ">") else escaped


def md_cell(value: object) -> str:
    """:func:`md_escape` for a table cell."""
    return md_escape(value, cell=True)
