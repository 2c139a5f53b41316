"""Turn the bytes of a saved command output into text, whatever shell saved it.

Why: Windows PowerShell redirects (``adb shell getprop > getprop.txt``) write UTF-16LE with a BOM
and CRLF line ends; other tools write UTF-8 with or without a BOM, or leave stray carriage
returns. Every parser downstream sees plain ``\\n``-separated text.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import TextIO


def _looks_utf16(data: bytes) -> str | None:
    """Return the UTF-16 codec for BOM-less UTF-16 text (many NULs on one parity), else None."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > half * 0.6 and even_nul < half * 0.1:
        return "utf-16-le"
    if even_nul > half * 0.6 and odd_nul < half * 0.1:
        return "utf-16-be"
    return None


def decode_text(data: bytes | str) -> str:
    """Decode ``data`` (UTF-8/UTF-16 with or without BOM) and normalise line ends to ``\\n``.

    Undecodable bytes become U+FFFD rather than an error: a damaged byte in one property must not
    hide the other thousand.
    """
    if isinstance(data, str):
        text = data
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith(codecs.BOM_UTF16_LE):
        text = data[2:].decode("utf-16-le", errors="replace")
    elif data.startswith(codecs.BOM_UTF16_BE):
        text = data[2:].decode("utf-16-be", errors="replace")
    else:
        codec = _looks_utf16(data)
        text = data.decode(codec or "utf-8", errors="replace")
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def iter_lines(text: str) -> Iterator[str]:
    """The ``\\n``-separated lines of ``text`` one at a time (as ``text.split("\\n")`` would give
    them), without building a list: a file of millions of short lines costs one line of memory."""
    start = 0
    find = text.find
    while True:
        end = find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def bounded_lines(handle: TextIO, limit: int) -> Iterator[str | None]:
    """Lines of an open text file (with their line end), at most ``limit`` characters each.

    A longer line is never held whole: its first ``limit`` characters are dropped, the rest is
    skipped in ``limit``-sized pieces, and ``None`` stands for it so the caller can count it. A
    300 MB line without a newline costs ``limit`` characters of memory, not 300 MB.
    """
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while True:
            rest = handle.readline(limit)
            if not rest or rest.endswith("\n"):
                break
        yield None
