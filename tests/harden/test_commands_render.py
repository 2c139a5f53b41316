"""Allowlist validation, shell quoting with hostile ids, and escaping in the Markdown/HTML plans."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from msgspec.structs import replace

from harden.phones import GLOBAL, NOW, device_dir
from howsafe.engine import Auditor
from howsafe.harden import UnsafeCommandError, allowlist, build_plan, sh_quote
from howsafe.harden.commands import Command
from howsafe.kb import KnowledgeBase
from howsafe.model import Package
from howsafe.report import render_as
from howsafe.report.shell import shell_script
from howsafe.score import load_profile
from howsafe.sources import load_path

HOSTILE = [
    "com.evil;reboot",
    "com.evil && rm -rf /sdcard",
    "com.evil$(id)",
    "com.evil`id`",
    "com.evil'quote",
    'com.evil"dq',
    "com.evil\nreboot",
    "com.evil|sh",
    "com.evil>/sdcard/x",
    "-rf",
    "com.evil *",
    "com.evil\x00x",
    "",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_package_ids_are_refused_before_anything_is_built(bad: str) -> None:
    with pytest.raises(UnsafeCommandError, match="refusing to send"):
        allowlist().build("disable", package=bad)


def test_only_allowlisted_commands_and_shapes() -> None:
    allow = allowlist()
    with pytest.raises(UnsafeCommandError, match="not in the allowlist"):
        allow.build("reboot")
    with pytest.raises(UnsafeCommandError, match="not in the allowlist"):
        allow.parse("disable", ["pm", "clear", "--user", "0", "com.miui.analytics"])
    with pytest.raises(UnsafeCommandError):
        allow.build("settings_put", namespace="secure;id", key="upload_log_pref", value="0")
    with pytest.raises(UnsafeCommandError):
        allow.build("settings_put", namespace="secure", key="upload_log_pref", value="0 && reboot")
    cmd = allow.build("disable", package="com.miui.analytics")
    assert cmd.shell == "pm disable-user --user 0 com.miui.analytics"


@pytest.mark.parametrize("word", [*HOSTILE[:-2], "it's", "a b", "$HOME", "~", "\\", "!"])
def test_sh_quote_passes_hostile_words_as_one_argument(word: str, tmp_path: Path) -> None:
    script = f"printf '%s\\0' {sh_quote(word)} > {sh_quote(str(tmp_path / 'out'))}\n"
    subprocess.run(["sh", "-c", script], check=True, cwd=tmp_path)
    assert (tmp_path / "out").read_bytes() == word.encode() + b"\0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing else ran


def _garnet_plan():  # type: ignore[no-untyped-def]
    kb = KnowledgeBase.default()
    snap = load_path(device_dir(GLOBAL))
    auditor = Auditor(kb)
    report = auditor.run(auditor.context(snap), load_profile("everyday"))
    return snap, build_plan(snap, kb, load_profile("everyday"), report.findings, now=NOW)


def test_sh_script_quotes_every_argument_and_runs_each_command_as_one_adb_argument(tmp_path: Path) -> None:
    _, plan = _garnet_plan()
    # A hand-made hostile command (never accepted by the allowlist) must still come out inert.
    evil = Command(name="disable", words=("pm", "disable-user", "--user", "0", "x';touch pwned;'"), writes=True)
    steps = list(plan.steps)
    steps[0] = type(steps[0])(**{**steps[0].__dict__, "action": (evil,)})
    script = shell_script(type(plan)(**{**plan.__dict__, "steps": tuple(steps)}))
    for line in script.splitlines():
        if line.startswith("adb_shell "):
            assert line[len("adb_shell ") :].startswith("'")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "adb").write_text(
        '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> "$ADB_LOG"\nprintf -- "--\\n" >> "$ADB_LOG"\n'
    )
    (fake / "adb").chmod(0o755)
    (tmp_path / "plan.sh").write_text(script)
    log = tmp_path / "adb.log"
    subprocess.run(
        ["sh", str(tmp_path / "plan.sh")],
        check=True,
        cwd=tmp_path,
        env={"PATH": f"{fake}:/usr/bin:/bin", "ADB_LOG": str(log)},
    )
    calls = log.read_text().split("--\n")[:-1]
    assert len(calls) == len(plan.phone_steps)
    first = calls[0].splitlines()
    assert first[:1] == ["shell"] and len(first) == 2  # the whole remote command is one argument
    assert first[1] == "pm disable-user --user 0 " + sh_quote("x';touch pwned;'")
    assert not (tmp_path / "pwned").exists()
    second = calls[1].splitlines()
    assert second == ["shell", plan.phone_steps[1].action[0].shell]
    undo_script = shell_script(plan, undo=True)
    assert "\nadb_shell 'pm enable --user 0 com.miui.msa.global'\n" in undo_script


def test_hostile_package_ids_in_a_dump_are_left_out_of_the_plan() -> None:
    snap, _ = _garnet_plan()
    bad = Package(id="com.miui.analytics;reboot", enabled=True, installed=True)
    hostile = replace(snap, packages=(*(snap.packages or ()), bad))
    kb = KnowledgeBase.default()
    plan = build_plan(hostile, kb, load_profile("everyday"), (), now=NOW)
    assert all(";" not in s.target for s in plan.steps)


def test_markdown_and_html_escape_device_strings() -> None:
    snap, _ = _garnet_plan()
    evil = "<img src=x onerror=alert(1)> # [x](http://evil) `code` *b* \x1b[31mred \u202egnp.exe\nFAKE: A"
    dev = replace(snap.device, marketname=evil, model=evil)
    hostile = replace(snap, device=dev)
    kb = KnowledgeBase.default()
    plan = build_plan(hostile, kb, load_profile("everyday"), (), now=NOW)
    page = render_as("harden", "html", plan)
    assert "<img" not in page and "&lt;img src=x" in page
    md = render_as("harden", "md", plan)
    assert "<img" not in md and "&lt;img" in md
    # a code span stays a code span (its content is shown literally, nothing in it is live)
    assert "\\[x\\](http" in md and "`code`" in md and "\\*b\\*" in md
    assert md.count("](") == md.count("\\](")  # no live link
    for fmt in ("text", "md", "html", "sh"):
        out = render_as("harden", fmt, plan)
        assert "\x1b" not in out and "\u202e" not in out and "\nFAKE: A" not in out, fmt


def test_json_plan_steps_carry_kind_target_level_reason_source_action_undo() -> None:
    import json

    _, plan = _garnet_plan()
    doc = json.loads(render_as("harden", "json", plan))
    assert doc["level"] == "safe" and doc["steps"]
    for step in doc["steps"]:
        assert step["kind"] in ("package", "setting", "account", "unfixable")
        assert step["target"] and step["reason"] and step["source"]
        assert step["level"] in ("safe", "advanced", "expert", "never")
        if step["kind"] in ("package", "setting"):
            assert step["action"][0]["adb"].startswith("adb shell ")
            assert step["undo"][0]["adb"].startswith("adb shell ")
    analytics = next(s for s in doc["steps"] if s["target"] == "com.miui.analytics")
    assert analytics["action"][0]["words"] == ["pm", "disable-user", "--user", "0", "com.miui.analytics"]
    assert analytics["undo"][0]["words"] == ["pm", "enable", "--user", "0", "com.miui.analytics"]
