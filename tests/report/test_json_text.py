"""JSON output through the one sanitiser: hidden characters become ``\\u`` escapes wherever they
stand in a long document, readable text stays, and a JSON reader gets the same values back."""

from __future__ import annotations

import json
import unicodedata

from howsafe.report.sanitize import json_text

HIDDEN = ["\x7f", "\x85", "\u202e", "\u2066", "\u200f", "\ue000", "\U000f0000", "\u2028", "\ud800"]


def _hidden(ch: str) -> bool:
    return ch == "\x7f" or unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def test_hidden_characters_are_escaped_anywhere_in_a_long_document_and_values_survive() -> None:
    # long ASCII stretches with one hidden character at (and either side of) every 4 kB boundary,
    # plus a DEL alone in an otherwise-ASCII stretch: all must be found, not just the first ones
    values = []
    for i in range(64):
        filler = "x" * (4096 - 7 - (i % 3))
        values.append(f"{filler}{HIDDEN[i % len(HIDDEN)]}pkg{i}")
    values.append("a" * 50_000 + "\x7f" + "b" * 50_000)
    values.append("café 信 😀")  # readable non-ASCII stays as it is
    doc = json.dumps({"values": values}, ensure_ascii=False, indent=1)

    out = json_text(doc)

    assert not [ch for ch in out if _hidden(ch) and ch != "\n"]
    assert json.loads(out) == json.loads(doc)
    assert "café 信 😀" in out
    assert out.count("\\u202e") == sum(v.count("\u202e") for v in values)
    assert out.count("\\udb80\\udc00") == sum(v.count("\U000f0000") for v in values)  # a surrogate pair


def test_an_ascii_document_comes_back_unchanged() -> None:
    doc = json.dumps({"k": "v" * 100_000, "n": list(range(1000))})
    assert json_text(doc) == doc
