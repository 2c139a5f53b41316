"""``howsafe kb update``: the one place that downloads knowledge, verified before it replaces anything.

What it fetches (through an injected ``Fetch``, so tests serve saved real files and never touch the
network):

* OSV's export of the ``Android`` ecosystem (all.zip): every Android Security Bulletin entry since
  2015, kept current by Google; merged with the bundled bulletin rows;
* endoflife.date release data for Android, Pixel and Samsung phones (API JSON; a product page in
  endoflife.date's Markdown form is accepted too, e.g. from ``--from-file``);
* optionally the tracker signatures, through ``howsafe.apk.update.update_trackers`` when that
  module is installed (it is owned by the apps part of howsafe).

Everything is parsed fully first; only then are files written, each to a temporary name in the
destination folder and moved into place (atomic on one filesystem). The destination is the user
cache folder, under the same relative names as the bundled data, so ``KnowledgeBase.find`` prefers
the updated copies. ``update.json`` records when and from where the data came.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from howsafe.errors import CorruptInputError, HowsafeError, InputError, KnowledgeError, TooLargeError
from howsafe.fsio import atomic_write
from howsafe.http import Fetch, https_fetch
from howsafe.kb import bundled_data_dir
from howsafe.kb.lifecycle import LIFECYCLE_NAME, device_products
from howsafe.kb.schema import LifecycleFile, first_error, validate
from howsafe.vulns import osv
from howsafe.vulns.db import DB_NAME, VulnDB, dumps, load_file, loads
from howsafe.vulns.eol_source import parse_product
from howsafe.vulns.lifecycle import _compact
from howsafe.vulns.model import VulnEntry

log = logging.getLogger(__name__)

OSV_ANDROID_URL = "https://osv-vulnerabilities.storage.googleapis.com/Android/all.zip"
EOL_API = "https://endoflife.date/api/{product}.json"
META_NAME = "update.json"
MAX_DOWNLOAD = 512 * 1024 * 1024


@dataclass(frozen=True)
class UpdateResult:
    """What an update changed, for the CLI to report."""

    written: tuple[str, ...]
    vulns_covers_until: dt.date | None = None
    osv_entries: int = 0
    messages: tuple[str, ...] = field(default_factory=tuple)


def _atomic_write(dest: Path, name: str, data: bytes) -> None:
    atomic_write(dest / name, data, error=KnowledgeError, make_parents=True)


def _osv_entries(data: bytes, origin: str) -> list[VulnEntry]:
    try:
        entries = osv.read_zip(data) if data[:2] == b"PK" else osv.read_json(data)
    except HowsafeError:
        raise
    except (ValueError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise CorruptInputError(f"{origin}: not a readable OSV Android export: {exc}") from exc
    if not entries:
        raise CorruptInputError(f"{origin}: no Android-ecosystem vulnerability found")
    return entries


def merged_db(base: VulnDB, extra: Sequence[VulnEntry], label: str) -> VulnDB:
    """Bundled bulletin rows plus OSV rows; the matcher counts a CVE listed by both once."""
    entries = list(base.entries) + list(extra)
    # Months past the bundled data that OSV's export fills count as complete (it is Google's own
    # feed of the bulletins); bundled months keep their stated completeness.
    months = dict(base.months)
    for e in extra:
        key = e.spl.strftime("%Y-%m")
        months.setdefault(key, "complete")
    # Entries are verified by a full serialise/parse round trip before anything is written.
    db = VulnDB.build(
        entries,
        covers_until=max(e.spl for e in entries),
        bulletins=base.bulletins,
        source=f"{base.source}; OSV Android ecosystem export (osv.dev, CC-BY-4.0 / Apache-2.0 records)",
        licence=f"{base.licence}; CC-BY-4.0",
        generated=label,
        named=base.named,
        months=months,
    )
    return loads(dumps(db))


def _lifecycle_doc(base: dict[str, Any], products: dict[str, bytes]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(base))
    for name, raw in products.items():
        try:
            rows = [_compact(r) for r in parse_product(raw)]
        except (ValueError, UnicodeDecodeError) as exc:
            raise CorruptInputError(f"endoflife.date data for {name} is unreadable: {exc}") from exc
        if name == "android":
            if not any(str(r.get("cycle")) == "9" for r in rows):
                raise CorruptInputError("endoflife.date android data lacks well-known releases")
            doc["android"] = rows
        elif name in device_products():
            doc.setdefault("devices", {})[name] = rows
    return doc


def _product_of_file(path: Path, data: bytes) -> str | None:
    """endoflife.date product a file holds: from a page's permalink, else from the file name."""
    text = data[:4096].decode("utf-8", "replace")
    if text.startswith("---"):
        for line in text.splitlines():
            if line.startswith("permalink:"):
                return line.split(":", 1)[1].strip().strip("/")
    stem = path.name.split(".")[0]
    return stem if stem in ("android", *device_products()) else None


