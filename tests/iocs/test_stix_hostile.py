"""STIX2 bundles with one hostile object: it becomes one reported entry, the rest loads.

Bundles are generated here: an object nested 100,000 levels deep, an object whose ``id`` is a
list, a URL indicator whose host cannot be parsed (``http://[::1/x``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from howsafe.cli import main
from howsafe.iocs.stix import read_bundle
from howsafe.parse.jsonsafe import load_members

MALWARE = {"type": "malware", "id": "malware--1", "name": "Evil"}
GOOD = {"type": "indicator", "id": "indicator--1", "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix"}  # fmt: skip


def _bundle(tmp_path: Path, *objects: object, raw_tail: str = "") -> Path:
    path = tmp_path / "bundle.json"
    text = json.dumps({"type": "bundle", "id": "bundle--1", "objects": [MALWARE, GOOD, *objects, "@@"]})
    path.write_text(text.replace(', "@@"', raw_tail), encoding="utf-8")
    return path


def test_an_object_nested_100000_levels_is_one_entry_and_the_rest_loads(tmp_path: Path) -> None:
    deep = ', {"type": "indicator", "id": "indicator--2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = _bundle(tmp_path, raw_tail=deep + ', {"type": "indicator", "id": "indicator--3", '
                   '"pattern": "[domain-name:value = \'two.example\']", "pattern_type": "stix"}')  # fmt: skip
    collection, indicators, unsupported = read_bundle(path)
    assert collection.name == "Evil"
    assert sorted(i.value for i in indicators) == ["evil.example", "two.example"]
    assert [u.reason for u in unsupported] == ["object nested too deeply to read"]


def test_an_object_whose_id_is_a_list_is_one_entry(tmp_path: Path) -> None:
    path = _bundle(tmp_path, {"type": "malware", "id": ["malware--2"], "name": "Other"},
                   {**GOOD, "id": ["indicator--2"], "pattern": "[domain-name:value = 'x.example']"})  # fmt: skip
    _, indicators, unsupported = read_bundle(path)
    assert [i.value for i in indicators] == ["evil.example"]
    assert [u.reason for u in unsupported] == ["object id is not a string"] * 2


def test_a_url_with_a_bracketed_unterminated_host_is_one_entry(tmp_path: Path) -> None:
    path = _bundle(tmp_path, {**GOOD, "id": "indicator--2", "pattern": "[url:value = 'http://[::1/x']"},
                   {**GOOD, "id": "indicator--3", "pattern": "[url:value = 'http://ok.example/x']"})  # fmt: skip
    _, indicators, unsupported = read_bundle(path)
    assert sorted(i.value for i in indicators) == ["evil.example", "http://ok.example/x"]
    assert [u.reason for u in unsupported] == ["URL with an unparsable host"]


@pytest.mark.parametrize("case", ["deep", "list-id", "url"])
def test_iocs_add_and_audit_take_such_bundles_without_a_traceback(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "deep": {"type": "indicator", "id": "indicator--2", "x": "@@"},
        "list-id": {**GOOD, "id": [1, 2]},
        "url": {**GOOD, "id": "indicator--2", "pattern": "[url:value = 'http://[::1/x']"},
    }[case]
    path = _bundle(tmp_path, bad)
    if case == "deep":
        path.write_text(path.read_text(encoding="utf-8").replace('"@@"', "[" * 50_000 + "]" * 50_000))
    assert main(["iocs", "add", str(path)]) == 0
    assert main(["iocs", "list"]) == 0
    assert main(["audit", "--demo", "--format", "json"]) in (0, 1)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err


def test_the_tolerant_reader_matches_json_on_ordinary_documents() -> None:
    doc = {"a": [1, {"b": 'x]}\\"y'}], "objects": [{"id": "1"}, [], "s", 2.5, None], "z": {}}
    top, elements, skipped = load_members(json.dumps(doc), "objects")
    assert top == doc and elements == doc["objects"] and skipped == 0
