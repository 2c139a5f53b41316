"""The tables read on first use with tomllib or json (no validation at audit time) validate against
their msgspec models here; the run-time readers see the same content the models describe."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from msgspec import ValidationError

from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.schema import (
    BulletinComponentsFile,
    CountriesFile,
    DomainListsFile,
    DomainVendorsFile,
    KbModel,
    LifecycleCorrectionsFile,
    LifecycleFile,
    LifecycleProductsFile,
    SocVendorsFile,
    XiaomiRegionsFile,
    first_error,
    validate,
)
from howsafe.kb.soc import soc_vendor_for, soc_vendors
from howsafe.model import Severity
from howsafe.net.attribution import DomainKnowledge
from howsafe.vulns.components import components, vendor_in, vendor_prefixing, vendor_role
from howsafe.vulns.model import VendorRole

TABLES: list[tuple[str, type[KbModel]]] = [
    ("soc/vendors.toml", SocVendorsFile),
    ("vulns/components.toml", BulletinComponentsFile),
    ("domains/lists.toml", DomainListsFile),
    ("lifecycle/products.toml", LifecycleProductsFile),
    ("lifecycle/lifecycle.json", LifecycleFile),
    ("lifecycle/corrections.json", LifecycleCorrectionsFile),
    ("identity/xiaomi_regions.toml", XiaomiRegionsFile),
    ("domains/vendors.toml", DomainVendorsFile),
    ("domains/countries.toml", CountriesFile),
]


def _raw(name: str) -> dict[str, object]:
    text = (bundled_data_dir() / name).read_text(encoding="utf-8")
    doc = json.loads(text) if name.endswith(".json") else tomllib.loads(text)
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(("name", "model"), TABLES)
def test_shipped_table_validates_and_names_its_source(name: str, model: type[KbModel]) -> None:
    meta = _raw(name).get("meta")
    if meta is not None:
        assert isinstance(meta, dict) and str(meta["source"]).startswith("https://")
    else:  # no [meta] table: the SOURCES.md beside it names the file and where its facts come from
        sources = (bundled_data_dir() / name).with_name("SOURCES.md").read_text(encoding="utf-8")
        assert f"`{name.rsplit('/', 1)[-1]}`" in sources or f"## {name.rsplit('/', 1)[-1]}" in sources
    validate(_raw(name), model)


@pytest.mark.parametrize(("name", "model"), TABLES)
def test_a_typo_in_a_table_fails_validation(name: str, model: type[KbModel]) -> None:
    raw = _raw(name)
    meta = raw.get("meta")
    if isinstance(meta, dict):
        raw["meta"] = {**meta, "sourse": "typo"}
    else:
        raw["sourse"] = "typo"
    with pytest.raises(ValidationError, match="sourse"):
        validate(raw, model)


def test_soc_table_is_read_as_validated() -> None:
    doc = validate(_raw("soc/vendors.toml"), SocVendorsFile)
    assert [(v.name, v.bulletin) for v in doc.vendor] == [(v.name, v.bulletin) for v in soc_vendors()]
    # declared makers and platform names as real phones report them (ro.soc.manufacturer, ro.board.platform)
    found = [soc_vendor_for(v) for v in ("QTI", "sm8250", "mt6877", "exynos990", "kirin990", "gs101")]
    assert [v.bulletin if v else None for v in found] == [
        "Qualcomm",
        "Qualcomm",
        "MediaTek",
        "Samsung LSI",
        "HiSilicon",
        "Google Tensor",
    ]
    assert soc_vendor_for("sunxi") is None and soc_vendor_for("") is None


def test_components_table_is_read_as_validated() -> None:
    doc = validate(_raw("vulns/components.toml"), BulletinComponentsFile)
    assert [v.name for v in doc.vendor] == [v.name for v in components().vendors]
    assert vendor_in("Qualcomm closed-source components") == "Qualcomm"
    assert vendor_in("Elevation of privilege vulnerability in LG bootloader") == "LG"
    assert vendor_in("Algorithm") is None  # "lg" only as a whole word
    assert vendor_in("FPC fingerprint") is None and vendor_prefixing("FPC fingerprint") == "FPC"
    assert vendor_role("Unisoc") is VendorRole.SOC and vendor_role("Broadcom") is VendorRole.PART
    assert vendor_role("Samsung LSI") is VendorRole.PART  # no bulletin vendor row of that name
    assert components().severity["moderate"] is Severity.MEDIUM and "android tv" in components().not_phone


def test_domain_lists_table_is_read_as_validated() -> None:
    doc = validate(_raw("domains/lists.toml"), DomainListsFile)
    listed = {p.name.split("_", 1)[0] for p in (bundled_data_dir() / "domains").glob("*.txt")}
    assert listed <= set(doc.lists)  # every shipped list file has a reading rule
    dk = DomainKnowledge.for_kb(KnowledgeBase())
    assert any(e.owner == doc.owners["xiaomi"] and e.purpose == "telemetry" for e in dk.entries.values())
    # the phone makers the network checks tell apart from third-party trackers
    assert dk.phone_vendors == set(doc.phone_vendors)
    assert set(doc.owners.values()) <= dk.phone_vendors  # every vendor list names a phone maker
    assert {"Google", "Apple"} <= dk.phone_vendors


def test_a_phone_vendor_without_a_source_fails_validation() -> None:
    raw = _raw("domains/lists.toml")
    vendors = raw["phone_vendors"]
    assert isinstance(vendors, dict)
    raw["phone_vendors"] = {**vendors, "Nokia": {}}
    with pytest.raises(ValidationError, match="source"):
        validate(raw, DomainListsFile)


def test_lifecycle_products_are_read_as_validated() -> None:
    from howsafe.kb.lifecycle import device_products, product_brands

    doc = validate(_raw("lifecycle/products.toml"), LifecycleProductsFile)
    assert [p.id for p in doc.product] == list(device_products())
    # a Samsung is judged only against Samsung's lists, a Nexus built by LG against Google's Nexus list
    assert "samsung" in product_brands()["samsung-mobile"] and "samsung" not in product_brands()["pixel"]
    assert "lge" in product_brands()["google-nexus"]


def test_lifecycle_files_are_read_as_validated(tmp_path: Path) -> None:
    from howsafe.errors import KnowledgeError
    from howsafe.kb.lifecycle import LIFECYCLE_NAME, load_lifecycle

    doc = validate(_raw("lifecycle/lifecycle.json"), LifecycleFile)
    fixes = validate(_raw("lifecycle/corrections.json"), LifecycleCorrectionsFile)
    read = load_lifecycle(KnowledgeBase(bundled_data_dir(), None))
    assert [r["cycle"] for r in read["android"]] == [r.cycle for r in doc.android]
    assert [b["branch"] for b in read["kernel"]] == [b.branch for b in doc.kernel]
    # the shipped 8.1 date is the one the corrections file replaces, with its source named
    [row] = [r for r in read["android"] if r["cycle"] == "8.1"]
    assert (row["eol"], row["eol_source"]) == (fixes.android["8.1"].eol, fixes.android["8.1"].source)
    # an updated copy that is not a lifecycle document is one KnowledgeError naming the file
    (tmp_path / "lifecycle").mkdir()
    (tmp_path / LIFECYCLE_NAME).write_text('{"android": "none"}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"lifecycle/lifecycle\.json is not a lifecycle document"):
        load_lifecycle(KnowledgeBase(bundled_data_dir(), tmp_path))


def test_xiaomi_regions_are_read_as_validated() -> None:
    from howsafe.kb.identity import xiaomi_regions
    from howsafe.sources.identity import device_from_properties

    doc = validate(_raw("identity/xiaomi_regions.toml"), XiaomiRegionsFile)
    assert xiaomi_regions() == doc.regions
    props = {"ro.product.brand": "Redmi", "ro.miui.ui.version.name": "V140", "ro.build.version.incremental": ""}
    regions = {
        inc: device_from_properties({**props, "ro.build.version.incremental": inc}).region
        for inc in ("V14.0.4.0.SJKCNXM", "V14.0.9.0.SKGMIXM", "V14.0.2.0.TKHEUXM", "V14.0.1.0.TKHZZXM")
    }
    assert regions == {
        "V14.0.4.0.SJKCNXM": "CN",
        "V14.0.9.0.SKGMIXM": "Global",
        "V14.0.2.0.TKHEUXM": "EEA",
        "V14.0.1.0.TKHZZXM": "ZZ",  # a code the file does not name is shown as it is
    }


def test_domain_vendor_and_country_tables_are_read_as_validated() -> None:
    vendors = validate(_raw("domains/vendors.toml"), DomainVendorsFile)
    countries = validate(_raw("domains/countries.toml"), CountriesFile)
    dk = DomainKnowledge.for_kb(KnowledgeBase())
    for entry in vendors.domain:
        assert dk.entries[entry.name].source == entry.source
    assert dk.optout("Xiaomi", "telemetry") == vendors.optout["Xiaomi"]["telemetry"]
    assert dk.country_name("CN") == countries.country["CN"].name == "China"
    assert dk.country_severity("CN") == countries.country["CN"].severity
    assert dk.country_severity("FR") == countries.default


def test_the_exodus_list_is_read_as_validated() -> None:
    from howsafe.apk.trackerdb import exodus_records
    from howsafe.kb.schema import ExodusTrackersFile

    raw = _raw("trackers/exodus_trackers.json")
    doc = validate(raw, ExodusTrackersFile)
    read = exodus_records(raw)
    assert len(read) == len(doc.trackers) == 432
    assert [(r.id, r.name, r.code_signature, r.categories) for r in read] == [
        (t.id, t.name, t.code_signature, tuple(t.categories)) for t in doc.trackers.values()
    ]
    # a type error is named; a key εxodus adds later is not one (its format, not ours)
    first = next(iter(raw["trackers"]))  # type: ignore[call-overload]
    bad = {"trackers": {first: {**raw["trackers"][first], "id": "1"}}}  # type: ignore[index]
    with pytest.raises(ValidationError) as err:
        validate(bad, ExodusTrackersFile)
    assert first_error(err.value, bad, ExodusTrackersFile).startswith(f"trackers.{first}.id: ")
    validate({"trackers": {first: {**raw["trackers"][first], "added_later": 1}}}, ExodusTrackersFile)  # type: ignore[index]
