"""Release strings from devices and version phrases from bulletins compare the same way."""

from __future__ import annotations

import pytest

from howsafe.vulns.versions import normalise_release, parse_versions, versions_match


@pytest.mark.parametrize(
    ("release", "sdk", "expected"),
    [
        ("8.1.0", 27, "8.1"),
        ("8.0.0", 26, "8.0"),
        ("9", 28, "9"),
        ("6.0.1", 23, "6.0.1"),
        ("6.0", 23, "6.0"),
        ("12", 32, "12L"),  # 12L reports "12" with SDK 32
        ("12", 31, "12"),
        ("5.1", 22, "5.1"),
        ("", 23, None),
        (None, None, None),
    ],
)
def test_normalise_release(release: str | None, sdk: int | None, expected: str | None) -> None:
    assert normalise_release(release, sdk) == expected


@pytest.mark.parametrize(
    ("cell", "tokens"),
    [
        ("7.0, 7.1.1, 7.1.2, 8.0, 8.1, 9", ("7.0", "7.1.1", "7.1.2", "8.0", "8.1", "9")),
        ("5.1 and below", ("<=5.1",)),
        ("5.0 and above", (">=5.0",)),
        ("5.0 - 6.0", ("5.0-6.0",)),
        ("4.4, 5.0, and 5.1", ("4.4", "5.0", "5.1")),
        ("None", None),
        ("3.10, 3.18", ("3.10", "3.18")),
    ],
)
def test_parse_versions(cell: str, tokens: tuple[str, ...] | None) -> None:
    assert parse_versions(cell) == tokens


def test_old_family_tokens_cover_point_releases_but_new_ones_are_exact() -> None:
    assert versions_match(("<=5.1",), "5.1.1")
    assert versions_match(("<=5.1",), "4.4.4")
    assert not versions_match(("<=5.1",), "6.0")
    assert versions_match(("5.0", "5.1"), "5.1.1")  # 2015 style "5.0, 5.1"
    assert not versions_match(("6.0",), "6.0.1")  # from 6.0 on bulletins list 6.0.1 separately
    assert versions_match(("6.0", "6.0.1"), "6.0.1")
    assert versions_match((">=5.0",), "5.1.1") and not versions_match((">=5.0",), "4.4.4")
    assert versions_match(("5.0-6.0",), "5.1.1") and not versions_match(("5.0-6.0",), "7.0")
    assert versions_match(None, "9")
    assert versions_match(("12L",), "12L") and not versions_match(("12",), "12L")
