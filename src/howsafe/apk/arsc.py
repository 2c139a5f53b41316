"""A strict, bounded, lazy reader of the binary resource table (``resources.arsc``).

Why: a manifest often names its application label as a resource (``android:label="@string/app_name"``,
compiled to ``@0x7f0e001b``); a user needs "Yosemite", not a number. Only what that takes is read:
table header -> global string pool -> the package whose id matches -> the type chunks of the
wanted type -> the one entry -> its value (following references a few hops). Nothing is indexed
up front and strings are decoded only when asked for, so resolving a label costs a walk over the
chunk headers, not a parse of the table.

Which value when several configurations define the entry: the default configuration (no qualifier
at all); else English (``en``, then ``en-US``, then any other ``en-*``); else a configuration
without a locale (e.g. ``-v21``); else the first one found.

Hostile input: every offset and size is checked against its chunk and the buffer, chunks must be
4-byte aligned as Android's own loader requires, chunk walks and reference chains are capped, and
any inconsistency is an :class:`ArscError` (never ``struct.error``/``IndexError``); the caller keeps
the reference and records a warning. The table is read from the ZIP under :data:`MAX_TABLE_SIZE`.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from howsafe.errors import ArscError as ArscError  # re-exported (defined in errors.py)

Buffer = bytes | bytearray | memoryview

#: Largest resources.arsc we read (large real apps ship 10-20 MB tables).
MAX_TABLE_SIZE = 64 * 1024 * 1024
#: Most chunks walked in one container (real tables: a few thousand type chunks per package).
MAX_CHUNKS = 1 << 16
#: Most references followed from one id to its string (``@string/a`` -> ``@string/b`` -> ...).
MAX_HOPS = 8

_RES_STRING_POOL = 0x0001
_RES_TABLE = 0x0002
_RES_TABLE_PACKAGE = 0x0200
_RES_TABLE_TYPE = 0x0201

_TYPE_REFERENCE = 0x01
_TYPE_STRING = 0x03
_TYPE_DYNAMIC_REFERENCE = 0x07

_ENTRY_COMPLEX = 0x0001
_ENTRY_COMPACT = 0x0008
_TYPE_SPARSE = 0x01
_TYPE_OFFSET16 = 0x02
_NO_ENTRY = 0xFFFFFFFF
_UTF8_FLAG = 0x100

_HDR = struct.Struct("<HHI")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_REF_RE = re.compile(r"@0x([0-9a-fA-F]{8})")


def parse_reference(value: str | None) -> int | None:
    """The resource id of a manifest value rendered as a reference (``@0x7f0e001b``), else None."""
    if value is None:
        return None
    m = _REF_RE.fullmatch(value)
    return int(m.group(1), 16) if m else None


@dataclass(frozen=True, slots=True)
class _Chunk:
    type: int
    start: int
    header_size: int
    end: int


def _chunks(buf: Buffer, start: int, end: int, what: str) -> Iterator[_Chunk]:
    """The chunks laid end to end in ``buf[start:end]``, each checked before it is yielded."""
    p = start
    for _ in range(MAX_CHUNKS):
        if p >= end:
            return
        if p + 8 > end:
            raise ArscError(f"truncated chunk header in {what}")
        ctype, hsize, size = _HDR.unpack_from(buf, p)
        if hsize < 8 or size < hsize or p + size > end:
            raise ArscError(f"chunk 0x{ctype:04x} at {p} has inconsistent sizes in {what}")
        if (hsize | size) & 3:
            raise ArscError(f"chunk 0x{ctype:04x} at {p} is not 4-byte aligned in {what}")
        yield _Chunk(ctype, p, hsize, p + size)
        p += size
    raise ArscError(f"more than {MAX_CHUNKS} chunks in {what}")


class _StringPool:
    """Bounds-checked, lazy access to a ResStringPool (UTF-8 or UTF-16)."""

    def __init__(self, buf: Buffer, chunk: _Chunk) -> None:
        if chunk.header_size < 28:
            raise ArscError("string pool header too small")
        count, styles, flags, strings_start, styles_start = struct.unpack_from("<5I", buf, chunk.start + 8)
        size = chunk.end - chunk.start
        if chunk.header_size + 4 * count > size:
            raise ArscError("string pool offsets run past the pool")
        if count and not chunk.header_size + 4 * count <= strings_start < size:
            raise ArscError("string pool data lies outside the pool")
        strings_end = size
        if styles:
            if not strings_start <= styles_start <= size:
                raise ArscError("string pool style data lies outside the pool")
            strings_end = styles_start
        self._buf = buf
        self._index = chunk.start + chunk.header_size
        self._data = chunk.start + strings_start
        self._end = chunk.start + strings_end
        self._count = count
        self._utf8 = bool(flags & _UTF8_FLAG)

    def get(self, idx: int) -> str:
        if idx >= self._count:
            raise ArscError(f"string index {idx} beyond the pool's {self._count} strings")
        (off,) = _U32.unpack_from(self._buf, self._index + 4 * idx)
        p = self._data + off
        if p >= self._end:
            raise ArscError(f"string {idx} lies outside the string pool")
        return self._utf8_at(p) if self._utf8 else self._utf16_at(p)

    def _need(self, p: int, n: int) -> None:
        if p + n > self._end:
            raise ArscError("string runs past the string pool")

    def _utf8_at(self, p: int) -> str:
        buf = self._buf
        self._need(p, 2)
        p += 2 if buf[p] & 0x80 else 1  # length in UTF-16 units: not needed
        self._need(p, 1)
        n = buf[p]
        if n & 0x80:
            self._need(p, 2)
            n = ((n & 0x7F) << 8) | buf[p + 1]
            p += 2
        else:
            p += 1
        self._need(p, n)
        return bytes(buf[p : p + n]).decode("utf-8", "replace")

    def _utf16_at(self, p: int) -> str:
        self._need(p, 2)
        (n,) = _U16.unpack_from(self._buf, p)
        p += 2
        if n & 0x8000:
            self._need(p, 2)
            (lo,) = _U16.unpack_from(self._buf, p)
            n = ((n & 0x7FFF) << 16) | lo
            p += 2
        self._need(p, 2 * n)
        return bytes(self._buf[p : p + 2 * n]).decode("utf-16-le", "replace")


def _config_rank(buf: Buffer, at: int, size: int) -> int:
    """Preference of a ResTable_config (lower is better): default, English, locale-free, other."""
    body = bytes(buf[at + 4 : at + size])
    if not any(body):
        return 0
    language, country = body[4:6], body[6:8]
    if language == b"en":
        return 1 if country == b"\0\0" else 2 if country == b"US" else 3
    if language == b"\0\0":
        return 4
    return 5


class ResourceTable:
    """A ``resources.arsc`` held in a buffer; :meth:`resolve_string` finds one string resource.

    Construction checks the table header and locates the global string pool and the packages
    (chunk headers only); entries are looked up on demand.
    """

    def __init__(self, buf: Buffer) -> None:
        self._buf = buf
        try:
            self._open()
        except (struct.error, IndexError, ValueError) as exc:
            raise ArscError(f"malformed resource table: {exc}") from exc

    def _open(self) -> None:
        buf = self._buf
        if len(buf) > MAX_TABLE_SIZE:
            raise ArscError(f"resource table larger than {MAX_TABLE_SIZE:,} bytes")
        if len(buf) < 12:
            raise ArscError("resource table is truncated")
        ctype, hsize, size = _HDR.unpack_from(buf, 0)
        if ctype != _RES_TABLE or hsize < 12 or size < hsize:
            raise ArscError("not a resource table (bad header)")
        if size > len(buf):
            raise ArscError(f"resource table is truncated ({len(buf):,} of {size:,} bytes)")
        self._pool: _StringPool | None = None
        self._packages: dict[int, _Chunk] = {}
        self._types: dict[int, list[_Chunk]] = {}
        for chunk in _chunks(buf, hsize, size, "the table"):
            if chunk.type == _RES_STRING_POOL and self._pool is None:
                self._pool = _StringPool(buf, chunk)
            elif chunk.type == _RES_TABLE_PACKAGE:
                if chunk.header_size < 284:
                    raise ArscError("package header too small")
                (pkg_id,) = _U32.unpack_from(buf, chunk.start + 8)
                self._packages.setdefault(pkg_id, chunk)
        if self._pool is None:
            raise ArscError("resource table has no string pool")

    def resolve_string(self, res_id: int) -> str:
        """The string resource ``res_id`` names (references followed), in the preferred configuration."""
        try:
            return self._resolve(res_id)
        except (struct.error, IndexError, ValueError) as exc:
            raise ArscError(f"malformed resource table: {exc}") from exc

    def _resolve(self, res_id: int) -> str:
        seen: set[int] = set()
        rid = res_id
        for _ in range(MAX_HOPS):
            if rid in seen:
                raise ArscError(f"reference loop at @0x{rid:08x}")
            seen.add(rid)
            dtype, data = self._value(rid)
            if dtype == _TYPE_STRING:
                assert self._pool is not None
                return self._pool.get(data)
            if dtype in (_TYPE_REFERENCE, _TYPE_DYNAMIC_REFERENCE) and data:
                rid = data
                continue
            raise ArscError(f"@0x{rid:08x} is not a string (value type 0x{dtype:02x})")
        raise ArscError(f"more than {MAX_HOPS} references from @0x{res_id:08x}")

    def _type_chunks(self, pkg_id: int, pkg: _Chunk) -> list[_Chunk]:
        """The package's ResTable_type chunks, walked once (reference chains revisit them)."""
        found = self._types.get(pkg_id)
        if found is None:
            walk = _chunks(self._buf, pkg.start + pkg.header_size, pkg.end, f"package 0x{pkg_id:02x}")
            found = self._types[pkg_id] = [c for c in walk if c.type == _RES_TABLE_TYPE]
        return found

    def _value(self, rid: int) -> tuple[int, int]:
        """(Res_value type, data) of ``rid`` in the preferred configuration."""
        buf = self._buf
        pkg = self._packages.get(rid >> 24)
        if pkg is None:
            raise ArscError(f"no package 0x{rid >> 24:02x} in the table for @0x{rid:08x}")
        type_offset = 0
        if pkg.header_size >= 288:
            (type_offset,) = _U32.unpack_from(buf, pkg.start + 284)
        want_type = (rid >> 16) & 0xFF
        idx = rid & 0xFFFF
        best: tuple[int, int, int] | None = None  # (rank, dtype, data)
        for chunk in self._type_chunks(rid >> 24, pkg):
            if chunk.header_size < 24:
                continue
            tid, flags = buf[chunk.start + 8], buf[chunk.start + 9]
            if tid == 0 or tid + type_offset != want_type:
                continue
            (csize,) = _U32.unpack_from(buf, chunk.start + 20)
            if csize < 4 or 20 + csize > chunk.header_size:
                raise ArscError("type chunk configuration runs past its header")
            rank = _config_rank(buf, chunk.start + 20, csize)
            if best is not None and rank >= best[0]:
                continue
            value = _entry_value(buf, chunk, flags, idx)
            if value is not None:
                best = (rank, *value)
                if rank == 0:
                    break
        if best is None:
            raise ArscError(f"no entry for @0x{rid:08x}")
        return best[1], best[2]


