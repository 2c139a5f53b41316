"""The tables read on first use with tomllib (no validation at audit time) validate against their
pydantic models here; the run-time readers see the same content the models describe."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.schema import BulletinComponentsFile, DomainListsFile, KbModel, LifecycleProductsFile, SocVendorsFile
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
]


def _raw(name: str) -> dict[str, object]:
    return tomllib.loads((bundled_data_dir() / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "model"), TABLES)
def test_shipped_table_validates_and_names_its_source(name: str, model: type[KbModel]) -> None:
    meta = _raw(name)["meta"]
    assert isinstance(meta, dict) and str(meta["source"]).startswith("https://")
    model.model_validate(_raw(name))


@pytest.mark.parametrize(("name", "model"), TABLES)
def test_a_typo_in_a_table_fails_validation(name: str, model: type[KbModel]) -> None:
    raw = _raw(name)
    meta = raw["meta"]
    assert isinstance(meta, dict)
    raw["meta"] = {**meta, "sourse": "typo"}
    with pytest.raises(ValidationError, match="sourse"):
        model.model_validate(raw)


def test_soc_table_is_read_as_validated() -> None:
    doc = SocVendorsFile.model_validate(_raw("soc/vendors.toml"))
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
    doc = BulletinComponentsFile.model_validate(_raw("vulns/components.toml"))
    assert [v.name for v in doc.vendor] == [v.name for v in components().vendors]
    assert vendor_in("Qualcomm closed-source components") == "Qualcomm"
    assert vendor_in("Elevation of privilege vulnerability in LG bootloader") == "LG"
    assert vendor_in("Algorithm") is None  # "lg" only as a whole word
    assert vendor_in("FPC fingerprint") is None and vendor_prefixing("FPC fingerprint") == "FPC"
    assert vendor_role("Unisoc") is VendorRole.SOC and vendor_role("Broadcom") is VendorRole.PART
    assert vendor_role("Samsung LSI") is VendorRole.PART  # no bulletin vendor row of that name
    assert components().severity["moderate"] is Severity.MEDIUM and "android tv" in components().not_phone


def test_domain_lists_table_is_read_as_validated() -> None:
    doc = DomainListsFile.model_validate(_raw("domains/lists.toml"))
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
        DomainListsFile.model_validate(raw)


def test_lifecycle_products_are_read_as_validated() -> None:
    from howsafe.vulns.lifecycle import device_products, product_brands

    doc = LifecycleProductsFile.model_validate(_raw("lifecycle/products.toml"))
    assert [p.id for p in doc.product] == list(device_products())
    # a Samsung is judged only against Samsung's lists, a Nexus built by LG against Google's Nexus list
    assert "samsung" in product_brands()["samsung-mobile"] and "samsung" not in product_brands()["pixel"]
    assert "lge" in product_brands()["google-nexus"]
