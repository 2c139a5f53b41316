"""The Snapshot/Report records (``howsafe.model``): cheap to import, frozen, strict when read back.

They are ``msgspec.Struct`` classes since issue 13 (start-up cost); these tests hold what users
depend on across that change: no pydantic import for them, one clear line naming the file and the
place of a bad value, no mutation, tuples that stay tuples.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEVICES
from howsafe.cli import main
from howsafe.errors import CorruptInputError, RecordError
from howsafe.model import (
    Area,
    Evidence,
    Finding,
    Outcome,
    Severity,
    Snapshot,
    from_builtins,
    from_json,
    to_builtins,
    to_json,
)
from howsafe.sources import load_path, snapshot_to_json

XIAOMI = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"


def test_the_model_imports_without_pydantic() -> None:
    code = "import sys, howsafe.model; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert proc.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def saved() -> dict[str, object]:
    doc: dict[str, object] = json.loads(snapshot_to_json(load_path(XIAOMI)))
    return doc


def _bad(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "phone.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "place", "reason"),
    [
        (lambda d: d["packages"][3].update(uid="10001"), "packages.3.uid", "Expected `int | null`, got `str`"),
        (lambda d: d["device"].update(colour="blue"), "device", "unknown field `colour`"),
        (lambda d: d.update(extra=1), "top level", "unknown field `extra`"),
        (lambda d: d["source"].update(kind="telepathy"), "source.kind", "Invalid enum value 'telepathy'"),
        (lambda d: d["source"].update(collected_at="yesterday"), "source.collected_at", "Invalid RFC3339"),
        (lambda d: d["source"].pop("location"), "source", "missing required field `location`"),
    ],
)
def test_a_bad_snapshot_is_one_line_naming_the_file_and_the_place(
    tmp_path: Path,
    saved: dict[str, object],
    change: object,
    place: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = json.loads(json.dumps(saved))
    change(doc)  # type: ignore[operator]
    path = _bad(tmp_path, doc)
    with pytest.raises(CorruptInputError) as caught:
        load_path(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid snapshot at {place}: "), message
    assert reason in message and "\n" not in message
    assert main(["audit", str(path)]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines() == [f"howsafe: error: {message}"], err


def test_records_are_frozen_and_hashable() -> None:
    snap = load_path(XIAOMI)
    with pytest.raises(AttributeError):
        snap.redacted = False  # type: ignore[misc]
    pkg = (snap.packages or ())[0]
    with pytest.raises(AttributeError):
        pkg.id = "x"  # type: ignore[misc]
    assert hash(pkg) == hash(from_builtins(to_builtins(pkg), type(pkg)))


def test_reading_back_gives_tuples_enums_and_dates() -> None:
    snap = load_path(XIAOMI)
    again = from_json(to_json(snap), Snapshot)
    assert again == snap
    assert isinstance(again.packages, tuple) and isinstance(again.missing, tuple)
    assert all(isinstance(v, tuple) for v in again.app_ids_seen.values())
    assert isinstance(again.source.kind, type(snap.source.kind))
    assert again.device.security_patch is None or isinstance(again.device.security_patch, dt.date)


def test_json_bytes_keep_the_declared_order_and_defaults() -> None:
    finding = Finding(
        id="x",
        check="x",
        area=Area.APPS,
        title="t",
        severity=Severity.LOW,
        outcome=Outcome.FAIL,
        evidence=(Evidence(kind="k", key="v"),),
    )
    assert list(json.loads(to_json(finding))) == list(Finding.__struct_fields__)
    assert to_json(Evidence(kind="k", key="v"), indent=2) == (
        '{\n  "kind": "k",\n  "key": "v",\n  "value": null,\n  "source": null\n}'
    )


def test_a_record_error_names_the_place() -> None:
    with pytest.raises(RecordError) as caught:
        from_json(b'{"kind": "k", "key": 3}', Evidence)
    assert (caught.value.where, caught.value.what) == ("key", "Expected `str`, got `int`")
    with pytest.raises(RecordError) as caught:
        from_builtins([], Evidence)
    assert caught.value.where == "top level"