def _entry_value(buf: Buffer, chunk: _Chunk, flags: int, idx: int) -> tuple[int, int] | None:
    """(type, data) of entry ``idx`` in one ResTable_type chunk; None when this config lacks it."""
    count, entries_start = struct.unpack_from("<II", buf, chunk.start + 12)
    index_at = chunk.start + chunk.header_size
    # Sparse entries are (u16 index, u16 offset/4) pairs; OFFSET16 stores offset/4 in a u16.
    width = 2 if flags & _TYPE_OFFSET16 and not flags & _TYPE_SPARSE else 4
    if count > 0xFFFF or entries_start & 3:
        raise ArscError("type chunk has too many entries or unaligned entries")
    if index_at + count * width > chunk.start + entries_start or chunk.start + entries_start > chunk.end:
        raise ArscError("type chunk entry index runs past its entries")
    offset: int | None = None
    if flags & _TYPE_SPARSE:
        lo, hi = 0, count  # entries sorted by index: binary search, as Android does
        while lo < hi:
            mid = (lo + hi) // 2
            at, off16 = struct.unpack_from("<HH", buf, index_at + 4 * mid)
            if at == idx:
                offset = off16 * 4
                break
            if at < idx:
                lo = mid + 1
            else:
                hi = mid
    elif idx < count:
        if width == 2:
            (raw,) = _U16.unpack_from(buf, index_at + 2 * idx)
            offset = None if raw == 0xFFFF else raw * 4
        else:
            (raw,) = _U32.unpack_from(buf, index_at + 4 * idx)
            offset = None if raw == _NO_ENTRY else raw
    if offset is None:
        return None
    e = chunk.start + entries_start + offset
    if offset & 3 or e + 8 > chunk.end:
        raise ArscError("entry lies outside its type chunk")
    esize, eflags = struct.unpack_from("<HH", buf, e)
    if eflags & _ENTRY_COMPACT:
        (data,) = _U32.unpack_from(buf, e + 4)
        return eflags >> 8, data
    if eflags & _ENTRY_COMPLEX:
        return None  # a bag (style, array, plural) is never a label; another config may hold a value
    if esize < 8 or e + esize + 8 > chunk.end:
        raise ArscError("entry value lies outside its type chunk")
    vsize, _res0, dtype, data = struct.unpack_from("<HBBI", buf, e + esize)
    if vsize < 8:
        raise ArscError("entry value too small")
    return dtype, data
