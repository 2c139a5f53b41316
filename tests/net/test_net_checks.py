"""Network checks, report section and the ``howsafe net`` command on the real fixture captures."""

from __future__ import annotations

import json
import socket
from functools import cache

import pytest

from conftest import FIXTURES
from howsafe.checks.base import AuditContext, run_check
from howsafe.checks.network import (
    HardcodedIpCheck,
    IotDevicesCheck,
    JurisdictionCheck,
    PlaintextHttpCheck,
    TrackersCheck,
    VendorTelemetryCheck,
)
from howsafe.cli import main
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome
from howsafe.net import NetworkReport, analyse_captures
from howsafe.sources import demo_snapshot

CAPS = FIXTURES / "captures"


@cache
def phone() -> NetworkReport:
    return analyse_captures([CAPS / "pcapdroid.pcapng"], kb=KnowledgeBase.default())


def ctx(net: NetworkReport | None) -> AuditContext:
    import datetime as dt

    return AuditContext(snapshot=demo_snapshot(), kb=KnowledgeBase.default(), today=dt.date(2025, 11, 14), network=net)


ALL = [
    VendorTelemetryCheck,
    JurisdictionCheck,
    TrackersCheck,
    HardcodedIpCheck,
    PlaintextHttpCheck,
    IotDevicesCheck,
]


@pytest.mark.parametrize("check", ALL)
def test_without_capture_every_check_is_not_available(check: type) -> None:
    (f,) = run_check(check(), ctx(None))
    assert f.outcome is Outcome.NOT_AVAILABLE


def test_xiaomi_telemetry_names_endpoints_and_the_opt_out() -> None:
    findings = {f.id: f for f in VendorTelemetryCheck().run(ctx(phone()))}
    xiaomi = findings["network.vendor_telemetry:xiaomi"]
    assert xiaomi.outcome is Outcome.FAIL and "telemetry" in xiaomi.tags
    hosts = {e.key for e in xiaomi.evidence}
    assert {"tracking.intl.miui.com", "data.mistat.intl.xiaomi.com", "sa.api.intl.miui.com"} <= hosts
    assert "User Experience Program" in xiaomi.summary
    tracking = next(e for e in xiaomi.evidence if e.key == "tracking.intl.miui.com")
    assert "Analytics" in (tracking.value or "") and "SG" in (tracking.value or "")


def test_china_jurisdiction_finding_is_tagged_for_profiles() -> None:
    findings = {f.id: f for f in JurisdictionCheck().run(ctx(phone()))}
    cn = findings["network.jurisdiction:CN"]
    assert cn.outcome is Outcome.FAIL and cn.tags == ("jurisdiction:CN",)
    assert "api.micloud.xiaomi.net" in {e.key for e in cn.evidence}
    assert "638.0 kB sent" in cn.summary  # 638,050 bytes up to CN in truth.json


def test_hard_coded_mi_push_ip_and_trackers_by_app() -> None:
    (hard,) = HardcodedIpCheck().run(ctx(phone()))
    assert hard.outcome is Outcome.FAIL
    ev = {e.key: e.value or "" for e in hard.evidence}
    assert "5222" in ev["42.62.94.2"] and "Xiaomi Service Framework" in ev["42.62.94.2"]
    trackers = {f.id: f for f in TrackersCheck().run(ctx(phone()))}
    appsflyer = next(f for k, f in trackers.items() if "appsflyer" in k)
    assert "TikTok" in appsflyer.summary and "tracker" in appsflyer.tags


def test_phone_makers_ads_are_vendor_telemetry_not_trackers() -> None:
    # which owners make phones is knowledge (domains/lists.toml [phone_vendors]), not code
    from howsafe.net.attribution import DomainKnowledge

    assert {"Xiaomi", "Google"} <= DomainKnowledge.for_kb(KnowledgeBase.default()).phone_vendors
    vendor = {f.id: f for f in VendorTelemetryCheck().run(ctx(phone()))}
    xiaomi = {e.key for e in vendor["network.vendor_telemetry:xiaomi"].evidence}
    assert {"api.ad.intl.xiaomi.com", "sdkconfig.ad.intl.xiaomi.com"} <= xiaomi  # Xiaomi's own ad endpoints
    assert "app-measurement.com" in {e.key for e in vendor["network.vendor_telemetry:google"].evidence}
    trackers = {f.id: f for f in TrackersCheck().run(ctx(phone()))}
    assert not any(k.endswith((":xiaomi", ":google")) for k in trackers)
    assert "network.trackers:appsflyer" in trackers  # a third party's analytics is a tracker