def _trackers_hook(dest: Path, fetch: Fetch) -> str | None:
    """Call the tracker refresh of the apps part when it is installed; None when it is not."""
    try:
        mod = importlib.import_module("howsafe.apk.update")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("howsafe.apk"):
            return None
        raise
    fn = getattr(mod, "update_trackers", None)
    if fn is None:
        return None
    return str(fn(dest, fetch))


def update_kb(
    dest: Path,
    fetch: Fetch | None,
    *,
    from_files: Sequence[Path] = (),
    data_dir: Path | None = None,
    now: dt.datetime | None = None,
    trackers: bool = True,
) -> UpdateResult:
    """Download (or import ``from_files``), verify, then store knowledge under ``dest``.

    With ``from_files`` nothing is fetched: each file is an OSV export (zip or JSON) or an
    endoflife.date product (page or API JSON named after the product).
    """
    data_dir = data_dir or bundled_data_dir()
    now = now or dt.datetime.now(dt.UTC)
    osv_blobs: list[tuple[str, bytes]] = []
    products: dict[str, bytes] = {}
    if from_files:
        for path in from_files:
            try:
                if path.exists() and not path.is_file():  # a FIFO blocks, /dev/zero never ends
                    raise InputError(f"cannot read {path}: not a regular file")
                if path.stat().st_size > MAX_DOWNLOAD:
                    raise TooLargeError(f"{path} is larger than {MAX_DOWNLOAD // (1024 * 1024)} MiB")
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
            product = _product_of_file(path, data) if path.suffix in (".md", ".json") else None
            if product is not None:
                products[product] = data
            else:
                osv_blobs.append((str(path), data))
    else:
        if fetch is None:
            raise InputError("no fetch function and no --from-file: nothing to update from")
        osv_blobs.append((OSV_ANDROID_URL, fetch(OSV_ANDROID_URL)))
        # Android's own releases, then every phone product the bundled knowledge lists
        # (kb/data/lifecycle/products.toml): a product left out would keep its bundled snapshot.
        for product in ("android", *device_products()):
            url = EOL_API.format(product=product)
            products[product] = fetch(url)

    # 1. Parse and verify everything.
    writes: list[tuple[str, bytes]] = []
    covers: dt.date | None = None
    n_osv = 0
    if osv_blobs:
        entries: list[VulnEntry] = []
        for origin, blob in osv_blobs:
            entries.extend(_osv_entries(blob, origin))
        n_osv = len(entries)
        base = load_file(data_dir / DB_NAME)
        db = merged_db(base, entries, f"osv {now.date().isoformat()}")
        covers = db.covers_until
        writes.append((DB_NAME, dumps(db)))
    if products:
        try:
            base_doc = json.loads((data_dir / LIFECYCLE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KnowledgeError(f"bundled lifecycle data is unreadable: {exc}") from exc
        doc = _lifecycle_doc(base_doc, products)
        doc["generated"] = f"endoflife.date {now.date().isoformat()}"
        try:  # the audit reads this copy without validating it: check it against the model here
            validate(doc, LifecycleFile)
        except msgspec.ValidationError as exc:
            raise CorruptInputError(
                f"endoflife.date data does not make a valid lifecycle file: {first_error(exc, doc, LifecycleFile)}"
            ) from exc
        writes.append(
            (
                LIFECYCLE_NAME,
                (json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode("utf-8"),
            )
        )
    if not writes:
        raise InputError("nothing to import: give an OSV export or an endoflife.date product file")

    # 2. Store atomically, then record provenance.
    for name, data in writes:
        _atomic_write(dest, name, data)
    meta = {
        "updated_at": now.isoformat(),
        "vulns_covers_until": covers.isoformat() if covers else None,
        "osv_entries": n_osv,
        "sources": [o for o, _ in osv_blobs] + sorted(products),
        "files": [n for n, _ in writes],
    }
    _atomic_write(dest, f"vulns/{META_NAME}", (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    messages: list[str] = []
    if trackers and fetch is not None and not from_files:
        msg = _trackers_hook(dest, fetch)
        if msg:
            messages.append(msg)
    return UpdateResult(
        written=tuple(n for n, _ in writes),
        vulns_covers_until=covers,
        osv_entries=n_osv,
        messages=tuple(messages),
    )


def http_fetch(url: str, *, timeout: float = 60.0, limit: int = MAX_DOWNLOAD) -> bytes:
    """Download ``url`` over HTTPS with a size bound (the default Fetch of ``howsafe kb update``)."""
    return https_fetch(url, timeout=timeout, limit=limit, user_agent="howsafe-kb-update")
