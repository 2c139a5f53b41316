"""``howsafe iocs`` commands end to end, with the store in an isolated data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA
from howsafe.cli import main
from howsafe.iocs.update import parse_index, update

IOCS = DATA / "iocs"


def test_add_then_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iocs", "add", str(IOCS / "2022-06-23_rcs_lab"), str(IOCS / "cellebrite")]) == 0
    capsys.readouterr()
    assert main(["iocs", "list", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {c["name"]: c["indicators"] for c in data["collections"]} == {"RCSLab": 40, "Cellebrite": 1}


def test_add_rejects_a_bad_file_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.stix2"
    bad.write_bytes(b"\x00\xffnot json")
    assert main(["iocs", "add", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid JSON" in err and "Traceback" not in err


INDEX = b"""
indicators:
  - type: github
    name: RCS Lab Spyware Indicators of Compromise
    references: [https://blog.google/threat-analysis-group/]
    github: {owner: mvt-project, repo: mvt-indicators, branch: main, path: 2022-06-23_rcs_lab/rcs.stix2}
  - type: github
    name: Broken collection
    github: {owner: mvt-project, repo: mvt-indicators, branch: main, path: broken/broken.stix2}
  - type: url
    name: not github
"""


def test_update_stores_valid_bundles_and_keeps_going_after_a_bad_one(tmp_path: Path) -> None:
    served: list[str] = []

    def fetch(url: str) -> bytes:
        served.append(url)
        if url.endswith("indicators.yaml"):
            return INDEX
        if url.endswith("rcs_lab/rcs.stix2"):
            return (IOCS / "2022-06-23_rcs_lab" / "rcs.stix2").read_bytes()
        return b"<html>404</html>"

    result = update(fetch, directory=tmp_path)
    assert result.updated == ("RCS Lab Spyware Indicators of Compromise",)
    assert [name for name, _ in result.failed] == ["Broken collection"]
    assert all(u.startswith("https://") for u in served)
    assert (tmp_path / "RCS_Lab_Spyware_Indicators_of_Compromise.stix2").is_file()
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))
    assert (tmp_path / ".compiled.sqlite").is_file()  # compiled on update
    assert len(parse_index(INDEX)) == 2
