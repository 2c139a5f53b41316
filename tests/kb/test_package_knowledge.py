"""The bundled package knowledge: schema, provenance, own-words descriptions, and lookups."""

from __future__ import annotations

import json

import pytest

from conftest import DATA
from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.package_schema import PACKAGE_FAMILIES, VendorFile, json_schema
from howsafe.kb.packages import build_db, lookup, package_db, parse_vendor_file
from howsafe.kb.schema import validate

FILES = sorted((bundled_data_dir() / "packages").glob("*.json"))
UAD = json.loads((DATA / "oem" / "uad_lists_ng.json").read_bytes())


def test_every_family_file_is_listed_and_valid() -> None:
    assert {p.stem for p in FILES} <= set(PACKAGE_FAMILIES)
    expected = {"xiaomi", "samsung", "google", "huawei", "oppo", "vivo", "motorola", "aosp"}
    assert expected <= {p.stem for p in FILES}
    for path in FILES:
        doc = parse_vendor_file(path.read_bytes(), path.name)
        assert doc.family == path.stem
        for pid, entry in doc.packages.items():
            for src in entry.sources:
                assert src in doc.sources or src.startswith("https://"), (path.name, pid, src)


def test_json_schema_is_exported() -> None:
    schema = json_schema()
    assert "packages" in schema["properties"]  # type: ignore[operator]


def test_schema_rejects_an_entry_without_sources_or_with_an_unknown_role() -> None:
    base = {"family": "x", "vendor": "X", "headquarters": "CN", "sources": {"a": "https://example.org"}}
    bad_sources = {
        **base,
        "packages": {"com.x.y": {"role": "ads", "removal": "safe", "description": "a long enough text", "sources": []}},
    }
    bad_role = {
        **base,
        "packages": {
            "com.x.y": {"role": "spyware!", "removal": "safe", "description": "a long enough text", "sources": ["a"]}
        },
    }
    for doc in (bad_sources, bad_role):
        with pytest.raises(KnowledgeError):
            parse_vendor_file(json.dumps(doc), "x.json")


def _shared_run(a: str, b: str, n: int = 40) -> str | None:
    a, b = a.lower(), b.lower()
    for i in range(0, max(len(a) - n, 0) + 1):
        if a[i : i + n] in b:
            return a[i : i + n]
    return None


def test_descriptions_are_our_own_words_not_uad_prose() -> None:
    """UAD is GPL: ids and removal levels are facts, its descriptions must not be copied."""
    for path in FILES:
        doc = validate(json.loads(path.read_bytes()), VendorFile)
        for pid, entry in doc.packages.items():
            uad = UAD.get(pid, {}).get("description") or ""
            assert _shared_run(entry.description, uad) is None, (pid, _shared_run(entry.description, uad))


def test_removal_levels_agree_with_the_uad_facts_for_unsafe_packages() -> None:
    db = package_db(KnowledgeBase())
    for pid, info in db.exact.items():
        if UAD.get(pid, {}).get("removal") == "Unsafe":
            assert info.removal == "never", pid
        if info.removal == "safe":
            assert UAD.get(pid, {}).get("removal") != "Unsafe", pid


def test_lookup_answers_what_xiaomi_analytics_is() -> None:
    info = lookup(KnowledgeBase(), "com.miui.analytics")
    assert info is not None
    assert (info.vendor, info.role, info.removal, info.matched_by, info.confidence) == (
        "Xiaomi",
        "analytics",
        "safe",
        "exact",
        "high",
    )
    assert "tracking.miui.com" in info.domains
    assert "device-ids" in info.data
    assert any(s.startswith("https://privacy.mi.com") for s in info.sources)


def test_msa_is_an_ad_service_and_the_core_is_marked_may_not_boot() -> None:
    kb = KnowledgeBase()
    msa = lookup(kb, "com.miui.msa.global")
    core = lookup(kb, "com.miui.rom")
    assert msa is not None and msa.role == "ads"
    assert core is not None and core.removal == "never"


def test_prefix_rule_is_a_low_confidence_fallback_and_unknown_ids_are_none() -> None:
    kb = KnowledgeBase()
    guess = lookup(kb, "com.miui.something.new")
    assert guess is not None
    assert (guess.matched_by, guess.confidence, guess.id, guess.vendor) == (
        "prefix",
        "low",
        "com.miui.something.new",
        "Xiaomi",
    )
    assert lookup(kb, "org.example.nothing") is None


def test_package_db_is_memoised_per_knowledge_base() -> None:
    kb = KnowledgeBase()
    assert package_db(kb) is package_db(kb)


def test_an_updated_file_in_the_cache_takes_precedence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((bundled_data_dir() / "packages" / "xiaomi.json").read_bytes())
    doc["packages"]["com.miui.analytics"]["role"] = "telemetry"
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "xiaomi.json").write_text(json.dumps(doc))
    info = lookup(KnowledgeBase(bundled_data_dir(), tmp_path), "com.miui.analytics")
    assert info is not None and info.role == "telemetry"


def test_a_broken_updated_file_is_a_knowledge_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "xiaomi.json").write_text("{not json")
    with pytest.raises(KnowledgeError):
        package_db(KnowledgeBase(bundled_data_dir(), tmp_path))


def test_build_db_keeps_the_first_family_for_a_duplicated_id() -> None:
    docs = [validate(json.loads(p.read_bytes()), VendorFile) for p in FILES]
    db = build_db(docs)
    assert db.family_for_brand("Redmi") is not None and db.family_for_brand("Redmi").family == "xiaomi"  # type: ignore[union-attr]
    assert db.family_for_brand("POCO").family == "xiaomi"  # type: ignore[union-attr]
