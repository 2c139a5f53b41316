"""The compiled index of the store: built on `iocs add`, validated by content hash, rebuilt when
stale or damaged, and giving the same answers as reading the bundles."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from howsafe.cli import main
from howsafe.iocs import build_set, load_indicator_set, snapshot_observables, store_dir
from howsafe.iocs.compiled import DB_NAME, MANIFEST_NAME
from howsafe.iocs.match import match
from howsafe.iocs.model import IocType
from howsafe.iocs.store import ADHOC_MIN_BYTES, adhoc_cache_dir
from howsafe.sources import load_path
from iocs.test_mvt_parity import PATTERNS, UNSUPPORTED, acquisition, bundle

IOCS = DATA / "iocs"


def _answers(iset: object, snap: object) -> set[tuple[str, str, str]]:
    return {
        (h.indicator.type.value, h.indicator.value, h.observable.evidence.key)
        for h in match(iset, snapshot_observables(snap))  # type: ignore[arg-type]
    }


def test_the_compiled_index_answers_like_the_bundles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "spy.stix2").write_text(json.dumps(bundle("SpyFamily", [*PATTERNS.values(), *UNSUPPORTED])))
    assert main(["iocs", "add", str(folder), str(IOCS)]) == 0
    d = store_dir()
    assert (d / DB_NAME).is_file() and (d / MANIFEST_NAME).is_file()
    compiled = load_indicator_set()
    plain = build_set([folder, IOCS])
    assert compiled is not None and compiled.compiled and not compiled._index  # nothing parsed
    assert len(compiled) == len(plain)
    assert {(c.name, n) for c, n in _per_collection(compiled).items()} == {
        (c.name, n) for c, n in _per_collection(plain).items()
    }
    assert len(compiled.all_unsupported()) == len(plain.unsupported) == 2
    snap = load_path(acquisition(tmp_path / "aqf"), redact=False)
    assert _answers(compiled, snap) == _answers(plain, snap) and len(_answers(plain, snap)) >= len(PATTERNS)
    for t in IocType:
        assert compiled.has(t) == plain.has(t), t
    capsys.readouterr()
    assert main(["iocs", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sum(c["indicators"] for c in listed["collections"]) == len(plain)


def _per_collection(iset: object) -> dict[Any, int]:
    counts = iset.counts()  # type: ignore[attr-defined]
    return {c: sum(n for (src, _t), n in counts.items() if src == c.path) for c in iset.all_collections()}  # type: ignore[attr-defined]


def test_a_damaged_index_is_rebuilt(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["iocs", "add", str(IOCS / "2022-06-23_rcs_lab")]) == 0
    db = store_dir() / DB_NAME
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db.write_bytes(bytes(data))
    iset = load_indicator_set()
    assert iset is not None and len(iset) == 40
    assert "damaged; rebuilding" in caplog.text
    db.write_bytes(b"")  # truncated to nothing
    (store_dir() / MANIFEST_NAME).write_text("{not json")
    iset = load_indicator_set()
    assert iset is not None and len(iset) == 40


def test_a_stale_index_is_rebuilt_and_a_touch_is_not_staleness(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="howsafe.iocs")
    assert main(["iocs", "add", str(IOCS / "2022-06-23_rcs_lab")]) == 0
    d = store_dir()
    first = (d / MANIFEST_NAME).read_text()
    [stored] = [p for p in d.iterdir() if p.suffix == ".stix2"]
    os.utime(stored, ns=(1, 1))  # same content, other mtime: still fresh
    assert load_indicator_set() is not None
    assert "stale" not in caplog.text
    shutil.copyfile(IOCS / "cellebrite" / "cellebrite.stix2", d / "dropped-in-by-hand.stix2")
    iset = load_indicator_set()
    assert iset is not None and {c.name for c in iset.all_collections()} == {"RCSLab", "Cellebrite"}
    assert "stale; rebuilding" in caplog.text
    assert (d / MANIFEST_NAME).read_text() != first
    (d / "dropped-in-by-hand.stix2").unlink()
    iset = load_indicator_set()
    assert iset is not None and [c.name for c in iset.all_collections()] == ["RCSLab"]


def test_an_unwritable_store_falls_back_to_reading_the_bundles(tmp_path: Path) -> None:
    assert main(["iocs", "add", str(IOCS / "cellebrite")]) == 0
    d = store_dir()
    (d / DB_NAME).unlink()
    (d / MANIFEST_NAME).unlink()
    if os.geteuid() == 0:  # root writes anyway: make the index path a folder instead
        (d / DB_NAME).mkdir()
    else:
        d.chmod(0o500)
    try:
        iset = load_indicator_set()
    finally:
        d.chmod(0o700)
    assert iset is not None and not iset.compiled and len(iset) == 1


def test_a_rebuild_that_fails_midway_keeps_the_old_index_and_leaves_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    from howsafe.iocs import compiled
    from howsafe.iocs.store import compiled_store

    assert main(["iocs", "add", str(IOCS / "cellebrite")]) == 0
    d = store_dir()
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    assert {DB_NAME, MANIFEST_NAME} <= set(before)

    def crash(db_path: Path, *args: object) -> dict[str, Any]:
        db_path.write_bytes(b"half an index")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(compiled, "_compile", crash)
    assert compiled_store(d, rebuild=True) is None
    assert "cannot write the compiled indicator index" in caplog.text
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before  # old index whole, nothing else
    monkeypatch.undo()
    index = compiled_store(d, rebuild=True)
    assert index is not None and len(index) == 1
    index.close()
    assert {p.name for p in d.iterdir()} == set(before)  # written through fsio: no stray temp files


def _big_bundle(path: Path) -> Path:
    """The parity patterns plus enough other domains to pass the size from which --iocs bundles are compiled."""
    pad = [f"[domain-name:value = 'c2-{i:05d}.example.net']" for i in range(2500)]
    path.write_text(json.dumps(bundle("SpyFamily", [*PATTERNS.values(), *UNSUPPORTED, *pad])))
    assert path.stat().st_size >= ADHOC_MIN_BYTES
    return path


def test_iocs_and_mvt_stix2_bundles_use_a_compiled_index_with_the_same_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="howsafe.iocs")
    given = _big_bundle(tmp_path / "spy.stix2")
    predator = IOCS / "intellexa_predator"  # a real bundle above the size, given through $MVT_STIX2
    small = IOCS / "cellebrite"  # below it: parsed as before
    env = {"MVT_STIX2": str(predator)}
    plain = build_set([predator, small, given])
    snap = load_path(acquisition(tmp_path / "aqf"), redact=False)
    for run in range(2):  # built on first use, then reused
        iset = load_indicator_set([small, given], env=env, include_stored=False)
        assert iset is not None and len(iset.compiled) == 2 and [c.name for c in iset.collections] == ["Cellebrite"]
        assert len(iset) == len(plain) and len(iset.all_unsupported()) == len(plain.unsupported)
        assert {c.name for c in iset.all_collections()} == {c.name for c in plain.collections}
        assert {(c.name, c.path) for c in iset.all_collections()} == {(c.name, c.path) for c in plain.collections}
        assert _answers(iset, snap) == _answers(plain, snap) and len(_answers(plain, snap)) >= len(PATTERNS)
        for t in IocType:
            assert iset.has(t) == plain.has(t), t
        entries = [p for p in adhoc_cache_dir().iterdir() if p.is_dir()]
        assert len(entries) == 2 and all((p / DB_NAME).is_file() for p in entries)
        if run == 0:
            built = {p: (p / DB_NAME).stat().st_mtime_ns for p in entries}
    assert {p: (p / DB_NAME).stat().st_mtime_ns for p in entries} == built  # reused, not rebuilt


def test_the_adhoc_index_follows_the_content_and_survives_damage(tmp_path: Path) -> None:
    given = _big_bundle(tmp_path / "spy.stix2")
    first = load_indicator_set([given], include_stored=False)
    assert first is not None and len(first.compiled) == 1
    [entry] = [p for p in adhoc_cache_dir().iterdir() if p.is_dir()]
    db = entry / DB_NAME
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db.write_bytes(bytes(data))
    again = load_indicator_set([given], include_stored=False)
    assert again is not None and len(again.compiled) == 1 and len(again) == len(first)
    assert db.read_bytes() != bytes(data)  # rebuilt
    # new content at the same path: another entry, other answers
    doc = json.loads(given.read_text())
    doc["objects"] = doc["objects"][:-2]  # one indicator fewer
    given.write_text(json.dumps(doc))
    changed = load_indicator_set([given], include_stored=False)
    assert changed is not None and len(changed) == len(first) - 1
    assert len(changed) == len(build_set([given]))


def test_an_unwritable_cache_reads_the_bundles(tmp_path: Path) -> None:
    given = _big_bundle(tmp_path / "spy.stix2")
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"")  # a cache path that is a file: nothing can be written under it (root too)
    iset = load_indicator_set([given], include_stored=False, cache=blocker / "ioc-index")
    assert iset is not None and not iset.compiled and len(iset) == len(build_set([given]))
