"""Every capture format against the fixture set's ground truth (truth.json).

The same phone session exists as pcap, pcapng, PCAPdroid trailer pcap, PCAPdroid pcapng and two
PCAPdroid CSV layouts; the numbers a user reads (bytes per host, per country, per app, the name
source, the owner) must come out identical to the generator's records for each of them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from howsafe.kb import KnowledgeBase
from howsafe.net import NetworkReport, analyse_captures

CAPS = FIXTURES / "captures"


@cache
def truth() -> dict[str, Any]:
    return json.loads((CAPS / "truth.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def report(name: str) -> NetworkReport:
    return analyse_captures([CAPS / name], kb=KnowledgeBase.default())


PACKET_FILES = ["phone-wifi.pcap", "phone-wifi.pcapng", "pcapdroid-trailer.pcap", "pcapdroid.pcapng"]


@pytest.mark.parametrize("name", PACKET_FILES)
def test_hosts_bytes_source_and_owner_match_truth(name: str) -> None:
    t = truth()["files"][name]
    r = report(name)
    assert not r.errors and not r.skipped
    named = {h.name: h for h in r.hosts if h.named_by != "ip"}
    assert set(named) == {h["host"] for h in t["hosts"]}
    for exp in t["hosts"]:
        h = named[exp["host"]]
        assert (h.bytes_up, h.bytes_down, h.flows) == (exp["bytes_up"], exp["bytes_down"], exp["flows"]), h.name
        assert h.named_by == exp["first_seen_source"], h.name
        assert h.owner == exp["vendor"], h.name
        assert set(h.contacted_ips) == set(exp["contacted_ips"]), h.name
        assert h.dns_only == exp["dns_only"], h.name
        assert h.nxdomain == exp["nxdomain"], h.name
        assert list(h.cname_chain) == exp["cname_chain"], h.name
        assert dict(h.ip_countries) == exp["ip_countries"], h.name
        assert h.first_seen == pytest.approx(exp["first_seen_ts"], abs=1e-5), h.name


@pytest.mark.parametrize("name", PACKET_FILES)
def test_ip_only_countries_resolvers_and_totals(name: str) -> None:
    t = truth()["files"][name]
    r = report(name)
    ip_only = {h.name: h for h in r.hosts if h.named_by == "ip"}
    assert set(ip_only) == {e["server_ip"] for e in t["ip_only_endpoints"]}
    for e in t["ip_only_endpoints"]:
        h = ip_only[e["server_ip"]]
        assert (h.bytes_up, h.bytes_down, h.flows) == (e["bytes_up"], e["bytes_down"], e["flows"])
        assert h.countries == (e["country"],)
        assert h.ports == (e["server_port"],)
    assert {c.key: (c.bytes_up, c.bytes_down, c.flows) for c in r.by_country} == {
        k: (v["bytes_up"], v["bytes_down"], v["flows"]) for k, v in t["bytes_per_country"].items()
    }
    assert {x.key: (x.bytes_up, x.bytes_down, x.flows) for x in r.resolvers} == {
        k: (v["bytes_up"], v["bytes_down"], v["queries"]) for k, v in t["dns_resolvers"].items()
    }
    (f,) = r.files
    assert f.records == t["frames"] and f.flows == t["flow_count"] and f.ip_bytes == t["ip_bytes_total"]
    assert f.has_apps == t["app_in_format"]


@pytest.mark.parametrize("name", ["pcapdroid-trailer.pcap", "pcapdroid.pcapng"])
def test_bytes_per_app_from_pcapdroid_metadata(name: str) -> None:
    t = truth()["files"][name]
    r = report(name)
    rows = {x.key: x for x in r.by_app}
    for exp in t["bytes_per_app"]:
        app = exp["app"]
        # the trailer keeps at most 19 bytes of the label; the pcapng UID map keeps it whole
        label = app["label"][:19] if name.endswith("trailer.pcap") else app["label"]
        row = rows[label]
        assert (row.bytes_up, row.bytes_down, row.flows) == (exp["bytes_up"], exp["bytes_down"], exp["flows"])
    hosts = {h.name: h for h in r.hosts}
    for exp in t["hosts"]:
        assert sorted(a.uid for a in hosts[exp["host"]].apps) == sorted(a["uid"] for a in exp["apps"])
    if name == "pcapdroid.pcapng":
        xmsf = hosts["sgp-api.xmpush.global.xiaomi.com"].apps[0]
        assert (xmsf.package, xmsf.label) == ("com.xiaomi.xmsf", "Xiaomi Service Framework")
    # by_app rows name the app by uid, package and label, not by a (non-unique) label alone
    for exp in t["bytes_per_app"]:
        app = exp["app"]
        matching = [x for x in r.by_app if x.uid == app["uid"]]
        assert len(matching) == 1, app
    assert len({(x.uid, x.package, x.label) for x in r.by_app}) == len(r.by_app)
    doc = r.to_dict()
    assert set(doc["table_keys"]) >= {"by_app", "by_country", "by_owner", "resolvers", "by_client"}  # type: ignore[arg-type]
    assert all("uid" in row and "package" in row for row in doc["by_app"])  # type: ignore[attr-defined]
    assert all("uid" not in row for row in doc["by_country"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["pcapdroid.csv", "pcapdroid_old.csv"])
def test_pcapdroid_csv_both_layouts(name: str) -> None:
    t = truth()["files"][name]
    r = report(name)
    assert not r.errors and not r.skipped
    assert r.files[0].records == t["data_rows"]
    rows = {x.key: x for x in r.by_app}
    for exp in t["bytes_per_app"]:
        row = rows[exp["label"]]  # "ShareMe, File Transfer" keeps its comma
        assert (row.bytes_up, row.bytes_down, row.flows) == (
            exp["bytes_sent"],
            exp["bytes_rcvd"],
            exp["rows"],
        )
    hosts = {h.name: h for h in r.hosts}
    for key, exp in t["bytes_per_info_host_app_rows"].items():
        h = hosts[key.removeprefix("ip:")]
        assert (h.bytes_up, h.bytes_down, h.flows) == (exp["bytes_sent"], exp["bytes_rcvd"], exp["rows"])
    assert {c.key: (c.bytes_up, c.bytes_down, c.flows) for c in r.by_country} == {
        k: (v["bytes_sent"], v["bytes_rcvd"], v["rows"]) for k, v in t["bytes_per_country"].items()
    }
    if name == "pcapdroid.csv":
        assert hosts["tracking.intl.miui.com"].apps[0].package == "com.miui.analytics"


def test_iot_home_miio_devices_and_their_clouds() -> None:
    t = truth()["files"]["iot-home.pcap"]
    r = report("iot-home.pcap")
    devices = {d.ip: d for d in r.iot_devices}
    assert set(devices) == {d["ip"] for d in t["miio_devices"]}
    for exp in t["miio_devices"]:
        d = devices[exp["ip"]]
        assert (d.mac, d.did, d.hello_replies) == (exp["mac"], exp["did"], exp["hello_replies"])
        assert d.token_leaked == exp["token_leaked_in_hello"]
        ot = t["miio_ot_cloud"][exp["ip"]]
        assert d.cloud_endpoints == (f"{ot['server'][0]}:{ot['server'][1]}",)
    assert {c.key: (c.bytes_up, c.bytes_down, c.flows) for c in r.by_country} == {
        k: (v["bytes_up"], v["bytes_down"], v["flows"]) for k, v in t["bytes_per_country_all_devices"].items()
    }
    hosts = {h.name: h for h in r.hosts}
    for exp in t["hosts_all_devices"]:
        h = hosts[exp["host"]]
        assert (h.bytes_up, h.bytes_down, h.flows) == (exp["bytes_up"], exp["bytes_down"], exp["flows"])
        assert (h.owner == "Xiaomi" and h.purpose == "iot") or exp["host"].startswith(("awsde0", "cn-sh"))
    camera = devices["192.168.31.62"]
    assert "CN" in camera.countries and "110.43.0.83" in camera.destinations  # hard-coded HTTP-DNS


@pytest.mark.parametrize("name", ["pihole-FTL.db", "querylog.json", "nextdns.csv"])
def test_dns_logs_queries_blocking_and_clients(name: str) -> None:
    t = truth()["files"][name]
    r = report(name)
    assert r.files[0].dns_log and r.files[0].records == t["total_queries"]
    assert sum(h.dns_queries for h in r.hosts) == t["total_queries"]
    assert sum(h.blocked for h in r.hosts) == t["blocked_queries"]
    hosts = {h.name: h for h in r.hosts}
    per_domain: dict[str, int] = {}
    for client, cdata in t["clients"].items():
        for dom, d in cdata["domains"].items():
            per_domain[dom] = per_domain.get(dom, 0) + d["queries"]
            if name != "nextdns.csv":  # NextDNS names the phone by device, not by IP
                assert client in hosts[dom].clients
            if name == "querylog.json":
                assert set(d["answers"]) <= set(hosts[dom].ips), dom
    assert {k: hosts[k].dns_queries for k in per_domain} == per_domain
    assert hosts["sg.ot.io.mi.com"].owner == "Xiaomi"


def test_pihole_database_is_opened_read_only(tmp_path: Path) -> None:
    import hashlib
    import shutil

    copy = tmp_path / "pihole-FTL.db"
    shutil.copy(CAPS / "pihole-FTL.db", copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    analyse_captures([copy], kb=KnowledgeBase.default())
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pihole-FTL.db"]  # no -wal, -shm or journal


def test_snapshot_completes_truncated_trailer_labels_and_packages() -> None:
    from howsafe.model import Device, Package, Snapshot, SourceInfo, SourceKind

    snap = Snapshot(
        source=SourceInfo(kind=SourceKind.SNAPSHOT, location="test"),
        device=Device(),
        packages=(Package(id="com.google.android.gms", uid=10034, label="Google Play services"),),
    )
    r = analyse_captures([CAPS / "pcapdroid-trailer.pcap"], kb=KnowledgeBase.default(), snapshot=snap)
    gms = next(a for h in r.hosts for a in h.apps if a.uid == 10034)
    assert (gms.package, gms.label) == ("com.google.android.gms", "Google Play services")
    assert "Google Play services" in {x.key for x in r.by_app}


def test_router_capture_splits_internet_traffic_per_local_device() -> None:
    t = truth()["files"]["iot-home.pcap"]["devices"]
    r = report("iot-home.pcap")
    rows = {x.key: x for x in r.by_client}
    for dev in t.values():
        per_cc = dev["bytes_per_country_app_flows_only"].values()
        up = sum(v["bytes_up"] for v in per_cc)
        down = sum(v["bytes_down"] for v in per_cc)
        row = rows[dev["ips"][0]]
        assert (row.bytes_up, row.bytes_down) == (up, down), dev["ips"]
