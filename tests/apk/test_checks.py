"""The tracker checks, the report section and the data source, on real scans of the fixture set."""

from __future__ import annotations

import datetime as dt

from apk.apk_truth import VALID, bundled_kb, scanned
from howsafe.checks.base import AuditContext, run_check
from howsafe.checks.trackers import AppScanErrorsCheck, AppTrackersCheck, tracker_section
from howsafe.engine import Auditor
from howsafe.model import Device, Outcome, Severity, Snapshot, SourceInfo, SourceKind

SNAP = Snapshot(source=SourceInfo(kind=SourceKind.FOLDER, location="fixtures"), device=Device())
TODAY = dt.date(2026, 1, 1)


def _ctx(apps: object) -> AuditContext:
    return AuditContext(snapshot=SNAP, kb=bundled_kb(), today=TODAY, apps=apps)  # type: ignore[arg-type]


def test_not_available_without_apks() -> None:
    [f] = run_check(AppTrackersCheck(), _ctx(None))
    assert f.outcome is Outcome.NOT_AVAILABLE


def test_one_failing_finding_per_app_with_trackers() -> None:
    apps = [scanned()[k] for k in VALID]
    findings = AppTrackersCheck().run(_ctx(apps))
    by_id = {f.id: f for f in findings}
    assert all(f.outcome is Outcome.FAIL for f in findings)
    expected = {a.package for a in apps if a.trackers}
    assert {f.id.split(":", 1)[1] for f in findings} == expected
    many = by_id["apps.trackers:com.brightloop.shopmate"]
    assert many.severity is Severity.MEDIUM
    assert {"tracker", "ads", "analytics", "jurisdiction:CN"} <= set(many.tags)
    assert any(e.key == "AppsFlyer" and "com.appsflyer" in (e.value or "") for e in many.evidence)
    tune = by_id["apps.trackers:com.tunecraft.player"]
    assert tune.confidence == "low" and tune.severity is Severity.INFO
    assert "doubtful" in (tune.evidence[0].value or "")


def test_clean_apps_pass() -> None:
    apps = [scanned()["trackers/clean-app.apk"], scanned()["apks/io.appium.settings-8.0.10.apk"]]
    [f] = AppTrackersCheck().run(_ctx(apps))
    assert f.outcome is Outcome.PASS and "2 apps" in f.summary


def test_unreadable_files_are_reported() -> None:
    apps = [scanned()["malformed/zipbomb-deflate-2g.apk"], scanned()["trackers/clean-app.apk"]]
    [f] = AppScanErrorsCheck().run(_ctx(apps))
    assert f.outcome is Outcome.FAIL
    assert f.evidence[0].value is not None and f.evidence[0].value.startswith("zip_bomb")


def test_section_counts_apps_per_tracker() -> None:
    apps = [scanned()[k] for k in VALID]
    sec = tracker_section(apps)
    prevalence = {r[0]: int(r[3]) for r in sec.tables[1].rows}
    # Firebase Analytics ships in many-trackers, multidex and the split app (3 files, one app).
    assert prevalence["Google Firebase Analytics"] == 3
    assert prevalence["JiGuang Aurora Mobile JPush"] == 2
    companies = {r[0]: int(r[2]) for r in sec.tables[2].rows}
    assert companies["Google"] == 4  # + the lone Google Mobile Ads stub app
    assert dict(sec.charts[0].items)["Google Firebase Analytics"] == 3.0


def test_audit_carries_section_and_tracker_db_source() -> None:
    clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    auditor = Auditor(bundled_kb(), checks=[AppTrackersCheck()], clock=lambda: clock)
    report = auditor.run(auditor.context(SNAP, apps=[scanned()["trackers/single-jpush.apk"]]), "everyday")
    assert any(s.id == "apps.trackers" for s in report.sections)
    src = {d.name: d for d in report.data_sources}
    assert src["εxodus tracker list"].licence is not None and "ODbL" in src["εxodus tracker list"].licence
    assert src["εxodus tracker list"].version == "2023-12-05"


def test_tracker_purposes_come_from_the_exodus_category_table() -> None:
    """εxodus's "Crash reporting" trackers (Crashlytics, Sentry, ACRA ...) send diagnostics about the
    app: telemetry, as ``domains/lists.toml [exodus_purpose]`` says for network attribution too."""
    import tomllib

    from howsafe.apk.model import AppReport, TrackerHit
    from howsafe.kb import bundled_data_dir

    table = tomllib.loads((bundled_data_dir() / "domains" / "lists.toml").read_text(encoding="utf-8"))
    assert table["exodus_purpose"]["Crash reporting"] == "telemetry"

    def app(package: str, *categories: str) -> AppReport:
        hit = TrackerHit(f"T-{package}", 1, categories, None, "exodus", ("x.",), ("x.A",), 1)
        return AppReport(path=f"{package}.apk", package=package, trackers=(hit,))

    apps = [app("a.crash", "Crash reporting"), app("a.ads", "Advertisement", "Analytics"), app("a.odd", "Unlisted")]
    by_id = {f.id: f for f in AppTrackersCheck().run(_ctx(apps))}
    crash, ads, odd = (by_id[f"apps.trackers:{p}"] for p in ("a.crash", "a.ads", "a.odd"))
    assert (crash.tags, crash.severity) == (("tracker", "telemetry"), Severity.LOW)
    assert (ads.tags, ads.severity) == (("tracker", "ads", "analytics"), Severity.MEDIUM)
    assert (odd.tags, odd.severity) == (("tracker",), Severity.LOW)
