"""`howsafe corpus report` over a real results dataset (scanned from the fixture APKs), every format;
hostile strings in the results are escaped; saved snapshots become rows with their verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from apk.apk_truth import APK_SET, bundled_kb
from conftest import DEVICES
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.cli import main
from howsafe.corpus.inputs import list_items
from howsafe.corpus.store import PartWriter, existing_parts
from howsafe.corpus.worker import TrackerSet, app_row, scan_batch

HOSTILE = '<script>alert("x")</script>\u202e'


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("res") / "results.parquet"
    items = list(list_items(str(APK_SET / "trackers")))
    rows = scan_batch(items, TrackerSet.of(load_tracker_db(bundled_kb())))
    writer = PartWriter(str(out), part_rows=5)
    writer.add(rows)
    # a hostile row, as an attacker-made APK could name itself
    from howsafe.apk.model import AppReport, TrackerHit

    hit = TrackerHit(HOSTILE, None, (HOSTILE,), HOSTILE, "howsafe", ("x.y",), ("x.y.Z",), 1)
    bad = {
        "sha256": "f" * 64,
        "key": "f" * 64,
        "path": HOSTILE,
        "record": "app",
        "size": 1,
        "mtime": 0.0,
        **app_row(
            AppReport(path=HOSTILE, package=HOSTILE, signer_sha256=(HOSTILE,), permissions=(HOSTILE,), trackers=(hit,))
        ),
    }
    writer.add([bad])
    writer.close()
    return out, [*rows, bad]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["corpus", "report", *args])
    return code, capsys.readouterr().out


def test_json_figures_match_the_rows(
    results: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, rows = results
    code, text = _run(capsys, str(out), "--format", "json", "--top", "1000")
    assert code == 0
    doc = json.loads(text)
    ok = [r for r in rows if not r["error"]]
    assert (doc["apps"], doc["apps_ok"]) == (len(rows), len(ok))
    assert doc["apps_with_trackers"] == sum(1 for r in ok if r["tracker_names"])
    adjust = sum(1 for r in ok if "Adjust" in r["tracker_names"])
    [row] = [t for t in doc["trackers"] if t["tracker"] == "Adjust"]
    assert row["apps"] == adjust >= 2 and row["share"] == round(100 * adjust / len(ok), 1)
    internet = sum(1 for r in ok if "android.permission.INTERNET" in r["permissions"])
    assert {p["permission"]: p["apps"] for p in doc["permissions"]}["android.permission.INTERNET"] == internet
    signer_apps = {s["signer"]: s["apps"] for s in doc["signers"]}
    first = ok[0]["signer_sha256"][0]
    assert signer_apps[first] == sum(1 for r in ok if r["signer_sha256"][:1] == [first])
    cats = {c["category"] for c in doc["categories"]}
    assert {"Analytics", "Advertisement"} <= cats


def test_text_and_html_escape_hostile_strings(
    results: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, _ = results
    code, text = _run(capsys, str(out))
    assert code == 0 and "Tracker prevalence" in text and "Adjust" in text
    assert "\u202e" not in text and "\\u202e" in text
    page = tmp_path / "r.html"
    code, _ = _run(capsys, str(out), "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert code == 0
    assert "<script" not in html and "&lt;script&gt;" in html
    assert html.count("<svg") >= 3 and "Content-Security-Policy" in html
    assert "src=" not in html and "href=" not in html  # nothing external: works offline


def test_report_on_missing_results_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", "report", str(tmp_path / "none.parquet")]) == 2
    assert "no results parts" in capsys.readouterr().err


def test_snapshots_become_rows_with_their_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    device = next(d for d in sorted(DEVICES.iterdir()) if d.name.startswith("google-"))
    snap = tmp_path / "snaps" / "pixel.json"
    snap.parent.mkdir()
    assert main(["collect", str(device), "-o", str(snap)]) == 0
    (tmp_path / "snaps" / "broken.json").write_text("{not json", encoding="utf-8")
    items = list(list_items(str(tmp_path / "snaps"), snapshots=True))
    assert [i.record for i in items] == ["snapshot", "snapshot"]
    rows = scan_batch(items, TrackerSet.of(load_tracker_db(bundled_kb())))
    by_name = {Path(r["path"]).name: r for r in rows}
    good, bad = by_name["pixel.json"], by_name["broken.json"]
    assert good["error"] is None and good["grade"] and good["android_version"]
    report = json.loads(good["report_json"])
    assert report["verdict"]["grade"] == good["grade"]
    assert sorted({f["id"] for f in report["findings"] if f["outcome"] == "fail"}) == good["failed_checks"]
    assert bad["error"] == "unreadable" and bad["error_detail"]
    out = tmp_path / "r.parquet"
    w = PartWriter(str(out))
    w.add(rows)
    w.close()
    assert pq.read_table(existing_parts(str(out))[0]).num_rows == 2
    code, text = _run(capsys, str(out))
    assert code == 0 and "2 device snapshot(s)" in text and "Snapshot grades" in text


def test_a_snapshot_row_names_the_device_as_every_report_does(tmp_path: Path) -> None:
    """The corpus names a phone with the one display name: brand once, market name first."""
    garnet = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"
    snap = tmp_path / "snaps" / "garnet.json"
    snap.parent.mkdir()
    assert main(["collect", str(garnet), "-o", str(snap)]) == 0
    items = list(list_items(str(snap.parent), snapshots=True))
    [row] = scan_batch(items, TrackerSet.of(load_tracker_db(bundled_kb())))
    assert row["device"] == json.loads(row["report_json"])["device"]["display_name"]
    assert row["device"] == "Redmi Note 13 Pro 5G"
