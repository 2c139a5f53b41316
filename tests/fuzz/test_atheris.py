"""Coverage-guided fuzzing with atheris, where it installs (Linux, CPython with a wheel).

Each target runs in its own process for a fixed budget of ``HOWSAFE_ATHERIS_SECONDS`` seconds
(4 by default, so the 29 targets stay near three minutes in CI) with a 2 GiB memory cap and
inputs up to 64 KiB; a crash, a non-howsafe exception or the cap being hit fails the test and
leaves the input in the test's temporary folder. The number of executions varies with the
machine: it is reported by libFuzzer, and docs/fuzzing.md records a longer run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.targets import TARGETS

pytest.importorskip("atheris")

SECONDS = int(os.environ.get("HOWSAFE_ATHERIS_SECONDS", "4"))
RUNNER = Path(__file__).resolve().parent / "atheris_run.py"


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_atheris_target(family: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, str(RUNNER), family, str(tmp_path / "corpus"), f"-max_total_time={SECONDS}",
            "-rss_limit_mb=2048", "-max_len=65536", "-timeout=30", f"-artifact_prefix={tmp_path}/", "-seed=1",
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    tail = done.stderr[-3000:]
    assert done.returncode == 0, tail
    m = re.search(r"Done (\d+) runs", done.stderr)
    assert m and int(m.group(1)) > 0, tail
