"""The CLI's front door: help, version, schema, demo audit in every format, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from howsafe import __version__
from howsafe.cli import main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("audit", "collect", "schema", "vulns", "apps", "net", "iocs", "kb", "profile", "compare"):
        assert f"  {cmd} " in out
    for cmd in ("audit", "collect", "schema", "vulns", "apps", "net", "iocs", "kb", "profile", "compare"):
        assert main([cmd, "--help"]) == 0, cmd


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_schema_describes_snapshot_and_report_and_validates_a_real_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert set(schemas) == {"snapshot", "report"}
    assert {"schema_version", "device", "findings", "verdict"} <= set(schemas["report"]["properties"])
    assert main(["audit", "--demo", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, schemas["report"])
    assert main(["collect", "--help"]) == 0


def test_demo_audit_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "json", "md", "html"):
        out = tmp_path / f"r.{fmt}"
        assert main(["audit", "--demo", "--format", fmt, "-o", str(out)]) == 1
        text = out.read_text(encoding="utf-8")
        assert "Redmi Note 13 Pro 5G" in text, fmt


def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 2
    assert "exactly one of SOURCE, --adb or --demo" in capsys.readouterr().err
    assert main(["audit", "--demo", "--profile", "nobody"]) == 2
    assert main(["audit", "/nonexistent/phone.json"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_console_script_runs_as_a_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "howsafe", "audit", "--demo", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["device"]["marketname"] == "Redmi Note 13 Pro 5G"
