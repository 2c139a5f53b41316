"""The ``howsafe`` console script: ``--version`` answers before any import; the rest goes to the CLI.

Kept apart from :mod:`howsafe.cli` so that printing the version costs only the interpreter's start
(measured in ``bench/bench_startup.py``); every other argument is handled by the click CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from howsafe import __version__

        sys.stdout.write(f"howsafe, version {__version__}\n")
        return 0
    from howsafe.cli import main as cli_main

    return cli_main(argv)
