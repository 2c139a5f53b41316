"""``howsafe iocs update``: download the public mvt-indicators collections.

This and ``howsafe kb update`` are the only code paths that use the network. The fetch function
is injected so tests serve real saved files; every bundle is parsed before it replaces a stored
one, and a failed download leaves the previous copy in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from howsafe.errors import CorruptInputError, HowsafeError, KnowledgeError
from howsafe.fsio import atomic_write
from howsafe.http import MAX_DOWNLOAD as HTTP_MAX_DOWNLOAD
from howsafe.http import Fetch, https_fetch
from howsafe.iocs.locate import store_dir
from howsafe.iocs.model import IndicatorSet
from howsafe.iocs.stix import read_bundle
from howsafe.iocs.store import _safe_name, compiled_store, read_index, write_index

log = logging.getLogger(__name__)

INDEX_URL = "https://raw.githubusercontent.com/mvt-project/mvt-indicators/main/indicators.yaml"
RAW_URL = "https://raw.githubusercontent.com/{owner}/{repo}/{branch}/{path}"
MAX_DOWNLOAD = HTTP_MAX_DOWNLOAD


def http_fetch(url: str) -> bytes:  # pragma: no cover - network
    """The default fetch: :func:`howsafe.http.https_fetch` (HTTPS only, size-bounded, KnowledgeError)."""
    return https_fetch(url, limit=MAX_DOWNLOAD, user_agent="howsafe-iocs-update")


@dataclass(frozen=True)
class Entry:
    name: str
    url: str
    references: tuple[str, ...]


def parse_index(text: bytes) -> list[Entry]:
    """Entries of an ``indicators.yaml`` (``type: github`` with owner/repo/branch/path)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CorruptInputError(f"indicators index is not valid YAML: {exc}") from exc
    items = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise CorruptInputError("indicators index has no 'indicators' list")
    out: list[Entry] = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "github":
            continue
        gh = item.get("github")
        if not isinstance(gh, dict) or not all(isinstance(gh.get(k), str) for k in ("owner", "repo", "path")):
            continue
        url = RAW_URL.format(owner=gh["owner"], repo=gh["repo"], branch=gh.get("branch", "main"), path=gh["path"])
        refs = item.get("references") or []
        out.append(
            Entry(
                name=str(item.get("name", gh["path"])),
                url=url,
                references=tuple(str(r) for r in refs if isinstance(r, str)),
            )
        )
    return out


@dataclass(frozen=True)
class UpdateResult:
    updated: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


def update(fetch: Fetch = http_fetch, *, directory: Path | None = None, index_url: str = INDEX_URL) -> UpdateResult:
    d = directory or store_dir()
    d.mkdir(parents=True, exist_ok=True)
    entries = parse_index(fetch(index_url))
    index = read_index(d)
    updated: list[str] = []
    failed: list[tuple[str, str]] = []
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for entry in entries:
        try:
            payload = fetch(entry.url)
            with tempfile.TemporaryDirectory(dir=d, prefix=".check-") as scratch:
                staged = Path(scratch) / "bundle.stix2"  # the reader takes a file: parse a scratch copy
                staged.write_bytes(payload)
                _, indicators, _ = read_bundle(staged, collection_name=entry.name)
            probe = IndicatorSet()
            for ind in indicators:  # exactly what a later audit does with it
                probe.add(ind)
            if not indicators:
                raise CorruptInputError("no usable indicator")
            dest = d / f"{_safe_name(entry.name)}.stix2"
            atomic_write(dest, payload, error=KnowledgeError)
        except (HowsafeError, OSError) as exc:
            log.warning("could not update %s: %s", entry.name, exc)
            failed.append((entry.name, str(exc)))
            continue
        index[dest.name] = {"name": entry.name, "source": entry.url, "updated": stamp}
        updated.append(entry.name)
    write_index(d, index)
    compiled = compiled_store(d, rebuild=True)
    if compiled is not None:
        compiled.close()
    return UpdateResult(tuple(updated), tuple(failed))
