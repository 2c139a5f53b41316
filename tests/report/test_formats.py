"""The formatter table, SARIF for apps, Markdown code spans, COLUMNS and ``-o`` confirmations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DEVICES, FIXTURES
from howsafe.cli import main
from howsafe.errors import ReportError
from howsafe.report.formats import TABLE, formats_for, formatter
from howsafe.report.sanitize import clean, md_cell, md_escape

APK = FIXTURES / "apk" / "trackers" / "many-trackers.apk"
XIAOMI = DEVICES / "xiaomi-sheng-OS2.0.205.0.VNXCNXM"
PIXEL = DEVICES / "google-oriole-13277524"


def test_every_table_entry_resolves_to_a_callable() -> None:
    for kind, fmts in TABLE.items():
        for fmt in fmts:
            assert callable(formatter(kind, fmt)), (kind, fmt)
    assert formats_for("apps") == ("text", "json", "html", "sarif")
    with pytest.raises(ReportError, match="choose one of"):
        formatter("vulns", "html")


def test_apps_sarif_one_result_per_tracker_and_dangerous_permission(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apps", str(APK), "--jobs", "1", "--format", "sarif"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    assert run["tool"]["driver"]["name"] == "howsafe"
    assert run["artifacts"] == [{"location": {"uri": str(APK).replace(" ", "%20")}}]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rules for r in run["results"])
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 0 for r in run["results"])
    trackers = [r for r in run["results"] if r["ruleId"].startswith("tracker/")]
    truth = json.loads((FIXTURES / "apk" / "truth.json").read_text(encoding="utf-8"))
    names = set(truth["entries"]["trackers/many-trackers.apk"]["tracker_names"])
    assert len(trackers) >= len(names) > 0
    perms = [r for r in run["results"] if r["ruleId"].startswith("permission/")]
    assert all(r["ruleId"].startswith("permission/android.permission.") for r in perms)


def test_markdown_keeps_code_spans_and_a_readable_greater_than() -> None:
    assert md_escape("run `howsafe kb update` > Settings") == "run `howsafe kb update` > Settings"
    assert md_escape("> quote") == "\\> quote"
    assert md_escape("a * b [x](y) <b>") == "a \\* b \\[x\\](y) &lt;b>"
    assert md_escape("one ` alone") == "one \\` alone"
    assert md_cell("`a|b` | c") == "`a\\|b` \\| c"
    assert clean("x\x1b[2J\u202ey\nz") == "x\\x1b[2J\\u202ey z"


def test_text_honours_columns_and_wraps_between_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["compare", str(XIAOMI), str(PIXEL)]) == 0
    narrow = capsys.readouterr().out.splitlines()
    table = narrow[2 : narrow.index("", 2)]
    assert max(len(line) for line in table) <= 60
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["compare", str(XIAOMI), str(PIXEL)]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert len(wide) < len(narrow)  # fewer wrapped rows when there is room
    # words wrap whole: every word of the wide "End of life" row is a word of the narrow output
    eol = next(line for line in wide if line.startswith("End of life"))
    narrow_words = {w for line in narrow for w in line.split()}
    assert all(w in narrow_words for w in eol.split() if len(w) <= 12)


def test_output_file_is_confirmed_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.md"
    assert main(["audit", "--demo", "--format", "md", "-o", str(target)]) in (0, 1)
    err = capsys.readouterr().err
    size = target.stat().st_size
    assert f"howsafe: wrote {target} ({size:,} bytes)" in err
