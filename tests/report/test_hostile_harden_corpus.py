"""Harden plans and corpus reports in every format, full of hostile strings: nothing reaches the
reader raw.

Every text field of a real harden plan (device, titles, reasons, menus, sources, held-back
packages, notes) and every string of a corpus report (source, errors, tracker, company, signer,
package, permission, host, owner, country names) is replaced by strings that try to rewrite a
terminal (ANSI CSI/OSC escapes, 8-bit CSI), reverse the text (RLO U+202E), forge lines, inject
HTML (``<script>``), shell (backticks, ``$( )``) or Markdown structure (code spans, links, table
pipes, headings). Text, Markdown and HTML must hold no control or bidi character and no live
markup; JSON keeps the strings verbatim in one document; the shell script runs only the plan's
commands. The fleet dashboard renders in the same environment and is checked too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from apk.apk_truth import APK_SET, bundled_kb
from harden.phones import GLOBAL, NOW, device_dir
from hostile_output import assert_no_live_html, assert_terminal_safe, live_tags
from howsafe.apk.model import AppReport, TrackerHit
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.cli import main
from howsafe.corpus.inputs import list_items
from howsafe.corpus.report import CorpusStats, collect_stats
from howsafe.corpus.store import PartWriter
from howsafe.corpus.worker import TrackerSet, app_row, scan_batch
from howsafe.engine import Auditor
from howsafe.harden import HeldBack, Plan, build_plan
from howsafe.kb import KnowledgeBase
from howsafe.report import render_as
from howsafe.report.formats import formats_for
from howsafe.report.sanitize import md_escape
from howsafe.report.shell import shell_script
from howsafe.score import load_profile
from howsafe.sources import load_path

ANSI = "\x1b[2J\x1b[31mred"
OSC = "\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
CSI8 = "\x9b31m"
RLO = "\u202egnp.exe"
FORGED = "\nFAKE: all good"
HTML = "<script>window.__pwned=1</script><img src=x onerror=alert(1)>"
SHELL = "`touch pwned1` $(touch pwned2)"
MD = "`code` # h [a](javascript:alert(1)) ![i](x) | cell | **b** > q"
ALL = " ".join((ANSI, OSC, CSI8, RLO, FORGED, HTML, SHELL, MD))


# ------------------------------------------------------------------------------------------------
# What every human format must (not) contain
# ------------------------------------------------------------------------------------------------


def _assert_human_output_is_inert(fmt: str, out: str) -> None:
    assert_terminal_safe(out)
    assert "\\x1b" in out  # the escape is shown, not obeyed
    if fmt == "html":
        assert_no_live_html(out)
        assert "&lt;script&gt;" in out
        assert "Content-Security-Policy" in out
    elif fmt == "md":
        rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(out)
        assert_no_live_html(rendered)
        assert "<table" not in rendered  # a `| cell |` never becomes a table
        assert rendered.count("<h1>") <= 1  # no forged heading


# ------------------------------------------------------------------------------------------------
# Harden plans
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_plan() -> Plan:
    """A real plan (commands validated by the allowlist) whose every text field is hostile."""
    kb = KnowledgeBase.default()
    snap = load_path(device_dir(GLOBAL))
    auditor = Auditor(kb)
    report = auditor.run(auditor.context(snap), load_profile("everyday"))
    plan = build_plan(snap, kb, load_profile("everyday"), report.findings, level="expert", now=NOW)
    kinds = {s.kind for s in plan.steps}
    assert {"package", "setting"} <= kinds, kinds
    steps = tuple(
        dataclasses.replace(
            s,
            title=f"{s.title} {ALL}",
            reason=ALL,
            source=(ALL, "https://example.org/ok"),
            breaks=ALL,
            collects=(ALL, "usage"),
            removal=ALL,
            requires=ALL,
            menu=ALL,
            label=ALL,
        )
        for s in plan.steps
    )
    held = (HeldBack(package=f"com.evil{ALL}", level="expert", reason=ALL, source=(ALL,), label=ALL),)
    return dataclasses.replace(
        plan, device=ALL, profile=ALL, steps=steps, held_back=held, notes=(ALL, MD), tool=f"howsafe {ALL}"
    )


def test_harden_formats_come_from_the_formatter_table() -> None:
    assert formats_for("harden") == ("text", "json", "md", "html", "sh")


@pytest.mark.parametrize("fmt", [f for f in formats_for("harden") if f not in ("json", "sh")])
def test_no_hostile_string_reaches_a_human_harden_plan_raw(hostile_plan: Plan, fmt: str) -> None:
    out = render_as("harden", fmt, hostile_plan)
    _assert_human_output_is_inert(fmt, out)
    # the plan is still all there: every phone command, in order
    pos = 0
    for s in hostile_plan.steps:
        for c in s.action:
            shown = md_escape(c.shell) if fmt == "md" else c.shell
            pos = out.find(shown, pos)
            assert pos >= 0, (fmt, c.shell)


def test_json_plan_keeps_hostile_strings_verbatim_in_one_document(hostile_plan: Plan) -> None:
    out = render_as("harden", "json", hostile_plan)
    assert_terminal_safe(out)
    doc = json.loads(out)
    assert doc["device"] == ALL and doc["notes"] == [ALL, MD]
    assert {s["reason"] for s in doc["steps"]} == {ALL}
    assert doc["held_back"][0]["package"] == f"com.evil{ALL}"


def _fake_adb(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    adb = bin_dir / "adb"
    adb.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> "$ADB_LOG"\n', encoding="utf-8")
    adb.chmod(adb.stat().st_mode | stat.S_IXUSR)
    return bin_dir


@pytest.mark.parametrize("undo", [False, True])
def test_shell_scripts_run_only_the_plans_commands(hostile_plan: Plan, tmp_path: Path, undo: bool) -> None:
    script = render_as("harden", "sh", hostile_plan) if not undo else shell_script(hostile_plan, undo=True)
    assert_terminal_safe(script)
    for line in filter(None, script.splitlines()):  # device text only ever in comments
        assert line.startswith(("#", "adb_shell '", "set -eu", "adb_shell() {")), line
    path = tmp_path / "plan.sh"
    path.write_text(script, encoding="utf-8")
    log = tmp_path / "adb.log"
    env = {**os.environ, "PATH": f"{_fake_adb(tmp_path)}:{os.environ['PATH']}", "ADB_LOG": str(log)}
    subprocess.run(["sh", str(path)], check=True, cwd=tmp_path, env=env)
    assert not (tmp_path / "pwned1").exists() and not (tmp_path / "pwned2").exists()
    steps = reversed(hostile_plan.phone_steps) if undo else hostile_plan.phone_steps
    expected = [c.shell for s in steps for c in (reversed(s.undo) if undo else s.action)]
    sent = log.read_text(encoding="utf-8").splitlines()
    assert sent[0::2] == ["shell"] * len(expected)
    assert sent[1::2] == expected


def test_harden_cli_writes_the_plan_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in formats_for("harden"):
        assert main(["harden", str(device_dir(GLOBAL)), "--format", fmt]) == 0, fmt
        out = capsys.readouterr().out
        assert "com.miui.analytics" in out, fmt
        if fmt == "html":
            assert out.startswith("<!DOCTYPE html>") and "<h1>howsafe harden plan: Redmi Note 13 Pro 5G" in out


# ------------------------------------------------------------------------------------------------
# Corpus reports
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_stats() -> CorpusStats:
    """Every table of a corpus report with a hostile string in each of its text columns."""
    return CorpusStats(
        source=f"/data/{ALL}.parquet",
        rows=3,
        apps=3,
        apps_ok=2,
        apps_with_trackers=1,
        distinct_packages=2,
        dex_bytes=12345,
        snapshots=1,
        errors=[(ALL, 1)],
        trackers=[{"tracker": ALL, "exodus_id": None, "company": ALL, "apps": 1, "share": 50.0}],
        categories=[{"category": ALL, "apps": 1, "share": 50.0}],
        signers=[
            {
                "signer": ALL,
                "apps": 2,
                "apps_with_trackers": 1,
                "share": 50.0,
                "mean_trackers": 0.5,
                "packages": ALL,
            }
        ],
        permissions=[{"permission": ALL, "apps": 2, "share": 100.0}],
        apps_per_tracker=[{"tracker": ALL, "apps": 1, "examples": [ALL, "com.example.ok"]}],
        grades=[{"grade": ALL, "snapshots": 1}],
        captures=1,
        captures_read=1,
        top_hosts=[
            {
                "host": ALL,
                "owner": ALL,
                "countries": ALL,
                "bytes": 1000,
                "mb": 0.001,
                "packets": 3,
                "flows": 1,
                "captures": 1,
            }
        ],
        hosts_by_owner=[
            {"owner": ALL, "hosts": 1, "bytes": 1000, "mb": 0.001, "packets": 3, "flows": 1, "captures": 1}
        ],
        hosts_by_country=[
            {"country": ALL, "hosts": 1, "bytes": 1000, "mb": 0.001, "packets": 3, "flows": 1, "captures": 1}
        ],
    )


def test_corpus_formats_come_from_the_formatter_table() -> None:
    assert formats_for("corpus") == ("text", "json", "html")


@pytest.mark.parametrize("fmt", [f for f in formats_for("corpus") if f != "json"])
def test_no_hostile_string_reaches_a_human_corpus_report_raw(hostile_stats: CorpusStats, fmt: str) -> None:
    out = render_as("corpus", fmt, hostile_stats)
    _assert_human_output_is_inert(fmt, out)
    # still the whole report: every section, and the offline page keeps its charts
    for title in ("Tracker prevalence", "Per signer", "Apps per tracker", "Snapshot grades", "Hosts by owner"):
        assert title in out, (fmt, title)
    if fmt == "html":
        assert out.count("<svg") == 6
        # nothing loaded: the page works offline
        assert not [a for _, a in live_tags(out) if {"src", "href"} & set(a)]


def test_json_corpus_report_keeps_hostile_strings_verbatim(hostile_stats: CorpusStats) -> None:
    out = render_as("corpus", "json", hostile_stats)
    assert_terminal_safe(out)
    doc = json.loads(out)
    assert doc["errors"] == [{"error": ALL, "rows": 1}]
    assert doc["top_hosts"][0]["host"] == ALL and doc["apps_per_tracker"][0]["examples"][0] == ALL


def test_corpus_cli_on_a_dataset_with_a_hostile_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.parquet"
    rows = scan_batch(list(list_items(str(APK_SET / "trackers")))[:3], TrackerSet.of(load_tracker_db(bundled_kb())))
    hit = TrackerHit(ALL, None, (ALL,), ALL, "howsafe", ("x.y",), ("x.y.Z",), 1)
    report = AppReport(path=ALL, package=ALL, signer_sha256=(ALL,), permissions=(ALL,), trackers=(hit,))
    bad = {"sha256": "e" * 64, "key": "e" * 64, "path": ALL, "record": "app", "size": 1, "mtime": 0.0}
    writer = PartWriter(str(out))
    writer.add([*rows, {**bad, **app_row(report)}])
    writer.close()
    assert collect_stats(str(out)).apps == 4
    for fmt in formats_for("corpus"):
        assert main(["corpus", "report", str(out), "--format", fmt]) == 0, fmt
        text = capsys.readouterr().out
        if fmt == "json":
            assert ALL in {t["tracker"] for t in json.loads(text)["trackers"]}
        else:
            _assert_human_output_is_inert(fmt, text)


# ------------------------------------------------------------------------------------------------
# The fleet dashboard shares the report pages' environment
# ------------------------------------------------------------------------------------------------


def test_dashboard_pages_clean_every_value_like_the_reports() -> None:
    from howsafe.web import dashboard

    page = dashboard._env.get_template("error.html.j2").render(
        status_code=400, message=ALL, login=None, request_path="/x"
    )
    assert_terminal_safe(page)
    assert_no_live_html(page)
    assert "\\x1b[2J" in page and "\\u202egnp.exe" in page and "&lt;script&gt;" in page
