"""``howsafe kb lookup``: one JSON document, one object per id with ``id`` and ``role`` (``unknown`` when unknown)."""

from __future__ import annotations

import json

import pytest

from howsafe.cli import main


def test_lookup_json_is_one_document_with_one_object_per_id(capsys: pytest.CaptureFixture[str]) -> None:
    ids = ["com.miui.analytics", "com.miui.msa.global", "org.example.unknown"]
    assert main(["kb", "lookup", "--format", "json", *ids]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "howsafe.kb-lookup/1"
    objs = doc["packages"]
    assert [o["id"] for o in objs] == ids
    assert [o["role"] for o in objs] == ["analytics", "ads", "unknown"]
    assert objs[0]["vendor"] == "Xiaomi" and objs[0]["removal"] == "safe" and objs[0]["sources"]


def test_lookup_text_names_vendor_role_and_removal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "lookup", "com.miui.rom", "org.example.unknown"]) == 0
    out = capsys.readouterr().out
    assert "Xiaomi" in out and "system-critical" in out and "never" in out
    assert "org.example.unknown: unknown" in out


def test_kb_help_lists_lookup_and_import(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "--help"]) == 0
    out = capsys.readouterr().out
    assert "lookup" in out and "import-uad" in out
    # `update` comes from another module and is listed only when that module is installed.
    import importlib.util

    assert ("update" in out) == (importlib.util.find_spec("howsafe.cli.kb_update") is not None)
