"""Golden findings per real device: catch any change in what the audit concludes.

For every folder in the shared ``fixtures/devices`` the audit (all registered checks, profile
``everyday``, a fixed clock) is reduced to the sorted set of ``(finding id, outcome, severity,
evidence keys)`` (the evidence keys, such as ``package:com.miui.analytics``, only for failed
findings); timestamps and prose are left out so that rewording a summary does not churn the files,
while any change of verdict or of what a finding points at does. ``tests/golden/<folder>.json`` holds the expected set.

After a deliberate change (new check, new knowledge, a fixed bug) regenerate them with::

    HOWSAFE_UPDATE_GOLDEN=1 pytest tests/golden

and review the diff before committing it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.model import Outcome
from howsafe.sources import load_path

GOLDEN = Path(__file__).resolve().parent
TODAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PROFILE = "everyday"
UPDATE = os.environ.get("HOWSAFE_UPDATE_GOLDEN") == "1"
FOLDERS = sorted(p.name for p in DEVICES.iterdir() if p.is_dir())


@cache
def _auditor() -> Auditor:
    # bundled knowledge only: a user's `kb update` must not change the expected results
    return Auditor(KnowledgeBase(bundled_data_dir(), None), clock=lambda: TODAY)


@cache
def golden_record(folder: str) -> dict[str, object]:
    auditor = _auditor()
    report = auditor.run(auditor.context(load_path(DEVICES / folder)), PROFILE)
    rows = sorted(
        {
            (
                f.id,
                f.outcome.value,
                f.severity.value,
                " ".join(sorted({f"{e.kind}:{e.key}" for e in f.evidence})) if f.outcome is Outcome.FAIL else "",
            )
            for f in report.findings
        }
    )
    return {
        "device": folder,
        "profile": PROFILE,
        "today": TODAY.date().isoformat(),
        "grade": report.verdict.grade.value,
        "findings": [list(r) for r in rows],
    }


def dump(record: dict[str, object]) -> str:
    """JSON with one finding per line, so a regenerated file diffs line by line."""
    head = {k: v for k, v in record.items() if k != "findings"}
    rows = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in record["findings"])  # type: ignore[attr-defined]
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return f'{body},\n "findings": [\n{rows}\n ]\n}}\n'


@pytest.mark.parametrize("folder", FOLDERS)
def test_golden(folder: str) -> None:
    path = GOLDEN / f"{folder}.json"
    got = golden_record(folder)
    if UPDATE:
        path.write_text(dump(got), encoding="utf-8")
        return
    assert path.is_file(), f"no golden file for {folder}; run HOWSAFE_UPDATE_GOLDEN=1 pytest tests/golden"
    want = json.loads(path.read_text(encoding="utf-8"))
    want_rows = {tuple(r) for r in want["findings"]}
    got_rows = {tuple(r) for r in got["findings"]}  # type: ignore[attr-defined, union-attr]
    assert got_rows == want_rows, (
        f"{folder}: new {sorted(got_rows - want_rows)}; gone {sorted(want_rows - got_rows)} "
        "(regenerate with HOWSAFE_UPDATE_GOLDEN=1 if the change is intended)"
    )
    assert got["grade"] == want["grade"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_audit_runs_without_check_errors(folder: str) -> None:
    bad = [r for r in golden_record(folder)["findings"] if r[1] == Outcome.ERROR.value]  # type: ignore[attr-defined, union-attr]
    assert not bad, f"{folder}: checks crashed: {bad}"


def test_no_stale_golden_files() -> None:
    stale = sorted(p.stem for p in GOLDEN.glob("*.json") if p.stem not in FOLDERS)
    assert not stale, f"golden files without a device folder: {stale}"
