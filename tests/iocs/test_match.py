"""Matching planted indicators (taken from the real bundles) against real device data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from msgspec.structs import replace

from conftest import DATA, DEVICES
from howsafe.checks.base import AuditContext, run_check
from howsafe.checks.compromise import IocCheck
from howsafe.iocs import IocType, build_set, load_indicator_set
from howsafe.kb import KnowledgeBase
from howsafe.model import Outcome, Package, Process, Snapshot
from howsafe.sources import load_path

IOCS = DATA / "iocs"
DEVICE = DEVICES / "redmi-garnet-OS2.0.205.0.VNRMIXM"


@pytest.fixture(scope="module")
def iset():  # type: ignore[no-untyped-def]
    return build_set([IOCS])


def _ctx(snapshot: Snapshot, iset, network=None) -> AuditContext:  # type: ignore[no-untyped-def]
    return AuditContext(
        snapshot=snapshot, kb=KnowledgeBase.default(), today=dt.date(2026, 11, 30), iocs=iset, network=network
    )


def _planted(snapshot: Snapshot, iset) -> Snapshot:  # type: ignore[no-untyped-def]
    app_id = next(i.value for i in _all(iset, IocType.APP_ID) if i.collection == "WyrmSpy_DragonEgg")
    cert = next(i.value for i in _all(iset, IocType.APP_CERT_SHA256))
    packages = (
        *(snapshot.packages or ()),
        Package(id=app_id, installer=None, apk_paths=(f"/data/app/{app_id}-1/base.apk",)),
        Package(id="com.example.signedbyspyware", signer_sha256=(cert.upper(),)),
    )
    procs = (Process(pid=4242, name="BackupAgent"),)
    return replace(snapshot, packages=packages, processes=procs)


def _all(iset, t: IocType):  # type: ignore[no-untyped-def]
    return [i for by in iset._index.get(t, {}).values() for i in by]


def test_clean_real_device_matches_nothing(iset) -> None:  # type: ignore[no-untyped-def]
    snap = load_path(DEVICE)
    findings = IocCheck().run(_ctx(snap, iset))
    assert [f.outcome for f in findings] == [Outcome.PASS]
    assert "1441 indicators from 11 collections" in findings[0].summary


def test_planted_package_cert_and_process_are_reported_with_their_collection(iset) -> None:  # type: ignore[no-untyped-def]
    snap = _planted(load_path(DEVICE), iset)
    findings = IocCheck().run(_ctx(snap, iset))
    failed = [f for f in findings if f.outcome is Outcome.FAIL]
    by_type = {f.evidence[1].key: f for f in failed}
    assert set(by_type) >= {"app:id", "app:cert.sha256", "process:name"}
    assert "WyrmSpy_DragonEgg" in by_type["app:id"].title
    assert "ResidentBat" in by_type["app:cert.sha256"].title
    assert by_type["app:cert.sha256"].evidence[0].key == "com.example.signedbyspyware"
    assert all(f.severity.value == "critical" and "spyware" in f.tags for f in failed)
    assert all("expert" in f.remediation for f in failed)


def test_domains_match_subdomains_but_not_lookalikes(iset) -> None:  # type: ignore[no-untyped-def]
    domain = next(i.value for i in _all(iset, IocType.DOMAIN) if i.collection == "Predator")
    assert iset.lookup_domain(domain)
    assert iset.lookup_domain("cdn.x." + domain.upper() + ".")
    assert not iset.lookup_domain("not" + domain)
    assert not iset.lookup_domain(domain + ".example")


def test_no_collections_means_not_checked_rather_than_clean() -> None:
    assert load_indicator_set() is None
    snap = load_path(DEVICE)
    [f] = run_check(IocCheck(), _ctx(snap, None))
    assert f.outcome is Outcome.NOT_AVAILABLE
    assert "iocs update" in f.summary


def test_mvt_stix2_environment_variable_is_honoured(tmp_path: Path) -> None:
    iset = load_indicator_set(env={"MVT_STIX2": str(IOCS / "cellebrite" / "cellebrite.stix2")})
    assert iset is not None and [c.name for c in iset.collections] == ["Cellebrite"]


def test_planted_domain_in_a_real_capture_is_reported_with_the_app(iset) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from conftest import FIXTURES
    from howsafe.net import analyse_captures

    report = analyse_captures([FIXTURES / "captures" / "pcapdroid.pcapng"], kb=KnowledgeBase.default())
    clean = IocCheck().run(_ctx(load_path(DEVICE), iset, network=report))
    assert [f.outcome for f in clean] == [Outcome.PASS] and "network hosts" in clean[0].summary

    domain = next(i.value for i in _all(iset, IocType.DOMAIN) if i.collection == "Predator")
    victim = next(h for h in report.hosts if h.apps and h.named_by != "ip")
    planted = dataclasses.replace(victim, name=f"api.{domain}")
    hosts = tuple(planted if h is victim else h for h in report.hosts)
    findings = IocCheck().run(_ctx(load_path(DEVICE), iset, network=dataclasses.replace(report, hosts=hosts)))
    [hit] = [f for f in findings if f.outcome is Outcome.FAIL]
    assert "Predator" in hit.title
    assert hit.evidence[0].kind == "host" and hit.evidence[0].key == f"api.{domain}"
    # the app that talked to it, from PCAPdroid's metadata
    assert (victim.name, hit.evidence[0].value) == ("android.clients.google.com", "Google Play services")
    assert hit.evidence[1].key == "domain-name:value" and hit.evidence[1].source == "Predator"


def test_apk_file_hash_and_url_host_indicators(tmp_path: Path) -> None:
    import dataclasses
    import hashlib
    import json

    from conftest import FIXTURES
    from howsafe.apk import scan_paths
    from howsafe.net import analyse_captures

    apk = FIXTURES / "apk" / "trackers" / "single-jpush.apk"
    digest = hashlib.sha256(apk.read_bytes()).hexdigest()
    bundle = json.loads((IOCS / "cellebrite" / "cellebrite.stix2").read_text())
    ind = next(o for o in bundle["objects"] if o["type"] == "indicator")
    ind["pattern"] = f"[file:hashes.sha256 = '{digest}' OR url:value = 'http://update.example-c2.test/x.apk']"
    (tmp_path / "planted.stix2").write_text(json.dumps(bundle))
    planted = build_set([tmp_path])

    apps = scan_paths([apk], kb=KnowledgeBase.default())
    report = analyse_captures([FIXTURES / "captures" / "pcapdroid.pcapng"], kb=KnowledgeBase.default())
    host = dataclasses.replace(report.hosts[0], name="update.example-c2.test", named_by="dns")
    network = dataclasses.replace(report, hosts=(host, *report.hosts[1:]))
    ctx = AuditContext(
        snapshot=load_path(DEVICE),
        kb=KnowledgeBase.default(),
        today=dt.date(2026, 11, 30),
        iocs=planted,
        apps=apps,
        network=network,
    )
    failed = [f for f in IocCheck().run(ctx) if f.outcome is Outcome.FAIL]
    by_kind = {f.evidence[1].key: f for f in failed}
    assert by_kind["file:hashes.sha256"].evidence[0].key == str(apk)
    assert by_kind["file:hashes.sha256"].confidence == "high"
    assert by_kind["url:value"].confidence == "medium" and "host only" in by_kind["url:value"].summary
