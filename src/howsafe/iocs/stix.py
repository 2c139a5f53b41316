"""A small, strict reader for the STIX2 bundles MVT publishes.

Why not the ``stix2`` library: it validates every object into Python classes and parses the full
pattern grammar, which costs time proportional to the bundle and brings a heavy dependency,
while MVT's bundles only use single-comparison patterns (``[app:id='...']``, optionally joined
with OR). ``bench/bench_iocs.py`` measures both. Unknown pattern syntax is counted and reported,
never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from howsafe.errors import CorruptInputError, PatternError, TooLargeError
from howsafe.iocs.model import Collection, Indicator, IocType, Unsupported
from howsafe.parse.jsonsafe import load_members

MAX_BUNDLE_BYTES = 256 * 1024 * 1024

# Object path aliases seen in real bundles, mapped to one canonical type.
_PATHS: dict[str, IocType] = {
    "app:id": IocType.APP_ID,
    "app:cert.sha256": IocType.APP_CERT_SHA256,
    "app:cert.sha1": IocType.APP_CERT_SHA1,
    "app:cert.md5": IocType.APP_CERT_MD5,
    "file:hashes.sha256": IocType.FILE_SHA256,
    "file:hashes.sha1": IocType.FILE_SHA1,
    "file:hashes.md5": IocType.FILE_MD5,
    "file:path": IocType.FILE_PATH,
    "file:name": IocType.FILE_NAME,
    "process:name": IocType.PROCESS_NAME,
    "android-property:name": IocType.PROPERTY,
    "domain-name:value": IocType.DOMAIN,
    "url:value": IocType.URL,
    "ipv4-addr:value": IocType.IPV4,
    "ipv6-addr:value": IocType.IPV6,
    "email-addr:value": IocType.EMAIL,
    "configuration-profile:id": IocType.CONFIG_PROFILE,
}

# One comparison: object-path = 'value' (value with \' and \\ escapes).
_COMPARISON = re.compile(r"\s*(?P<path>[a-z0-9\-]+:[A-Za-z0-9_.\-']+?)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)'\s*")


def parse_pattern(pattern: str) -> list[tuple[IocType, str]]:
    """``[a:b = 'x' OR c:d = 'y']`` → [(type, value), ...]. AND and other operators are refused."""
    p = pattern.strip()
    if not (p.startswith("[") and p.endswith("]")):
        raise PatternError(f"not a simple observation expression: {pattern[:80]!r}")
    body = p[1:-1]
    out: list[tuple[IocType, str]] = []
    # Fast path: nearly every real pattern is one comparison; only scan quotes when OR/AND may occur.
    parts = _split_or(body) if (" OR " in body or " AND " in body) else (body,)
    for part in parts:
        m = _COMPARISON.fullmatch(part)
        if not m:
            raise PatternError(f"unsupported comparison: {part.strip()[:80]!r}")
        path = _canonical_path(m.group("path"))
        ioc_type = _PATHS.get(path)
        if ioc_type is None:
            raise PatternError(f"unknown object path {m.group('path')!r}")
        value = re.sub(r"\\(.)", r"\1", m.group("value"))
        if not value.strip():
            raise PatternError("empty value")
        if _BAD_CHARS.search(value):
            raise PatternError("the value holds control characters or invalid Unicode")
        out.append((ioc_type, value))
    return out


_BAD_CHARS = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _canonical_path(path: str) -> str:
    """``file:hashes.'SHA-256'`` (the STIX spec's quoted form) and ``app:cert.SHA1`` read as
    ``file:hashes.sha256`` / ``app:cert.sha1``: the algorithm loses quotes and hyphens, as MVT reads it."""
    p = path.lower()
    for sep in ("hashes.", "cert."):
        head, found, algo = p.partition(sep)
        if found:
            return head + sep + algo.replace("'", "").replace("-", "")
    return p


def _split_or(body: str) -> Iterator[str]:
    """Split on OR outside quotes; an AND anywhere outside quotes makes the pattern unsupported."""
    start, i, quoted = 0, 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\" and quoted:
            i += 2
            continue
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            if body.startswith(" OR ", i):
                yield body[start:i]
                i += 4
                start = i
                continue
            if body.startswith(" AND ", i):
                raise PatternError("AND patterns are not supported")
        i += 1
    yield body[start:]


def read_bundle(
    path: Path, *, collection_name: str | None = None
) -> tuple[Collection, list[Indicator], list[Unsupported]]:
    """Read one bundle → (collection, indicators, patterns that cannot be evaluated).

    Raises CorruptInputError / TooLargeError for a file that cannot be used at all.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptInputError(f"{path}: cannot read ({exc.strerror})") from exc
    if not path.is_file():  # a FIFO blocks forever, /dev/zero never ends
        raise CorruptInputError(f"{path}: not a regular file")
    if size > MAX_BUNDLE_BYTES:
        raise TooLargeError(f"{path}: {size} bytes is larger than the {MAX_BUNDLE_BYTES} byte limit")
    too_deep = 0
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except RecursionError:  # one object nested too deeply must not cost the whole bundle
        try:
            data, _, too_deep = load_members(raw.decode("utf-8", "replace"), "objects")
        except CorruptInputError as exc:
            raise CorruptInputError(f"{path}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise CorruptInputError(f"{path}: not valid JSON ({str(exc)[:200]})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise CorruptInputError(f"{path}: not a STIX2 bundle (no 'objects' list)")
    objects = [o for o in data["objects"] if isinstance(o, dict)]
    # An object whose id is not a string (a list, a number) cannot be referenced: reported, left out.
    bad_ids = [o for o in objects if not isinstance(o.get("id", ""), str)]
    objects = [o for o in objects if isinstance(o.get("id", ""), str)]

    malware = {o.get("id"): _text(o.get("name", "")) for o in objects if o.get("type") == "malware"}
    indicates: dict[str, str] = {}
    for o in objects:
        if o.get("type") == "relationship" and o.get("relationship_type") == "indicates":
            src, dst = o.get("source_ref"), o.get("target_ref")
            if isinstance(src, str) and isinstance(dst, str) and dst in malware:
                indicates[src] = malware[dst]

    default_family = next(iter(malware.values()), None) if len(malware) == 1 else None
    name = _text(collection_name or default_family or path.stem)
    description = next((_text(o.get("description", "")) for o in objects if o.get("type") == "malware"), "")
    source = str(path)
    collection = Collection(name=name, path=source, malware=tuple(malware.values()), description=description)

    indicators: list[Indicator] = []
    unsupported: list[Unsupported] = [
        Unsupported(name, _text(repr(o.get("id")))[:200], "object id is not a string", source) for o in bad_ids
    ]
    unsupported += [Unsupported(name, "", "object nested too deeply to read", source)] * too_deep
    for o in objects:
        if o.get("type") != "indicator":
            continue
        pattern = o.get("pattern")
        if not isinstance(pattern, str):
            unsupported.append(Unsupported(name, _text(repr(pattern))[:200], "no pattern string", source))
            continue
        if o.get("pattern_type", "stix") != "stix":
            kind = _text(str(o.get("pattern_type")))[:40]
            unsupported.append(Unsupported(name, _text(pattern)[:200], f"pattern type {kind!r}", source))
            continue
        try:
            comparisons = parse_pattern(pattern)
        except PatternError as exc:
            unsupported.append(Unsupported(name, _text(pattern)[:200], str(exc), source))
            continue
        bad_url = next((v for t, v in comparisons if t is IocType.URL and not _url_parses(v)), None)
        if bad_url is not None:
            unsupported.append(Unsupported(name, _text(pattern)[:200], "URL with an unparsable host", source))
            continue
        stix_id = o.get("id")
        family = indicates.get(stix_id, default_family) if isinstance(stix_id, str) else default_family
        for ioc_type, value in comparisons:
            indicators.append(
                Indicator(
                    type=ioc_type,
                    value=value,
                    collection=name,
                    malware=family,
                    stix_id=_text(stix_id) if isinstance(stix_id, str) else None,
                    source=source,
                )
            )
    return collection, indicators, unsupported


def _url_parses(value: str) -> bool:
    try:
        urlsplit(value if "//" in value else "//" + value).hostname  # noqa: B018 - raises on "[::1"
    except ValueError:
        return False
    return True


def _text(value: object) -> str:
    """A display string without lone surrogates or control characters (names come from strangers)."""
    return _BAD_CHARS.sub("\ufffd", value if isinstance(value, str) else str(value))
