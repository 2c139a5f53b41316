"""A strict, bounded reader of the binary AndroidManifest.xml (AXML) for the few facts we need.

Read: package, split name, versionCode/versionName, min/target SDK, application label and class,
and the requested permissions (``<uses-permission>``, ``<uses-permission-sdk-23>`` directly under
``<manifest>``).

Robust to the known anti-analysis tricks, by reading the file the way Android's ``ResXMLParser``
does rather than the way most tools do:

- attribute names are resolved through the resource-ID map first (Android matches
  ``android:versionCode`` by ID 0x0101021b, not by the string, so obfuscated or empty name
  strings do not fool us);
- attributes are read at ``attributeStart``/``attributeSize`` as declared (padding tricks);
- unknown chunk types are skipped by their size; string pools with lying counts or offsets are
  bounds-checked per string, and a string is only decoded when asked for;
- every size is checked against the buffer, so a truncated or lying manifest is ``bad_manifest``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from howsafe.apk.errors import ApkError
from howsafe.parse.numbers import strict_int_or_hex

_RES_XML = 0x0003
_STRING_POOL = 0x0001
_RESOURCE_MAP = 0x0180
_START_ELEMENT = 0x0102
_END_ELEMENT = 0x0103
_NO_INDEX = 0xFFFFFFFF
_MAX_MANIFEST = 32 * 1024 * 1024
_POOL_SLACK = 4096

_ATTR_IDS = {
    0x01010001: "label",
    0x01010003: "name",
    0x0101021B: "versionCode",
    0x0101021C: "versionName",
    0x0101020C: "minSdkVersion",
    0x01010270: "targetSdkVersion",
}
_TYPE_REFERENCE = 0x01
_TYPE_STRING = 0x03
_TYPE_INT_DEC = 0x10
_TYPE_INT_HEX = 0x11
_PERMISSION_TAGS = frozenset({"uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m"})


@dataclass
class Manifest:
    package: str | None = None
    split: str | None = None
    version_code: int | None = None
    version_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    label: str | None = None
    application: str | None = None
    permissions: list[str] = field(default_factory=list)


class _StringPool:
    """Lazy, bounds-checked access to an AXML string pool."""

    def __init__(self, buf: bytes, start: int, header_size: int, size: int) -> None:
        if header_size < 28:
            raise ApkError("bad_manifest", "string pool header too small")
        count, _styles, flags, strings_start, _ = struct.unpack_from("<IIIII", buf, start + 8)
        self.buf = buf
        self.end = start + size
        self.utf8 = bool(flags & 0x100)
        self.data = start + strings_start
        offsets_at = start + header_size
        if offsets_at + 4 * count > self.end:
            count = max(0, (self.end - offsets_at) // 4)  # lying count: keep what fits
        self.offsets = struct.unpack_from(f"<{count}I", buf, offsets_at)
        self._cache: dict[int, str] = {}  # by offset: many indices may point at one string
        # A pool stores each string once, so decoding never needs more characters than the pool
        # has bytes; 20,000 indices all pointing into one 4M-character string would otherwise
        # materialise 80 G characters. Past this budget the manifest is refused.
        self._budget = max(0, self.end - start) + _POOL_SLACK

    def __len__(self) -> int:
        return len(self.offsets)

    def get(self, idx: int) -> str | None:
        if idx == _NO_INDEX or idx >= len(self.offsets):
            return None
        p = self.data + self.offsets[idx]
        cached = self._cache.get(p)
        if cached is not None:
            return cached
        try:
            s = self._utf8(p) if self.utf8 else self._utf16(p)
        except (struct.error, IndexError) as exc:
            raise ApkError("bad_manifest", f"string {idx} lies outside the string pool") from exc
        self._budget -= len(s)
        if self._budget < 0:
            raise ApkError("bad_manifest", "string pool entries overlap (more text than the pool holds)")
        self._cache[p] = s
        return s

    def _utf8(self, p: int) -> str:
        buf = self.buf
        n = buf[p]
        p += 2 if n & 0x80 else 1  # UTF-16 length, unused
        n = buf[p]
        if n & 0x80:
            n = ((n & 0x7F) << 8) | buf[p + 1]
            p += 2
        else:
            p += 1
        if p + n > self.end:
            raise ApkError("bad_manifest", "string runs past the string pool")
        return buf[p : p + n].decode("utf-8", "replace")

    def _utf16(self, p: int) -> str:
        (n,) = struct.unpack_from("<H", self.buf, p)
        p += 2
        if n & 0x8000:
            (lo,) = struct.unpack_from("<H", self.buf, p)
            n = ((n & 0x7FFF) << 16) | lo
            p += 2
        if p + 2 * n > self.end:
            raise ApkError("bad_manifest", "string runs past the string pool")
        return self.buf[p : p + 2 * n].decode("utf-16-le", "replace")


def _value(pool: _StringPool, raw_idx: int, dtype: int, data: int) -> str | int | None:
    if dtype == _TYPE_STRING:
        return pool.get(raw_idx if raw_idx != _NO_INDEX else data)
    if dtype in (_TYPE_INT_DEC, _TYPE_INT_HEX):
        return data
    if dtype == _TYPE_REFERENCE:
        return f"@0x{data:08x}"
    if raw_idx != _NO_INDEX:
        return pool.get(raw_idx)
    return None


def _as_int(v: str | int | None) -> int | None:
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return strict_int_or_hex(v.strip())
    return None


def parse_manifest(buf: bytes) -> Manifest:
    """Parse binary AndroidManifest.xml bytes; raises ``ApkError('bad_manifest')`` if unusable."""
    if len(buf) > _MAX_MANIFEST:
        raise ApkError("bad_manifest", "manifest is implausibly large")
    if len(buf) < 8:
        raise ApkError("bad_manifest", "manifest is truncated")
    if buf[:1] == b"<":
        raise ApkError("bad_manifest", "manifest is plain-text XML, not compiled (not an installable APK)")
    rtype, hsize = struct.unpack_from("<HH", buf, 0)
    # Android ignores the outer type/size fields; so do we, beyond sanity.
    p = hsize if rtype == _RES_XML and 8 <= hsize < len(buf) else 8
    n = len(buf)
    pool: _StringPool | None = None
    resmap: tuple[int, ...] = ()
    man = Manifest()
    depth = 0
    while p + 8 <= n:
        ctype, chsize, csize = struct.unpack_from("<HHI", buf, p)
        if csize < 8 or chsize < 8 or chsize > csize or p + csize > n:
            break  # a broken trailing chunk: Android stops here too
        if ctype == _STRING_POOL and pool is None:
            pool = _StringPool(buf, p, chsize, csize)
        elif ctype == _RESOURCE_MAP and not resmap:
            cnt = (csize - chsize) // 4
            resmap = struct.unpack_from(f"<{cnt}I", buf, p + chsize)
        elif ctype == _START_ELEMENT:
            if pool is None:
                raise ApkError("bad_manifest", "element before the string pool")
            depth += 1
            _element(buf, p, chsize, csize, pool, resmap, depth, man)
        elif ctype == _END_ELEMENT:
            depth -= 1
        p += csize
    if pool is None:
        raise ApkError("bad_manifest", "manifest has no string pool")
    man.permissions = sorted(set(man.permissions))
    return man


def _element(
    buf: bytes,
    p: int,
    chsize: int,
    csize: int,
    pool: _StringPool,
    resmap: tuple[int, ...],
    depth: int,
    man: Manifest,
) -> None:
    ext = p + chsize
    if ext + 20 > p + csize:
        raise ApkError("bad_manifest", "element chunk too small")
    _ns, name_idx, attr_start, attr_size, attr_count = struct.unpack_from("<IIHHH", buf, ext)
    tag = pool.get(name_idx) or ""
    if depth > 2 or tag not in ("manifest", "application", "uses-sdk", *_PERMISSION_TAGS):
        return
    attrs: dict[str, str | int | None] = {}
    a = ext + attr_start
    if attr_size < 20 or a + attr_count * attr_size > p + csize:
        raise ApkError("bad_manifest", f"attributes of <{tag}> run past their element")
    for i in range(attr_count):
        ap = a + i * attr_size
        ans, aname, araw, _sz, _r0, dtype, data = struct.unpack_from("<IIIHBBI", buf, ap)
        key: str | None = None
        if aname < len(resmap) and resmap[aname]:
            key = _ATTR_IDS.get(resmap[aname])
            if key is None:
                continue  # an android: attribute we do not need
        elif ans == _NO_INDEX:
            key = pool.get(aname)  # plain attributes: package, split
        if key:
            attrs.setdefault(key, _value(pool, araw, dtype, data))
    if depth == 1 and tag == "manifest":
        pkg = attrs.get("package")
        man.package = pkg if isinstance(pkg, str) else None
        split = attrs.get("split")
        man.split = split if isinstance(split, str) else None
        man.version_code = _as_int(attrs.get("versionCode"))
        vn = attrs.get("versionName")
        man.version_name = str(vn) if vn is not None else None
    elif depth == 2 and tag == "uses-sdk":
        man.min_sdk = _as_int(attrs.get("minSdkVersion"))
        man.target_sdk = _as_int(attrs.get("targetSdkVersion"))
    elif depth == 2 and tag == "application":
        label = attrs.get("label")
        man.label = str(label) if label is not None else None
        app = attrs.get("name")
        man.application = app if isinstance(app, str) else None
    elif depth == 2 and tag in _PERMISSION_TAGS:
        perm = attrs.get("name")
        if isinstance(perm, str) and perm:
            man.permissions.append(perm)
