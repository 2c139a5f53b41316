"""Peak memory of a piece of work, measured in a fresh Python process.

The child runs ``code`` under an address-space limit (so a regression fails with MemoryError
instead of exhausting the machine) and reports its own peak resident set size (``ru_maxrss``).
Tests compare that peak with a stated cap; no timing is involved.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

ADDRESS_SPACE_LIMIT = 4 << 30

_WRAPPER = """
import json, resource, sys
{code}
print(json.dumps({{"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _limit() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def peak_rss_mib(code: str, *, timeout: float = 300) -> float:
    """Run ``code`` in a new interpreter and return its peak RSS in MiB (fails on any error)."""
    script = _WRAPPER.format(code=textwrap.dedent(code))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, preexec_fn=_limit, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    return float(json.loads(last)["peak_mib"])


def baseline_mib() -> float:
    """Peak RSS of an interpreter that imported the CLI and the parsers, doing nothing else."""
    return peak_rss_mib("import howsafe.cli, howsafe.net.analyse, howsafe.sources, howsafe.apk.scan")
