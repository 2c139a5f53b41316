"""Parsed TOML kept in the compiled knowledge: the same tables as tomllib, re-parsed when the bytes
change, never stored when invalid, and a damaged copy is ignored.

Every test uses a real user cache folder (the isolated one of ``conftest``) and, where it reads
knowledge, the real bundled files.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from howsafe.kb import KnowledgeBase, bundled_data_dir, tomlcache
from howsafe.kb.compiled import read_compiled

SOC = bundled_data_dir() / "soc" / "vendors.toml"


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test starts as a new process would: nothing read from the compiled copy yet."""
    tomlcache._stored.cache_clear()
    yield
    tomlcache._stored.cache_clear()


def _blob() -> Path:
    cache = KnowledgeBase.default().cache_dir
    assert cache is not None
    return cache / "compiled" / "toml.marshal"


def _without_tomllib(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, ``import tomllib`` fails: a call that returns did not parse."""
    tomlcache._stored.cache_clear()
    monkeypatch.setitem(sys.modules, "tomllib", None)


def test_a_parsed_file_is_read_back_in_a_new_process_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = SOC.read_bytes()
    first = tomlcache.loads(raw, "soc/vendors.toml")
    assert first == tomllib.loads(raw.decode("utf-8"))
    assert first["vendor"] and _blob().is_file()
    _without_tomllib(monkeypatch)
    assert tomlcache.loads(raw, "soc/vendors.toml") == first


def test_changed_bytes_under_the_same_label_are_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tomlcache.loads(b"level = 1\n", "rules.toml") == {"level": 1}
    tomlcache._stored.cache_clear()
    assert tomlcache.loads(b"level = 2\n", "rules.toml") == {"level": 2}  # not the stored 1
    _without_tomllib(monkeypatch)
    assert tomlcache.loads(b"level = 2\n", "rules.toml") == {"level": 2}  # the entry was replaced
    with pytest.raises(ImportError):
        tomlcache.loads(b"level = 1\n", "rules.toml")  # the old bytes are no longer kept


def test_an_invalid_file_raises_as_tomllib_does_and_is_not_stored() -> None:
    tomlcache.loads(b"ok = true\n", "good.toml")
    with pytest.raises(tomllib.TOMLDecodeError):
        tomlcache.loads(b"level = = 1\n", "bad.toml")
    with pytest.raises(UnicodeDecodeError):
        tomlcache.loads(b"name = '\xff'\n", "latin1.toml")
    stored = read_compiled(KnowledgeBase.default(), "toml", tomlcache._key())
    assert isinstance(stored, dict) and set(stored) == {"good.toml"}


def test_a_damaged_copy_is_ignored_and_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = SOC.read_bytes()
    expected = tomlcache.loads(raw, "soc/vendors.toml")
    blob = _blob()
    data = bytearray(blob.read_bytes())
    data[-10] ^= 0xFF  # one flipped byte: the copy's own SHA-256 no longer matches
    blob.write_bytes(bytes(data))
    tomlcache._stored.cache_clear()
    assert tomlcache.loads(raw, "soc/vendors.toml") == expected  # parsed again, correctly
    _without_tomllib(monkeypatch)
    assert tomlcache.loads(raw, "soc/vendors.toml") == expected  # and the copy was rewritten


def test_dates_are_parsed_every_time_since_the_copy_cannot_hold_them() -> None:
    first = tomlcache.loads(b"as_of = 2025-11-01\n", "dated.toml")
    assert str(first["as_of"]) == "2025-11-01"
    tomlcache._stored.cache_clear()
    assert tomlcache.loads(b"as_of = 2025-11-01\n", "dated.toml") == first
    assert not _blob().exists()  # nothing to keep


def test_an_unwritable_cache_means_parsing_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert tomlcache.loads(b"a = 1\n", "x.toml") == {"a": 1}
    tomlcache._stored.cache_clear()
    assert tomlcache.loads(b"a = 1\n", "x.toml") == {"a": 1}
