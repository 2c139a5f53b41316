"""Each package id is described once: two family files must never both claim it."""

from __future__ import annotations

import json
from collections import defaultdict

from howsafe.kb import bundled_data_dir


def test_no_package_id_in_two_family_files() -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for path in sorted((bundled_data_dir() / "packages").glob("*.json")):
        for pid in json.loads(path.read_text(encoding="utf-8"))["packages"]:
            owners[pid].append(path.name)
    assert {pid: files for pid, files in owners.items() if len(files) > 1} == {}
