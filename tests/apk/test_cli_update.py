"""``howsafe apps`` end to end, and the offline-testable εxodus list refresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apk.apk_truth import APK_SET, TRUTH
from conftest import DATA
from howsafe.apk.model import AppReport, TrackerHit
from howsafe.apk.trackerdb import load_tracker_db
from howsafe.apk.update import EXODUS_API, update_trackers
from howsafe.cli import main
from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.kb.base import bundled_data_dir
from howsafe.report.documents import AppsDoc
from howsafe.report.formats import render_as

EXODUS_FILE = DATA / "trackers" / "exodus_trackers.json"


def test_apps_json_names_and_ids(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "apps",
            str(APK_SET / "trackers/many-trackers.apk"),
            str(APK_SET / "malformed/not-a-zip.apk"),
            "--format",
            "json",
            "--jobs",
            "1",
        ]
    )
    assert rc == 1  # trackers found
    doc = json.loads(capsys.readouterr().out)
    ok, bad = doc["apps"]
    assert bad["error"] == "not_a_zip"
    db = json.loads(EXODUS_FILE.read_text(encoding="utf-8"))["trackers"]
    for t in ok["trackers"]:
        if t["origin"] == "exodus":
            assert db[str(t["exodus_id"])]["name"] == t["name"]
    exp = TRUTH["trackers/many-trackers.apk"]
    assert sorted(t["exodus_id"] for t in ok["trackers"] if t["origin"] == "exodus") == exp["tracker_ids"]
    assert ok["package"] == exp["package"] and ok["classes_scanned"] == exp["class_count"]


def test_apps_folder_with_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    rc = main(["apps", str(APK_SET / "trackers"), "--format", "json", "--jobs", "2", "-o", str(out)])
    assert rc == 1
    apps = json.loads(out.read_text(encoding="utf-8"))["apps"]
    # 11 APKs + the split folder + 2 bundles, in sorted input order
    assert len(apps) == 14 and all(a["error"] is None for a in apps)
    assert [Path(a["path"]).name for a in apps][:2] == ["clean-app.apk", "lone-stub-short-signature.apk"]


def test_apps_missing_path_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["apps", str(tmp_path / "nope.apk")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.apk" in err[0]


def test_apps_all_unreadable_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apps", str(APK_SET / "malformed/empty.apk"), "--jobs", "1"]) == 2
    assert "empty_file" in capsys.readouterr().out


def test_html_escapes_attacker_text() -> None:
    evil = "<script>alert(1)</script>"
    hit = TrackerHit(
        name="AppsFlyer",
        exodus_id=12,
        categories=("Analytics",),
        company="AppsFlyer",
        origin="exodus",
        signatures=("com.appsflyer",),
        classes=(f"com.appsflyer.{evil}",),
        class_count=1,
    )
    app = AppReport(path="x.apk", package="a.b", label=evil, trackers=(hit,), permissions=(evil,))
    page = render_as("apps", "html", AppsDoc(apps=[app], db=load_tracker_db(KnowledgeBase()), tool="howsafe test"))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_update_trackers_from_saved_answer(tmp_path: Path) -> None:
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return EXODUS_FILE.read_bytes()

    summary = update_trackers(tmp_path, fetch)
    assert calls == [EXODUS_API]
    assert "432 trackers" in summary
    assert (tmp_path / "trackers" / "exodus_trackers.json").read_bytes() == EXODUS_FILE.read_bytes()
    kb = KnowledgeBase(bundled_data_dir(), tmp_path)
    db = load_tracker_db(kb)
    assert db.exodus_updated and db.exodus_count == 432
    meta = json.loads((tmp_path / "trackers" / "exodus_trackers.meta.json").read_text(encoding="utf-8"))
    assert meta["source"] == EXODUS_API and meta["trackers"] == 432


@pytest.mark.parametrize("answer", [b"<html>rate limited</html>", b'{"trackers": {}}', b"[]"])
def test_update_refuses_bad_answers(tmp_path: Path, answer: bytes) -> None:
    with pytest.raises(KnowledgeError):
        update_trackers(tmp_path, lambda url: answer)
    assert not (tmp_path / "trackers" / "exodus_trackers.json").exists()


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("id", "7", "id"),
        ("name", None, "name"),
        ("code_signature", 3, "code_signature"),
        ("categories", "Ads", "categories"),
    ],
)
def test_update_names_the_first_bad_record_field(tmp_path: Path, field: str, value: object, where: str) -> None:
    doc = json.loads(EXODUS_FILE.read_bytes())
    first = next(iter(doc["trackers"]))
    doc["trackers"][first][field] = value
    with pytest.raises(KnowledgeError, match=rf"εxodus tracker list is invalid: trackers\.{first}\.{where}: "):
        update_trackers(tmp_path, lambda url: json.dumps(doc).encode())
    assert not (tmp_path / "trackers" / "exodus_trackers.json").exists()


def test_a_field_exodus_adds_later_is_not_an_error(tmp_path: Path) -> None:
    doc = json.loads(EXODUS_FILE.read_bytes())
    for rec in doc["trackers"].values():
        rec["privacy_policy"] = "https://example.org/privacy"
    assert "432 trackers" in update_trackers(tmp_path, lambda url: json.dumps(doc).encode())


def test_a_damaged_updated_copy_is_one_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "trackers").mkdir()
    (tmp_path / "trackers" / "exodus_trackers.json").write_text('{"trackers": {"1": {"id": 1}}}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"εxodus tracker list is invalid: 'name' .*run `howsafe kb update` again"):
        load_tracker_db(KnowledgeBase(bundled_data_dir(), tmp_path))
