"""How a refused adb shell command shows in its output: the one reading of the failure markers.

Phones without adb shell protocol v2 report no exit status, so a refused command is recognised by
text in its output. The texts are data, the ``[failure_markers]`` table of ``adb_commands.toml``:
one set for collection and APK pulling (:mod:`howsafe.sources.adb`, :mod:`howsafe.sources.adb_pull`)
and one each for the writes and the reads of ``howsafe harden`` (:mod:`howsafe.harden.apply`).
:meth:`FailureMarkers.find` is the one place they are applied.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from howsafe.sources.adb_transport import ShellResult

COMMANDS_FILE = Path(__file__).resolve().with_name("adb_commands.toml")
MAX_REASON = 200


@dataclass(frozen=True)
class FailureMarkers:
    """Texts that mark a failed command: ``anywhere`` in the output, or at the ``line_start``."""

    anywhere: tuple[str, ...] = ()
    line_start: tuple[str, ...] = ()

    def find(self, text: str, *, ignore: Iterable[str] = ()) -> str | None:
        """The line of ``text`` that shows a failure (stripped, at most 200 characters), or None.

        The ``anywhere`` markers are tried in order and count wherever they appear (the first line
        holding the first marker found is returned); a ``line_start`` marker counts only at the
        very start of a line. ``ignore``: words taken out of the text first (a command's own
        arguments, which may hold a marker word, as ``com.example.ErrorReporter`` does).
        """
        for word in ignore:
            text = text.replace(word, "")
        for marker in self.anywhere:
            if marker in text:
                line = next((ln for ln in text.splitlines() if marker in ln), marker)
                return line.strip()[:MAX_REASON]
        if self.line_start:
            for line in text.splitlines():
                if line.startswith(self.line_start):
                    return line.strip()[:MAX_REASON]
        return None


@dataclass(frozen=True)
class ShellFailures:
    """Every marker set of ``[failure_markers]``."""

    collect: FailureMarkers  # collection and APK pulling: read-only commands with large outputs
    head_lines: int  # collection looks in stderr and in this many first lines of stdout
    harden_write: FailureMarkers  # a harden write: anywhere, once the command's own words are out
    harden_read: FailureMarkers  # a harden read: its output is data, so only a line's start counts


@cache
def shell_failures() -> ShellFailures:
    """The marker sets shipped with the package."""
    table = tomllib.loads(COMMANDS_FILE.read_text(encoding="utf-8"))["failure_markers"]
    harden = table["harden"]
    return ShellFailures(
        collect=FailureMarkers(anywhere=tuple(str(m) for m in table["markers"])),
        head_lines=int(table["head_lines"]),
        harden_write=FailureMarkers(anywhere=tuple(str(m) for m in harden["write"])),
        harden_read=FailureMarkers(line_start=tuple(str(m) for m in harden["read_line_start"])),
    )


def failure_reason(markers: FailureMarkers, result: ShellResult, stdout: str | None = None) -> str | None:
    """Why a shell result is a failure: the line holding one of ``markers`` (in stderr, then in
    ``stdout`` or the whole output), else a non-zero exit status; None when the output is usable."""
    for text in (result.stderr, result.stdout if stdout is None else stdout):
        reason = markers.find(text)
        if reason is not None:
            return reason
    if not result.ok:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return f"exit status {result.exit_code}" + (f": {detail[0][:MAX_REASON]}" if detail else "")
    return None
