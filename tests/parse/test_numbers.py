"""The one strict number reader: ASCII digits only, bounded length, None for everything else."""

from __future__ import annotations

import pytest

from howsafe.parse.numbers import leading_int, strict_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("10123", 10123),
        ("2023061500", 2023061500),
        ("", None),
        (" 12", None),
        ("12 ", None),
        ("1_000", None),
        ("+5", None),
        ("-5", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("1²3", None),
        ("١٢٣", None),  # Arabic-Indic digits: int() would accept them
        ("１２", None),  # full-width digits
        ("9" * 21, None),
        ("9" * 5000, None),  # over Python's 4,300-digit conversion limit
        (None, None),
    ],
)
def test_strict_int(text: str | None, expected: int | None) -> None:
    assert strict_int(text) == expected


def test_signed_and_bytes_and_bounds() -> None:
    assert strict_int("-1", signed=True) == -1
    assert strict_int("-", signed=True) is None
    assert strict_int("--1", signed=True) is None
    assert strict_int(b"42") == 42
    assert strict_int(b"\xff") is None
    assert strict_int("1234", max_digits=3) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("33", 33), ("  33 (beta)", 33), ("\t7x", 7), ("x7", None), ("²", None), ("9" * 5000, None), ("", None)],
)
def test_leading_int(text: str, expected: int | None) -> None:
    assert leading_int(text) == expected
