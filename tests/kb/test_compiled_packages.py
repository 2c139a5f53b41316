"""The compiled package-knowledge cache: same answers as validating, rebuilt when stale or damaged.

Every test uses the real bundled family files and a real cache folder (``tmp_path``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.kb.packages import build_db, load_vendor_files, lookup, package_db

COMPILED = Path("compiled") / "packages.marshal"


def _fresh(cache: Path) -> KnowledgeBase:
    return KnowledgeBase(bundled_data_dir(), cache)


def _validated(cache: Path) -> object:
    """The database as built from the validated files, without any cache."""
    return build_db(load_vendor_files(_fresh(cache)))


def test_first_run_writes_the_cache_and_a_second_run_reads_an_equal_database(tmp_path: Path) -> None:
    first = package_db(_fresh(tmp_path))
    blob = tmp_path / COMPILED
    assert blob.is_file() and blob.stat().st_size > 100_000
    mtime = blob.stat().st_mtime_ns
    second = package_db(_fresh(tmp_path))
    assert second is not first
    assert second == first == _validated(tmp_path)
    assert blob.stat().st_mtime_ns == mtime  # read, not rewritten
    assert len(second.exact) > 1000 and second.rules and second.families


def test_the_cache_is_not_used_for_other_inputs(tmp_path: Path) -> None:
    package_db(_fresh(tmp_path))
    # `kb update` brings a changed Xiaomi file: the cached database is stale and must not answer
    doc = json.loads((bundled_data_dir() / "packages" / "xiaomi.json").read_bytes())
    assert doc["packages"]["com.miui.analytics"]["role"] != "push"
    doc["packages"]["com.miui.analytics"]["role"] = "push"
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "xiaomi.json").write_text(json.dumps(doc), encoding="utf-8")
    info = lookup(_fresh(tmp_path), "com.miui.analytics")
    assert info is not None and info.role == "push"
    assert package_db(_fresh(tmp_path)) == _validated(tmp_path)  # rebuilt for the new file, and read back
    # and back to the bundled file: the answer follows the files, not the last cache written
    (tmp_path / "packages" / "xiaomi.json").unlink()
    info = lookup(_fresh(tmp_path), "com.miui.analytics")
    assert info is not None and info.role != "push"


def test_an_invalid_updated_file_is_still_refused_with_a_cache_present(tmp_path: Path) -> None:
    package_db(_fresh(tmp_path))
    (tmp_path / "packages").mkdir()
    doc = json.loads((bundled_data_dir() / "packages" / "xiaomi.json").read_bytes())
    doc["packages"]["com.miui.analytics"]["role"] = "not-a-role"
    (tmp_path / "packages" / "xiaomi.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="invalid"):
        package_db(_fresh(tmp_path))


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip_payload_byte", "flip_digest_byte", "garbage", "empty", "other_magic"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    good = package_db(_fresh(tmp_path))
    blob = tmp_path / COMPILED
    data = bytearray(blob.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip_payload_byte":
        data[-1000] ^= 0x01
    elif damage == "flip_digest_byte":
        data[len(b"howsafe-compiled-1\n") + 5] ^= 0x80
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif damage == "empty":
        data = bytearray()
    else:
        data[:7] = b"pickle!"
    blob.write_bytes(bytes(data))
    again = package_db(_fresh(tmp_path))
    assert again == good == _validated(tmp_path)
    assert blob.read_bytes() != bytes(data)  # replaced by a good copy
    assert package_db(_fresh(tmp_path)) == good


def test_an_intact_cache_built_from_other_inputs_is_refused(tmp_path: Path) -> None:
    """A well-formed blob whose key is for other files (copied from elsewhere) is not trusted."""
    other = tmp_path / "other"
    (other / "packages").mkdir(parents=True)
    doc = json.loads((bundled_data_dir() / "packages" / "xiaomi.json").read_bytes())
    doc["packages"]["com.miui.analytics"]["role"] = "push"
    (other / "packages" / "xiaomi.json").write_text(json.dumps(doc), encoding="utf-8")
    package_db(_fresh(other))
    mine = tmp_path / "mine"
    (mine / COMPILED).parent.mkdir(parents=True)
    (mine / COMPILED).write_bytes((other / COMPILED).read_bytes())
    info = lookup(_fresh(mine), "com.miui.analytics")
    assert info is not None and info.role != "push"


def test_a_cache_path_that_cannot_be_written_means_validating_every_time(tmp_path: Path) -> None:
    """A file where the cache folder should be (unwritable even for root): no crash, same answers."""
    (tmp_path / "compiled").write_text("not a folder", encoding="utf-8")
    db = package_db(_fresh(tmp_path))
    assert db == _validated(tmp_path)
    assert (tmp_path / "compiled").read_text(encoding="utf-8") == "not a folder"
    assert package_db(_fresh(tmp_path)) == db


def test_a_knowledge_base_without_a_cache_folder_validates(tmp_path: Path) -> None:
    kb = KnowledgeBase(bundled_data_dir(), None)
    assert package_db(kb) == _validated(tmp_path)
