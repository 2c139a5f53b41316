"""The fast path is the default path: what `howsafe --version` and `howsafe apps` import (and what not)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from apk.apk_truth import APK_SET


def _modules_after(args: list[str]) -> tuple[str, set[str]]:
    code = (
        "import sys, io, contextlib, json\n"
        "from howsafe._entry import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        f"    rc = main({args!r})\n"
        "print(json.dumps({'rc': rc, 'out': buf.getvalue(), 'mods': sorted(sys.modules)}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    doc = json.loads(proc.stdout.splitlines()[-1])
    return doc["out"], set(doc["mods"])


def test_version_imports_nothing_but_the_package() -> None:
    out, mods = _modules_after(["--version"])
    assert out.startswith("howsafe, version ")
    assert not {"click", "rich", "pydantic", "logging"} & mods


def test_apps_uses_the_fast_libraries_and_skips_what_it_does_not_need() -> None:
    out, mods = _modules_after(["apps", str(APK_SET / "trackers/multidex.apk"), "--format", "json"])
    assert json.loads(out)["apps"][0]["package"] == "io.trailhead.fitness"
    assert {"deflate", "ahocorasick"} <= mods  # plain dependencies now: the fast path by default
    unwanted = {
        "pydantic",
        "rich",
        "howsafe.model",
        "howsafe.engine",
        "howsafe.net",
        "dask",
        "distributed",
        "pyarrow",
        "duckdb",
        "concurrent.futures.process",
    }
    assert not unwanted & mods, unwanted & mods
