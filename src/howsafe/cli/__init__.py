"""The command line: thin glue from options to objects, the engine, a reporter and an exit code.

Subcommands live in their own modules and are imported only when invoked, so ``howsafe --help``
stays fast and a broken optional part cannot break the others.

Exit codes (documented in README.md):
  0  audit ran; no finding at or above the profile's threshold
  1  audit ran; findings at or above the threshold
  2  usage or input error (one line on stderr, never a traceback)
  3  not enough evidence for a verdict
  4  internal error: an unexpected exception (one line on stderr; the traceback goes to a log
     file whose path the line names), so a crash is never read as "problems found"
  130 interrupted
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Any

import click

from howsafe import __version__
from howsafe.errors import ExitCode, HowsafeError

EXIT_OK = ExitCode.OK
EXIT_FINDINGS = ExitCode.FINDINGS
EXIT_ERROR = ExitCode.USAGE
EXIT_INTERNAL = ExitCode.INTERNAL

# click >= 8.2 raises this when a group is called without a subcommand; older click exits itself.
_HELP_ERRORS: tuple[type[click.UsageError], ...] = tuple(
    c for c in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if c is not None
)

# command name -> "module:attribute"; imported on first use.
_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("howsafe.cli.audit:audit", "Audit a phone, a dump or a snapshot and print a report."),
    "collect": ("howsafe.cli.collect:collect", "Read a phone (adb) or a dump and write a Snapshot JSON."),
    "schema": ("howsafe.cli.schema:schema", "Print the JSON Schema of the Snapshot and the Report."),
    "vulns": ("howsafe.cli.vulns:vulns", "List the known vulnerabilities still open on a device."),
    "apps": ("howsafe.cli.apps:apps", "Scan APKs for tracker SDKs, permissions and signers."),
    "net": ("howsafe.cli.net:net", "Analyse a traffic capture or DNS log: who the phone talks to."),
    "iocs": ("howsafe.cli.iocs:iocs", "Manage indicator-of-compromise collections (STIX2)."),
    "kb": ("howsafe.cli.kb:kb", "Query and update the knowledge base."),
    "profile": ("howsafe.cli.profile:profile", "Choose and remember your threat profile."),
    "compare": ("howsafe.cli.compare:compare", "Compare two or more devices side by side."),
    "serve": ("howsafe.cli.serve:serve", "Run the fleet server (API and dashboard; needs howsafe[server])."),
    "server": ("howsafe.cli.serve:server", "Fleet server admin: tokens, migrations, re-audits."),
    "push": ("howsafe.cli.push:push", "Upload snapshots to a fleet server."),
    "harden": ("howsafe.cli.harden:harden", "A plan to make the phone safer; --apply it over adb with undo."),
    "undo": ("howsafe.cli.harden:undo", "Restore a phone from a harden undo journal."),
    "corpus": ("howsafe.cli.corpus:corpus", "Scan APK corpora on Dask (Parquet results) and report on them."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on demand."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            target, _ = self.lazy[cmd_name]
            mod_name, attr = target.split(":")
            try:
                mod = importlib.import_module(mod_name)
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith("howsafe"):
                    return None
                raise
            cmd = getattr(mod, attr)
            assert isinstance(cmd, click.Command)
            return cmd
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="howsafe")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """howsafe: how safe is this Android phone, for me?

    Reads a phone over adb or a saved dump, checks updates, integrity, vendor data collection,
    apps, network traffic and signs of compromise, and gives a verdict for your threat profile
    with the evidence behind every point. Works offline: only `kb update` and `iocs update`
    use the network.

    Start with `howsafe audit --demo`, or `howsafe audit --adb` with a phone attached.
    """
    level = logging.WARNING - 10 * verbose
    handler = logging.StreamHandler()
    handler.setFormatter(_LogFormatter("%(levelname)s %(name)s: %(message)s", tracebacks=verbose >= 2))
    logging.basicConfig(level=max(level, logging.DEBUG), handlers=[handler])


class _LogFormatter(logging.Formatter):
    """One line per log record: the exception's message, its traceback only with -vv.

    The engine logs a crashed check with its traceback (the check becomes an error finding);
    a user should read one line about it, a developer can ask for the rest. Messages often quote
    device strings (a dump's member names, package ids): every line goes through the sanitiser, so
    a hostile name cannot rewrite the terminal or forge further log lines.
    """

    def __init__(self, fmt: str, *, tracebacks: bool) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def formatMessage(self, record: logging.LogRecord) -> str:
        from howsafe.report.sanitize import clean

        return clean(super().formatMessage(record), limit=_LINE_LIMIT)

    def formatException(self, ei: Any) -> str:
        from howsafe.report.sanitize import clean_lines

        return clean_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        from howsafe.report.sanitize import clean_lines

        return clean_lines(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks or not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        return _clean_line(f"{line}: {exc}") if exc is not None else line


_LINE_LIMIT = 20_000  # bounds one hostile message; far above any line howsafe itself writes


def _clean_line(text: str) -> str:
    """``text`` as one terminal-safe line: through the one sanitiser (report.sanitize.clean), so
    control and bidi characters from a device string or a file name show as escapes, line breaks
    become spaces."""
    from howsafe.report.sanitize import clean

    return clean(text, limit=_LINE_LIMIT)


def _echo_error(line: str) -> None:
    click.echo(_clean_line(line), err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every expected error into one line and exit code 2."""
    try:
        rv = cli.main(args=argv, prog_name="howsafe", standalone_mode=False)
    except HowsafeError as exc:
        _echo_error(f"howsafe: error: {exc}")
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("howsafe: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except _HELP_ERRORS as exc:
        exc.show()  # a group given no subcommand: its help is the useful answer
        return EXIT_ERROR
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "howsafe"
        _echo_error(f"howsafe: error: {exc.format_message()} (see '{where} --help')")
        return EXIT_ERROR
    except click.ClickException as exc:
        _echo_error(f"howsafe: error: {exc.format_message()}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("howsafe: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        # An environment failure no layer turned into a HowsafeError (unwritable config dir, disk
        # full ...): still one line, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        _echo_error(f"howsafe: error: {where}{exc.strerror or exc}")
        return EXIT_ERROR
    except Exception as exc:
        log_path = _write_crash_log(exc, argv)
        where = f"details in {log_path}" if log_path else "run with -vv for details"
        message = _clean_line(f"{type(exc).__name__}: {exc}")[:300]
        _echo_error(f"howsafe: internal error ({message}); {where}")
        return EXIT_INTERNAL
    return rv if isinstance(rv, int) else EXIT_OK


def crash_log_dir() -> Path:
    """Where tracebacks of unexpected exceptions are written (the user's state/log folder)."""
    import platformdirs

    return Path(platformdirs.user_log_dir("howsafe", appauthor=False))


def _write_crash_log(exc: BaseException, argv: list[str] | None) -> Path | None:
    """Write the traceback of an unexpected exception to a fresh file; None if that fails too.

    The command line is not written: it may hold paths the user would not share in a bug report.
    """
    import datetime as dt
    import os
    import traceback

    try:
        directory = crash_log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        text = f"howsafe {__version__}\n" + "".join(traceback.format_exception(exc))
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
    except (OSError, ValueError):
        return None
    return path


def _silence_stdout() -> None:
    """After the reader of a pipe went away (``| head``), stop Python's exit-time flush from
    printing a second BrokenPipeError to stderr."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
