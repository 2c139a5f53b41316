"""`howsafe kb update` with an injected fetch that serves real saved files: never the network."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import types
import zipfile
from pathlib import Path

import pytest

from conftest import DATA
from howsafe.errors import CorruptInputError, InputError
from howsafe.kb import KnowledgeBase
from howsafe.kb.lifecycle import LIFECYCLE_NAME, device_products, load_lifecycle
from howsafe.model import Device, Snapshot, SourceInfo, SourceKind
from howsafe.vulns.db import DB_NAME, load_db
from howsafe.vulns.lifecycle import android_eol
from howsafe.vulns.match import assess
from howsafe.vulns.update import EOL_API, OSV_ANDROID_URL, update_kb

SAMPLES = DATA / "vulns" / "osv-android-samples"
PRODUCTS = DATA / "lifecycle" / "endoflife" / "products"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def osv_all_zip() -> bytes:
    """OSV's export layout (one <id>.json per record) made of the real sample records."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in (
            "test_vulnerabilities_platform.json",
            "test_vulnerabilities_kernel.json",
            "test_signatures.json",
        ):
            for rec in json.loads((SAMPLES / name).read_text(encoding="utf-8")):
                zf.writestr(f"{rec['id']}.json", json.dumps(rec))
    return buf.getvalue()


class SavedFetch:
    """Serves saved files for the URLs `kb update` asks for, and records them."""

    def __init__(self, osv_bytes: bytes | None = None) -> None:
        self.urls: list[str] = []
        self.osv = osv_all_zip() if osv_bytes is None else osv_bytes

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if url == OSV_ANDROID_URL:
            return self.osv
        for product in ("android", *device_products()):
            if url == EOL_API.format(product=product):
                return (PRODUCTS / f"{product}.md").read_bytes()
        raise AssertionError(f"unexpected URL {url}")


def android12(spl: dt.date) -> Snapshot:
    return Snapshot(
        source=SourceInfo(kind=SourceKind.FOLDER, location="x"),
        device=Device(android_release="12", sdk=31, security_patch=spl, brand="Xiaomi"),
    )


def test_update_stores_verified_data_that_the_knowledge_base_prefers(tmp_path: Path) -> None:
    fetch = SavedFetch()
    result = update_kb(tmp_path, fetch, now=NOW, trackers=False)
    assert fetch.urls == [
        OSV_ANDROID_URL,
        *(EOL_API.format(product=p) for p in ("android", *device_products())),
    ]
    # every phone product of the knowledge is refreshed, not only Pixel and Samsung
    assert {"oneplus", "fairphone", "nokia", "motorola-mobility"} <= set(device_products())
    assert all(u.startswith("https://") for u in fetch.urls)
    assert set(result.written) == {DB_NAME, LIFECYCLE_NAME}
    assert result.vulns_covers_until == dt.date(2024, 9, 5)  # the bundled data reaches further

    kb = KnowledgeBase(cache_dir=tmp_path)
    assert kb.is_updated(DB_NAME) and kb.is_updated(LIFECYCLE_NAME)
    db = load_db(kb)
    assert db.covers_until == dt.date(2024, 9, 5)
    assert db.months["2023-04"] == "absent"  # bundled completeness survives the merge
    # a phone the bundled data (up to 2019-03) could say nothing about now shows the 2022 CVE
    open_ids = {v.entry.cve for v in assess(db, android12(dt.date(2021, 12, 5)), NOW.date()).open}
    assert "CVE-2021-39630" in open_ids
    # the bundled bulletin rows are kept
    assert db.by_cve("CVE-2015-1538")
    meta = json.loads((tmp_path / "vulns" / "update.json").read_text())
    assert meta["updated_at"] == NOW.isoformat() and meta["vulns_covers_until"] == "2024-09-05"
    assert android_eol(load_lifecycle(kb), "9", NOW.date()).eol == dt.date(2022, 1, 1)  # type: ignore[union-attr]
    # the report states the newer coverage
    from howsafe.vulns.db import data_source

    (src,) = data_source(kb)
    assert src.covers_until == "2024-09-05" and "kb update" in (src.note or "")


def test_corrupt_download_replaces_nothing(tmp_path: Path) -> None:
    update_kb(tmp_path, SavedFetch(), now=NOW, trackers=False)
    before = (tmp_path / DB_NAME).read_bytes()
    with pytest.raises(CorruptInputError):
        update_kb(tmp_path, SavedFetch(osv_bytes=b"PK\x03\x04 truncated download"), now=NOW, trackers=False)
    assert (tmp_path / DB_NAME).read_bytes() == before
    assert not list(tmp_path.rglob("*.part"))


def test_from_file_imports_offline(tmp_path: Path) -> None:
    def no_network(url: str) -> bytes:
        raise AssertionError("--from-file must not fetch")

    result = update_kb(
        tmp_path,
        no_network,
        from_files=[SAMPLES / "test_vulnerabilities_platform.json", PRODUCTS / "pixel.md"],
        now=NOW,
    )
    assert set(result.written) == {DB_NAME, LIFECYCLE_NAME}
    assert result.osv_entries == 1
    with pytest.raises(InputError):
        update_kb(tmp_path, None)


def test_tracker_refresh_extension_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    mod = types.ModuleType("howsafe.apk.update")

    def update_trackers(dest_dir: Path, fetch: object) -> str:
        calls.append(dest_dir)
        return "trackers: up to date"

    mod.update_trackers = update_trackers  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "howsafe.apk.update", mod)
    result = update_kb(tmp_path, SavedFetch(), now=NOW)
    assert calls == [tmp_path] and result.messages == ("trackers: up to date",)


def test_default_fetch_refuses_plain_http() -> None:
    from howsafe.vulns.update import http_fetch

    with pytest.raises(InputError):
        http_fetch("http://osv-vulnerabilities.storage.googleapis.com/Android/all.zip")
