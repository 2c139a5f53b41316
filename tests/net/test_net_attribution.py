"""Domain attribution layers and registration countries, on the bundled knowledge."""

from __future__ import annotations

import shutil
from pathlib import Path

from howsafe.kb import KnowledgeBase
from howsafe.kb.base import bundled_data_dir
from howsafe.net.attribution import DomainKnowledge, country_of, load


def test_subdomains_inherit_and_the_most_specific_entry_wins() -> None:
    know = DomainKnowledge.for_kb(KnowledgeBase.default())
    a = know.attribute("sgp-api.xmpush.global.xiaomi.com")
    assert (a.owner, a.purpose) == ("Xiaomi", "push")
    b = know.attribute("deep.sub.tracking.intl.miui.com")
    assert (b.owner, b.purpose) == ("Xiaomi", "telemetry")
    assert know.attribute("unrelated.example.net").owner is None


def test_vendor_lists_layer_nextdns_telemetry_and_v2fly_ads() -> None:
    know = DomainKnowledge.for_kb(KnowledgeBase.default())
    sam = know.attribute("nmetrics.samsung.com")  # nextdns_samsung.txt
    assert (sam.owner, sam.purpose) == ("Samsung", "telemetry") and "nextdns" in (sam.source or "")
    ads = know.attribute("x.samsungads.com")  # v2fly_samsung.txt "@ads"
    assert (ads.owner, ads.purpose) == ("Samsung", "ads")
    brand = know.attribute("account.samsung")  # v2fly brand TLD entry "samsung"
    assert brand.owner == "Samsung"


def test_public_suffix_entries_do_not_claim_subdomains(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(bundled_data_dir() / "domains", data / "domains")
    with (data / "domains" / "vendors.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[domain]]\nname = "github.io"\nowner = "GitHub"\nsource = "test"\n')
    know = load(KnowledgeBase(data, None))
    assert know.attribute("github.io").owner == "GitHub"
    assert know.attribute("someone.github.io").owner is None  # anyone can register under github.io
    assert know.attribute("ipv4only.arpa").owner == "IANA"  # arpa entry says whole_suffix
    assert know.registrable("a.b.example.co.uk") == "example.co.uk"


def test_tracker_layer_is_skipped_gracefully_without_the_exodus_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(bundled_data_dir() / "domains", data / "domains")
    know = load(KnowledgeBase(data, None))
    assert not know.exodus_loaded and know.trackers == []
    assert know.attribute("launches.appsflyersdk.com").owner == "AppsFlyer"  # own entries still apply


def test_exodus_signatures_name_trackers_when_installed() -> None:
    know = DomainKnowledge.for_kb(KnowledgeBase.default())
    if not know.exodus_loaded:  # pragma: no cover - the trackers file ships with the package
        raise AssertionError("εxodus tracker file missing from the bundled knowledge")
    assert know.attribute("ulogs.umeng.com").tracker == "Umeng Analytics"


def test_registration_countries_are_offline_and_skip_private_ranges() -> None:
    assert country_of("120.92.65.20") == "CN"
    assert country_of("161.117.71.37") == "SG"
    assert country_of("2a03:2880:f231:c8:face:b00c:0:43fe") == "IE"
    assert country_of("192.168.31.1") is None and country_of("fd00:2::1") is None
    assert country_of("not an ip") is None
