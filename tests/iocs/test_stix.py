"""STIX2 reading on the real mvt-indicators bundles in ../shared/data/iocs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA
from howsafe.errors import PatternError
from howsafe.iocs import IocType, build_set
from howsafe.iocs.stix import parse_pattern, read_bundle

IOCS = DATA / "iocs"

# Expected counts, checkable by hand with: grep -o "\[domain-name:value" FILE | wc -l (etc.)
EXPECTED = {
    "Candiru": {IocType.DOMAIN: 125},
    "Cellebrite": {IocType.APP_ID: 1},
    "Coruna": {IocType.DOMAIN: 177, IocType.FILE_SHA256: 20, IocType.FILE_NAME: 7, IocType.FILE_PATH: 12},
    "DarkSword": {
        IocType.DOMAIN: 10,
        IocType.FILE_SHA256: 1,
        IocType.FILE_NAME: 7,
        IocType.FILE_PATH: 22,
        IocType.IPV4: 3,
    },
    "EagleMsgSpy": {IocType.DOMAIN: 13, IocType.FILE_SHA256: 25, IocType.IPV4: 13},
    "KingSpawn": {IocType.DOMAIN: 164, IocType.FILE_PATH: 2, IocType.PROCESS_NAME: 1},
    "OperationTriangulation": {IocType.DOMAIN: 75, IocType.EMAIL: 36, IocType.PROCESS_NAME: 1},
    "Predator": {IocType.CONFIG_PROFILE: 1, IocType.DOMAIN: 569, IocType.FILE_PATH: 15},
    "RCSLab": {IocType.APP_ID: 5, IocType.DOMAIN: 26, IocType.FILE_SHA256: 9},
    "ResidentBat": {IocType.APP_CERT_SHA256: 8, IocType.APP_ID: 8, IocType.FILE_SHA256: 8, IocType.IPV4: 24},
    "WyrmSpy_DragonEgg": {IocType.APP_ID: 7, IocType.DOMAIN: 7, IocType.FILE_SHA256: 34, IocType.IPV4: 5},
}


def test_every_real_bundle_loads_with_exact_counts_per_collection_and_type() -> None:
    iset = build_set([IOCS])
    assert not iset.errors
    assert iset.skipped_patterns == 0
    assert sorted(c.name for c in iset.collections) == sorted(EXPECTED)
    counts = iset.counts()
    paths = {c.name: c.path for c in iset.collections}  # counts are per bundle: names may repeat
    got = {name: {t: counts[(paths[name], t)] for t in IocType if counts[(paths[name], t)]} for name in EXPECTED}
    assert got == EXPECTED
    assert len(iset) == 1441


def test_quoted_hash_path_variant_is_the_same_type() -> None:
    # Coruna writes file:hashes.'SHA-256'; it must land with the plain sha256 hashes.
    _, indicators, _ = read_bundle(IOCS / "2026-03-03_coruna_cryptowaters" / "coruna.stix2")
    sha = [i for i in indicators if i.type is IocType.FILE_SHA256]
    assert len(sha) == 20
    assert all(len(i.value) == 64 for i in sha)


def test_indicators_are_grouped_by_their_malware_relationship() -> None:
    _, indicators, _ = read_bundle(IOCS / "2022-06-23_rcs_lab" / "rcs.stix2")
    assert {i.malware for i in indicators} == {"RCSLab"}
    assert "com.vodaservices" in {i.value for i in indicators if i.type is IocType.APP_ID}


def test_or_patterns_and_escapes() -> None:
    assert parse_pattern("[domain-name:value = 'a.com' OR app:id = 'x\\'y']") == [
        (IocType.DOMAIN, "a.com"),
        (IocType.APP_ID, "x'y"),
    ]
    with pytest.raises(PatternError):
        parse_pattern("[domain-name:value = 'a.com' AND app:id = 'x']")
    with pytest.raises(PatternError):
        parse_pattern("[x-unknown:thing = 'a']")
    with pytest.raises(PatternError):
        parse_pattern("[domain-name:value MATCHES '^a']")


def test_malformed_bundles_are_reported_and_the_rest_still_load(tmp_path: Path) -> None:
    good = tmp_path / "good.stix2"
    good.write_bytes((IOCS / "cellebrite" / "cellebrite.stix2").read_bytes())
    (tmp_path / "broken.stix2").write_text('{"type": "bundle", "objects": [', encoding="utf-8")
    (tmp_path / "notbundle.stix2").write_text('["just", "a", "list"]', encoding="utf-8")
    odd = json.loads(good.read_text())
    for o in odd["objects"]:
        if o["type"] == "indicator":
            o["pattern"] = "[file:size > 10]"
    (tmp_path / "unknown-syntax.stix2").write_text(json.dumps(odd), encoding="utf-8")
    iset = build_set([tmp_path])
    assert {Path(e.path).name for e in iset.errors} == {"broken.stix2", "notbundle.stix2"}
    assert iset.skipped_patterns == 1
    assert iset.lookup(IocType.APP_ID, "com.client.appA")


def test_oversized_bundle_is_refused_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import howsafe.iocs.stix as stix

    big = tmp_path / "big.stix2"
    big.write_bytes(b" " * 4096)
    monkeypatch.setattr(stix, "MAX_BUNDLE_BYTES", 1024)
    iset = build_set([big])
    assert iset.errors and "limit" in iset.errors[0].message
