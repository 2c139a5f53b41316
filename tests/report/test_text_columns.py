"""Terminal tables keep identifiers whole: a ROM version, a host name or a package id is never cut
across two lines while the terminal is wide enough for it, and the table still honours COLUMNS
(a word wider than every possible column is the only thing folded)."""

from __future__ import annotations

import re

import pytest

from conftest import DEVICES, FIXTURES
from howsafe.cli import main
from howsafe.report.text import columns_text

GARNET = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"
THOR = DEVICES / "xiaomi-thor-OS2.0.205.0.VLACNXM"
CAPTURE = FIXTURES / "captures" / "pcapdroid.csv"
_BOX = re.compile(r"[\s│┃|]+")


def _words(lines: list[str]) -> set[str]:
    return {w for line in lines for w in _BOX.split(line) if w}


def _identifiers(lines: list[str]) -> set[str]:
    """Dotted words (versions, host names, package ids) without their trailing comma."""
    return {w.rstrip(",") for w in _words(lines) if "." in w and len(w) >= 8}


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], columns: int, *args: str) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    main(list(args))
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("columns", [60, 70, 80, 100])
def test_compare_keeps_rom_versions_whole(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _run(monkeypatch, capsys, columns, "compare", str(GARNET), str(THOR))
    table = lines[2 : lines.index("", 2)]
    assert max(len(line) for line in table) <= columns
    words = {w.strip("()") for w in _words(table)}
    assert {"OS2.0.205.0.VNRMIXM", "OS2.0.205.0.VLACNXM"} <= words, table[:4]


@pytest.mark.parametrize("columns", [120, 140, 200])
def test_net_by_app_keeps_hosts_and_package_ids_whole(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def by_app(lines: list[str]) -> list[str]:
        start = lines.index("  By app")
        return lines[start : lines.index("", start)]

    wide = by_app(_run(monkeypatch, capsys, 400, "net", str(CAPTURE)))
    expected = _identifiers(wide)
    assert {"global.market.xiaomi.com", "com.zhiliaoapp.musically", "com.google.android.gms"} <= expected
    table = by_app(_run(monkeypatch, capsys, columns, "net", str(CAPTURE)))
    assert max(len(line) for line in table) <= columns
    assert _identifiers(table) == expected


def test_a_table_too_narrow_for_its_words_folds_them_and_still_fits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _run(monkeypatch, capsys, 60, "net", str(CAPTURE))
    assert max(len(line) for line in lines) <= 60
    assert "global.market.xiaomi.com" not in _identifiers(lines)  # folded: no column can hold it


@pytest.mark.parametrize("width", [40, 50, 60, 80])
def test_columns_text_cuts_no_word_that_fits(width: int) -> None:
    rows = [
        ["Build", "OS2.0.205.0.VNRMIXM (HyperOS)", "V14.0.1.0.TJJCNXM"],
        ["Hosts", "global.market.xiaomi.com, file.market.xiaomi.com", "api.micloud.xiaomi.net"],
        ["Vendor telemetry packages", "com.miui.analytics com.miui.msa.global", "none"],
    ]
    longest = [max(len(w) for r in rows for w in r[i].split()) for i in range(3)]
    lines = columns_text(rows, width)
    assert max(len(line) for line in lines) <= width
    words = _words(lines)
    if sum(longest) + 2 * 2 <= width:  # every column can hold its longest word
        assert {w for r in rows for c in r for w in c.split()} <= words
    else:
        assert "global.market.xiaomi.com," not in words  # too narrow: folded, as a last resort
