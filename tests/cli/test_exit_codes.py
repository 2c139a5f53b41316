"""The exit-code contract: 0 ok, 1 findings, 2 usage/input error, 4 internal error, 130 interrupted.

A crash must never look like "problems found" (1) to a script or a CI gate. For every command
(every leaf of the command tree, found by walking it, so a new command is covered automatically)
an unexpected exception raised where the command's own code runs exits 4 with one line that
names a log file, and that file holds the traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from howsafe.cli import EXIT_INTERNAL, cli, main


def _leaves(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            out.extend(_leaves(cmd, click.Context(cmd, parent=ctx, info_name=name), (*prefix, name)))
        else:
            out.append((*prefix, name))
    return out


def _command(path: tuple[str, ...]) -> click.Command:
    ctx = click.Context(cli, info_name="howsafe")
    cmd: click.Command | None = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.get_command(ctx, name)
        ctx = click.Context(cmd, parent=ctx, info_name=name) if cmd is not None else ctx
    assert cmd is not None
    return cmd


ALL_COMMANDS = _leaves(cli, click.Context(cli, info_name="howsafe"))


def test_the_walk_finds_every_top_level_command() -> None:
    tops = {p[0] for p in ALL_COMMANDS}
    assert {"audit", "collect", "vulns", "apps", "net", "iocs", "kb", "profile", "compare", "schema"} <= tops
    assert len(ALL_COMMANDS) >= 14


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_an_unexpected_exception_exits_4_with_one_line_and_a_log(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cmd = _command(path)

    def boom(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a bug inside " + " ".join(path))

    # The command's own body raises: everything click does before it (option parsing) is real.
    monkeypatch.setattr(cmd, "callback", boom)
    monkeypatch.setattr(cmd, "params", [p for p in cmd.params if not p.required])
    code = main([*path])
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL == 4, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("howsafe: internal error (ZeroDivisionError: a bug inside")
    found = re.search(r"details in (\S+\.log)$", err.strip())
    assert found, err
    log = Path(found.group(1)).read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError" in log


def test_a_real_input_error_still_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(tmp_path / "missing")]) == 2
    assert "internal error" not in capsys.readouterr().err