def test_plaintext_http_and_iot_devices() -> None:
    (http,) = PlaintextHttpCheck().run(ctx(phone()))
    assert http.outcome is Outcome.FAIL
    assert "weatherapi.market.xiaomi.com" in {e.key for e in http.evidence}
    iot = analyse_captures([CAPS / "iot-home.pcap"], kb=KnowledgeBase.default())
    devs = {f.id: f for f in IotDevicesCheck().run(ctx(iot))}
    camera = devs["network.iot_devices:192.168.31.62"]
    assert "jurisdiction:CN" in camera.tags and "183.84.5.209:8053" in {e.key for e in camera.evidence}
    (none,) = IotDevicesCheck().run(ctx(phone()))
    assert none.outcome is Outcome.NOT_APPLICABLE


def test_audit_report_has_network_section_with_charts() -> None:
    kb = KnowledgeBase.default()
    auditor = Auditor(kb)
    report = auditor.run(auditor.context(demo_snapshot(), network=phone()), "at-risk")
    (section,) = [s for s in report.sections if s.id == "network"]
    charts = {c.title: dict(c.items) for c in section.charts}
    assert charts["Bytes by registration country"]["CN"] == 638050 + 26962
    assert any(t.title == "By app" for t in section.tables)


def test_analysis_opens_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("network connection attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = KnowledgeBase.default()  # fresh memo: tldextract and iptocc load under the guard
    r = analyse_captures([CAPS / "phone-wifi.pcap", CAPS / "querylog.json"], kb=fresh)
    host = r.host("tracking.intl.miui.com")
    assert host is not None
    # owner, country and bytes as in the capture's truth.json: the data loaded under the guard works
    assert (host.owner, host.countries, host.bytes_up, host.bytes_down) == ("Xiaomi", ("SG",), 112875, 43462)


def test_cli_net_json_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["net", str(CAPS / "pcapdroid.csv"), "--format", "json", "--profile", "at-risk"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1  # medium findings reach the at-risk threshold
    hosts = {h["name"]: h for h in out["network"]["hosts"]}
    assert hosts["api.micloud.xiaomi.net"]["bytes_up"] == 629595
    assert any(f["id"] == "network.jurisdiction:CN" for f in out["findings"])
    rc = main(["net", str(CAPS / "hostile-empty.pcap")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and err == ["howsafe: error: hostile-empty.pcap: empty file"]


def test_cli_net_html_escapes_and_draws_charts(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "net.html"
    rc = main(["net", str(CAPS / "iot-home.pcap"), "--format", "html", "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert rc == 0  # nothing at or above the everyday threshold (high) in this capture
    assert "<svg" in html and "Bytes by registration country" in html
    assert "cn-sh-fds.api.xiaomi.com" in html


def test_audit_with_capture_puts_network_findings_in_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["audit", "--demo", "--capture", str(CAPS / "pcapdroid.pcapng"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1  # the demo phone's old patch level is a high finding
    ids = {f["id"] for f in doc["findings"]}
    assert {"network.vendor_telemetry:xiaomi", "network.jurisdiction:CN", "network.hardcoded_ips"} <= ids
    assert any(s["id"] == "network" for s in doc["sections"])


def test_cli_net_warns_about_damaged_files_and_keeps_results(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["net", str(CAPS / "hostile-truncated.pcap"), str(CAPS / "hostile-empty.pcap"), "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0  # a damaged file is a warning, not an error; no high finding in what was kept
    assert captured.err.splitlines() == [
        "howsafe: warning: hostile-truncated.pcap: truncated: file ends inside record 401 "
        "(54 of 109 bytes present) (kept the 400 records before it)",
        "howsafe: warning: hostile-empty.pcap: empty file",
    ]
    doc = json.loads(captured.out)
    assert [e["partial"] for e in doc["network"]["errors"]] == [True, False]
    assert any(h["name"] == "tracking.intl.miui.com" for h in doc["network"]["hosts"])
