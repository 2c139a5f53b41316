"""The one strict number reader for text that came from a device, a dump or a capture.

Why: ``str.isdigit()`` accepts superscripts and other Unicode digits that ``int()`` then refuses,
``int()`` itself accepts Arabic-Indic digits, underscores and surrounding spaces, and refuses
strings over Python's 4,300-digit limit with a ``ValueError``. A hostile ``uid:`` or
``ro.build.version.sdk`` must never reach any of that: every parser reads numbers through
:func:`strict_int`, which takes ASCII digits only, of bounded length, and answers ``None`` otherwise.
"""

from __future__ import annotations

import re

MAX_DIGITS = 20
"""Enough for any 64-bit counter (uid, versionCode, byte counts, epoch milliseconds)."""

DIGITS = "[0-9]"
"""Use in regular expressions instead of ``\\d`` (which matches every Unicode decimal digit)."""

_LEADING = re.compile(r"[ \t]*([0-9]+)")
_HEX = re.compile(r"[0-9a-fA-F]+")


def strict_int(text: str | bytes | None, *, max_digits: int = MAX_DIGITS, signed: bool = False) -> int | None:
    """``text`` as an int when it is only ASCII digits (with a leading ``-`` if ``signed``) and at
    most ``max_digits`` long; ``None`` for anything else (empty, spaces, Unicode digits, too long)."""
    if text is None:
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None
    body = text[1:] if signed and text.startswith("-") else text
    if not body or len(body) > max_digits or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def strict_int_or_hex(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """A decimal number (optionally negative) or a ``0x`` hexadecimal one, as Android resource XML
    writes integer attributes (``versionCode="0x1f"``); ASCII only, at most ``max_digits`` digits."""
    if text is None:
        return None
    body = text[1:] if text.startswith("-") else text
    if body[:2] in ("0x", "0X"):
        digits = body[2:]
        if not digits or len(digits) > max_digits or not _HEX.fullmatch(digits):
            return None
        value = int(digits, 16)
        return -value if text.startswith("-") else value
    return strict_int(text, max_digits=max_digits, signed=True)


def leading_int(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The ASCII number at the start of ``text`` (after spaces/tabs): ``"33 (beta)"`` -> 33;
    ``None`` when there is none or it has more than ``max_digits`` digits."""
    m = _LEADING.match(text) if text else None
    return strict_int(m.group(1), max_digits=max_digits) if m else None
