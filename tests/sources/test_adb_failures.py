"""The adb failure markers are read and applied in one place (sources.adb_failures): collection,
APK pulling and harden's writes and reads all recognise a refused command through it."""

from __future__ import annotations

import dataclasses

import pytest

from howsafe.harden import allowlist
from howsafe.harden.apply import HardenError, Phone
from howsafe.sources.adb import command_plan
from howsafe.sources.adb_failures import FailureMarkers, ShellFailures, failure_reason, shell_failures
from howsafe.sources.adb_pull import _failure as pull_failure
from howsafe.sources.adb_transport import ShellResult

PKG = "com.example.app"

# What phones print when they refuse harden's commands (as the stateful replay phone does).
WRITE_REFUSALS = [
    "Failure [not installed for 0]",
    f"Exception occurred while executing 'disable-user':\njava.lang.IllegalArgumentException: Unknown package: {PKG}",
    f"Error: Unknown package: {PKG}",
    "java.lang.SecurityException: Shell does not have permission to access user 10",
]
READ_REFUSALS = [
    "Exception occurred while executing 'list':\njava.lang.SecurityException: Permission Denial",
    "Error: java.lang.SecurityException: Shell does not have permission to access user 10",
    "/system/bin/sh: cmd: not found",
    "cmd: Can't find service: appops",
    "Failure calling service settings: Broken pipe (32)",
]


class _Transport:
    """Answers every shell command with one fixed result (no exit status: an old phone)."""

    def __init__(self, stdout: str, stderr: str = "") -> None:
        self.stdout, self.stderr = stdout, stderr

    def shell(self, serial: str, command: str) -> ShellResult:
        return ShellResult(command=command, stdout=self.stdout, stderr=self.stderr, exit_code=None)


def _phone(stdout: str, stderr: str = "") -> Phone:
    return Phone(_Transport(stdout, stderr), "serial")  # type: ignore[arg-type]


@pytest.mark.parametrize("output", WRITE_REFUSALS)
def test_a_write_refusal_harden_recognises_is_found_by_the_shared_markers(output: str) -> None:
    assert shell_failures().harden_write.find(output, ignore=(PKG,)) is not None
    with pytest.raises(HardenError, match="the phone refused `pm disable-user"):
        _phone(output).run(allowlist().build("disable", package=PKG))


@pytest.mark.parametrize("output", READ_REFUSALS)
def test_a_read_refusal_harden_recognises_is_found_by_the_shared_markers(output: str) -> None:
    assert shell_failures().harden_read.find(output) is not None
    with pytest.raises(HardenError, match="the phone refused `pm list packages"):
        _phone("", output).run(allowlist().build("list_all", package=PKG))


def test_the_refusals_collection_knows_are_refusals_for_harden_too() -> None:
    # the collection markers (stderr of `pm list packages` on a phone with a second user)
    refusal = "Exception occurred while executing 'list':\njava.lang.SecurityException: Permission Denial"
    result = ShellResult(command="pm list packages -f", stdout="", stderr=refusal)
    assert failure_reason(command_plan().failure_markers, result) is not None
    assert pull_failure(result) is not None
    assert shell_failures().harden_read.find(refusal) is not None


def test_harden_reads_its_markers_from_the_shared_table(monkeypatch: pytest.MonkeyPatch) -> None:
    failures = dataclasses.replace(
        shell_failures(),
        harden_write=FailureMarkers(anywhere=("Refused by test",)),
        harden_read=FailureMarkers(line_start=("Refused by test",)),
    )
    monkeypatch.setattr("howsafe.harden.apply.shell_failures", lambda: failures)
    with pytest.raises(HardenError, match="Refused by test"):
        _phone("Refused by test").run(allowlist().build("disable", package=PKG))
    with pytest.raises(HardenError, match="Refused by test"):
        _phone("Refused by test here").run(allowlist().build("list_all", package=PKG))
    # a marker of the shipped set is no longer one: harden applies what the table says
    assert _phone("Failure [not installed for 0]").run(allowlist().build("disable", package=PKG))


def test_a_command_word_holding_a_marker_is_not_a_failure() -> None:
    markers = shell_failures()
    odd = "com.example.ExceptionHandler"
    assert markers.harden_write.find(f"Package {odd} new state: disabled-user", ignore=(odd,)) is None
    assert markers.harden_write.find(f"Package {odd} new state: disabled-user") is not None
    # a read's output is data: a marker word inside a line (a package id) is not a failure
    assert markers.harden_read.find(f"package:{odd}\npackage:com.example.FailureLog") is None
    assert markers.harden_read.find("package:a\n  Error: indented is not a shell failure line") is None
    assert _phone(f"package:{odd}").run(allowlist().build("list_all", package=odd)) == f"package:{odd}"


def test_find_returns_the_line_of_the_first_marker_found() -> None:
    m = FailureMarkers(anywhere=("Permission Denial", "Error: "), line_start=("Failure",))
    text = "header\nError: later marker\nsecurity: Permission Denial: no\n"
    assert m.find(text) == "security: Permission Denial: no"  # markers in order, not lines
    assert m.find("ok\nFailure [x]\n") == "Failure [x]"
    assert m.find("x" * 300 + " Error: y") == ("x" * 300)[:200]
    assert m.find("all good") is None and FailureMarkers().find("Failure") is None


def test_shipped_marker_sets_are_not_empty() -> None:
    failures = shell_failures()
    assert isinstance(failures, ShellFailures) and failures.head_lines > 0
    for markers in (failures.collect, failures.harden_write, failures.harden_read):
        words = markers.anywhere + markers.line_start
        assert words and all(w.strip() for w in words)
