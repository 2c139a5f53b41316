"""The JSON report is the stable contract: valid against the schema, lossless, documented."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from conftest import REPO
from howsafe.model import Report, Snapshot, from_json, json_schema, to_json
from howsafe.report import render
from report.report_helpers import HOSTILE, XIAOMI, audit, hostile_snapshot, snapshot_from_folder

DOC = REPO / "docs" / "report-format.md"


@pytest.fixture(scope="module")
def report() -> Report:
    return audit(snapshot_from_folder(XIAOMI))


def test_json_validates_against_the_published_schema(report: Report) -> None:
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, json_schema(Report), cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == 1
    assert data["device"]["security_patch"] == "2019-06-01"
    failed = [f for f in data["findings"] if f["outcome"] == "fail"]
    assert failed and all(f["evidence"] for f in failed)
    spl = next(f for f in failed if f["check"] == "test.patch_level")
    assert spl["evidence"][0] == {
        "kind": "property",
        "key": "ro.build.version.security_patch",
        "value": "2019-06-01",
        "source": "getprop.txt",
    }


def test_json_round_trips_exactly(report: Report) -> None:
    text = render(report, "json")
    again = from_json(text, Report)
    assert again == report
    assert render(again, "json") == text


def test_schema_rejects_what_the_reader_rejects(report: Report) -> None:
    """The published schema is as strict as the reader: a wrong type, an unknown field, an
    unknown enum value or a missing required field fails both."""
    schema = json_schema(Report)
    good = json.loads(render(report, "json"))
    bad_docs = [
        {**good, "generated_at": 12},
        {**good, "extra": 1},
        {**good, "verdict": {**good["verdict"], "grade": "Z"}},
        {k: v for k, v in good.items() if k != "findings"},
        {**good, "findings": [{**good["findings"][0], "severity": "huge"}]},
    ]
    for bad in bad_docs:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema, cls=jsonschema.Draft202012Validator)
        with pytest.raises(ValueError, match=r"^at "):
            from_json(json.dumps(bad), Report)


def test_snapshot_json_validates_against_the_published_schema() -> None:
    snap = snapshot_from_folder(XIAOMI)
    data = json.loads(to_json(snap))
    jsonschema.validate(data, json_schema(Snapshot), cls=jsonschema.Draft202012Validator)
    assert data["packages"] and data["device"]["brand"]


def test_device_strings_are_kept_verbatim_in_json() -> None:
    snap = hostile_snapshot(snapshot_from_folder(XIAOMI))
    data = json.loads(render(audit(snap), "json"))
    assert data["device"]["model"] == HOSTILE[0]
    evidence_values = {e["value"] for f in data["findings"] for e in f["evidence"]}
    assert f"Free VPN {HOSTILE[1]}" in evidence_values


def _schema_fields() -> dict[str, list[str]]:
    schema = json_schema(Report)
    out = {"Report": list(schema["properties"])}
    for name, d in schema["$defs"].items():
        if "properties" in d:
            out[name] = list(d["properties"])
        elif "enum" in d:
            out[name] = [str(v) for v in d["enum"]]
    return out


def test_every_field_and_enum_value_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for type_name, fields in _schema_fields().items():
        heading = re.search(rf"^### {type_name}$", doc, re.M)
        if heading is not None:
            end = doc.find("\n### ", heading.end())
            block = doc[heading.end() : end if end != -1 else None]
            missing = [f for f in fields if not re.search(rf"^\| `{re.escape(f)}` \|", block, re.M)]
            assert not missing, f"{type_name} fields not documented in {DOC.name}: {missing}"
        else:
            row = re.search(rf"^\| {type_name} \|(.*)$", doc, re.M)
            assert row is not None, f"{type_name} is neither a documented type nor enumeration"
            missing = [v for v in fields if f"`{v}`" not in row.group(1)]
            assert not missing, f"{type_name} values not documented: {missing}"


def test_documented_example_is_a_valid_report() -> None:
    doc = DOC.read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.S)
    assert example is not None
    from_json(example.group(1), Report)
