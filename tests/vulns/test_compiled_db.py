"""The vulnerability database's compiled copy: the same database as parsing, rebuilt when stale or damaged.

Uses the real bundled database and a real cache folder (``tmp_path``).
"""

from __future__ import annotations

from pathlib import Path

from howsafe.kb import KnowledgeBase, bundled_data_dir
from howsafe.vulns.db import DB_NAME, VulnDB, dumps, load_db, loads

COMPILED = Path("compiled") / "vulns.marshal"


def _kb(cache: Path) -> KnowledgeBase:
    return KnowledgeBase(bundled_data_dir(), cache)


def _same(a: VulnDB, b: VulnDB) -> bool:
    fields = ("covers_until", "bulletins", "source", "licence", "generated", "named", "months")
    return a.rows() == b.rows() and all(getattr(a, f) == getattr(b, f) for f in fields)


def test_compiled_copy_is_written_once_and_gives_the_parsed_database(tmp_path: Path) -> None:
    parsed = loads((bundled_data_dir() / DB_NAME).read_bytes())
    first = load_db(_kb(tmp_path))
    blob = tmp_path / COMPILED
    assert blob.is_file()
    mtime = blob.stat().st_mtime_ns
    second = load_db(_kb(tmp_path))
    assert second is not first
    assert _same(first, parsed) and _same(second, parsed)
    assert len(second.rows()) > 5000
    assert blob.stat().st_mtime_ns == mtime


def test_an_updated_database_is_not_answered_from_the_old_copy(tmp_path: Path) -> None:
    bundled = load_db(_kb(tmp_path))
    smaller = VulnDB(
        bundled.rows()[:100],
        covers_until=bundled.covers_until,
        bulletins=bundled.bulletins,
        source="test: first 100 rows",
        licence=bundled.licence,
        generated=bundled.generated,
        named=bundled.named,
        months=bundled.months,
    )
    (tmp_path / DB_NAME).parent.mkdir(parents=True)
    (tmp_path / DB_NAME).write_bytes(dumps(smaller))
    updated = load_db(_kb(tmp_path))
    assert len(updated.rows()) == 100 and updated.source == "test: first 100 rows"
    assert _same(load_db(_kb(tmp_path)), updated)
    (tmp_path / DB_NAME).unlink()
    assert _same(load_db(_kb(tmp_path)), bundled)


def test_a_damaged_copy_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    good = load_db(_kb(tmp_path))
    blob = tmp_path / COMPILED
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x20
    blob.write_bytes(bytes(data))
    assert _same(load_db(_kb(tmp_path)), good)
    assert blob.read_bytes() != bytes(data)
    blob.write_bytes(b"")
    assert _same(load_db(_kb(tmp_path)), good)


def test_lookups_on_the_compiled_copy_equal_the_parsed_database(tmp_path: Path) -> None:
    """The compiled copy keeps its rows per bulletin year and reads a year on first use: every
    patch level (a year's first and last day, before all, after all) and a CVE lookup give the
    entries parsing gives."""
    import datetime as dt

    parsed = loads((bundled_data_dir() / DB_NAME).read_bytes())
    load_db(_kb(tmp_path))  # writes the copy
    for spl in ("2014-01-01", "2015-12-31", "2016-01-01", "2019-06-01", "2019-06-05", "2023-01-01", "2099-01-01"):
        compiled = load_db(_kb(tmp_path))  # a fresh copy each time: nothing read yet
        day = dt.date.fromisoformat(spl)
        assert compiled.after(day) == parsed.after(day), spl
    compiled = load_db(_kb(tmp_path))
    some = parsed.rows()[len(parsed) // 2][0]
    assert compiled.by_cve(some) == parsed.by_cve(some) != []
    assert compiled.entries == parsed.entries
