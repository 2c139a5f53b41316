"""The vendor settings knowledge: schema, sources, and how raw values are read."""

from __future__ import annotations

import json

import pytest

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.schema import validate
from howsafe.kb.vendor_settings import SettingsFile, vendor_settings


def test_every_settings_file_validates_and_cites_a_source() -> None:
    files = sorted((bundled_data_dir() / "vendor_settings").glob("*.json"))
    assert {p.stem for p in files} >= {"xiaomi", "samsung", "huawei", "oppo"}
    for path in files:
        doc = validate(json.loads(path.read_bytes()), SettingsFile)
        assert doc.family == path.stem
        for entry in doc.settings:
            assert all(s.startswith("https://") for s in entry.sources), entry.id
            assert entry.on_values or entry.on_bits is not None


def test_miui_user_experience_program_key_and_values() -> None:
    xiaomi = vendor_settings(KnowledgeBase()).for_family("xiaomi")
    [ux] = [e for e in xiaomi if e.key == "upload_log_pref"]
    assert (ux.namespace, ux.state("1"), ux.state("0"), ux.state("7"), ux.state(None)) == (
        "secure",
        "on",
        "off",
        "unknown",
        "unknown",
    )


def test_personalised_ads_is_a_bit_field() -> None:
    xiaomi = vendor_settings(KnowledgeBase()).for_family("xiaomi")
    [ads] = [e for e in xiaomi if e.key == "personalized_ad_enabled"]
    assert ads.namespace == "global"
    assert [ads.state(v) for v in ("0", "1", "2", "3", "x")] == ["off", "on", "off", "on", "unknown"]


def test_a_broken_settings_file_is_a_knowledge_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "vendor_settings").mkdir()
    broken = {"family": "xiaomi", "settings": [{}]}
    (tmp_path / "vendor_settings" / "xiaomi.json").write_text(json.dumps(broken))
    with pytest.raises(KnowledgeError):
        vendor_settings(KnowledgeBase(bundled_data_dir(), tmp_path))
