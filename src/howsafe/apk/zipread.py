"""A strict, bounded, in-memory ZIP reader for APKs and bundles.

Why our own reader and not :mod:`zipfile`: APKs are hostile input. ``zipfile`` silently cuts entry
names at a NUL byte (Android refuses such archives), raises ``RuntimeError`` for encrypted entries,
and inflates without a size cap. This reader parses the end-of-central-directory record and the
central directory itself, refuses what Android's ``libziparchive`` refuses, and inflates one member
at a time into memory under a hard cap. Nothing is ever written to disk.

Every refusal is an :class:`ApkError` carrying a stable ``code`` (the error kinds of the fixture
truth: ``not_a_zip``, ``bad_zip``, ``bad_entry_name``, ``zip_bomb``, ...).
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from howsafe.apk.errors import ApkError

_EOCD_SIG = b"PK\x05\x06"
_CD_SIG = 0x02014B50
_LFH_SIG = 0x04034B50
_EOCD_MIN = 22
_CD_ENTRY = struct.Struct("<IHHHHHHIIIHHHHHII")
_MAX_COMMENT = 0xFFFF

#: Largest inflated size of one member (a DEX, a nested APK) we accept. Real DEX files stay far
#: below this (the 64K-method limit keeps them under ~20 MB); a bigger claim is a bomb.
MAX_MEMBER_SIZE = 256 * 1024 * 1024
#: Most members a single archive may list (large real APKs have ~10-30 thousand).
MAX_MEMBERS = 200_000
#: Compression ratio above which an oversized member is called a bomb rather than just too large.
BOMB_RATIO = 100


@dataclass(frozen=True, slots=True)
class Member:
    """One central-directory entry."""

    name: str
    raw_name: bytes
    method: int
    flags: int
    compressed_size: int
    size: int
    local_offset: int


Buffer = bytes | bytearray | memoryview
Inflater = Callable[[Buffer, int], Buffer]


def _zlib_inflate(data: Buffer, size: int) -> bytes:
    """Raw-deflate ``data`` into at most ``size`` bytes (zlib; always available)."""
    d = zlib.decompressobj(-15)
    out = d.decompress(data, size)
    if d.unconsumed_tail and len(out) >= size:
        raise ApkError("zip_bomb", f"member inflates beyond its declared {size} bytes")
    return out


def _pick_inflater() -> tuple[str, Inflater]:
    """libdeflate (PyPI ``deflate``) when installed: measured fastest; else zlib."""
    try:
        import deflate  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return "zlib", _zlib_inflate

    def _libdeflate(data: Buffer, size: int) -> Buffer:
        try:
            out: bytearray = deflate.deflate_decompress(data, size)
        except deflate.DeflateError as exc:
            # A stream longer than declared (a lying header) or a corrupt stream both land
            # here; zlib, under the same cap, tells which.
            return _retry_zlib(data, size, exc)
        return out

    return "libdeflate", _libdeflate


def _retry_zlib(data: Buffer, size: int, exc: Exception) -> bytes:
    try:
        return _zlib_inflate(data, size)
    except zlib.error as zexc:
        raise ApkError("bad_zip", f"corrupt deflate stream: {zexc}") from exc


INFLATER_NAME, _INFLATE = _pick_inflater()


class ZipArchive:
    """Read-only view of a ZIP held in a buffer (an ``mmap`` or bytes); members inflate on demand."""

    def __init__(self, buf: Buffer, *, label: str = "", backing: mmap.mmap | None = None) -> None:
        self.buf = memoryview(buf)
        self.label = label
        self._backing = backing
        self.members: dict[str, Member] = {}
        self.unsafe_names: list[str] = []
        self.cd_offset = 0
        self._parse()

    # -- structure ---------------------------------------------------------------------------
    def _parse(self) -> None:
        buf = self.buf
        n = len(buf)
        if n == 0:
            raise ApkError("empty_file", "file is empty")
        if bytes(buf[:2]) != b"PK":
            raise ApkError("not_a_zip", "not a ZIP archive (no PK signature)")
        start = max(0, n - _EOCD_MIN - _MAX_COMMENT)
        tail = bytes(buf[start:])
        pos = tail.rfind(_EOCD_SIG)
        if pos < 0 or len(tail) - pos < _EOCD_MIN:
            raise ApkError("bad_zip", "end of central directory not found")
        (_, disk, cd_disk, _n_here, count, cd_size, cd_off, _clen) = struct.unpack_from("<IHHHHIIH", tail, pos)
        eocd_at = start + pos
        if disk != 0 or cd_disk != 0:
            raise ApkError("bad_zip", "multi-disk ZIP archives are not APKs")
        if cd_off == 0xFFFFFFFF or count == 0xFFFF:
            raise ApkError("bad_zip", "ZIP64 archives are not supported for APKs")
        if cd_off + cd_size > eocd_at:
            raise ApkError("bad_zip", "central directory lies outside the file")
        if count > MAX_MEMBERS:
            raise ApkError("too_many_entries", f"{count} entries exceed the limit of {MAX_MEMBERS}")
        self.cd_offset = cd_off
        p = cd_off
        end = cd_off + cd_size
        unpack = _CD_ENTRY.unpack_from
        members = self.members
        for _ in range(count):
            if p + 46 > end:
                raise ApkError("bad_zip", "central directory truncated")
            (sig, _vm, _vn, flags, method, _t, _d, _crc, csize, usize, nlen, xlen, clen, _dsk, _ia, _ea, loff) = unpack(
                buf, p
            )
            if sig != _CD_SIG:
                raise ApkError("bad_zip", "bad central directory entry signature")
            if p + 46 + nlen > end:
                raise ApkError("bad_zip", "central directory truncated")
            raw = bytes(buf[p + 46 : p + 46 + nlen])
            p += 46 + nlen + xlen + clen
            if b"\x00" in raw:
                raise ApkError("bad_entry_name", f"entry name with a NUL byte: {raw!r}")
            name = raw.decode("utf-8", "replace")
            if (".." in name or name[:1] in ("/", "\\") or ":" in name[:2]) and _unsafe(name):
                self.unsafe_names.append(name)
            if name in members:
                raise ApkError("duplicate_entry", f"duplicate entry {name!r}")
            members[name] = Member(name, raw, method, flags, csize, usize, loff)
        if p > end:
            raise ApkError("bad_zip", "central directory truncated")

    def _release(self, start: int, length: int) -> None:
        """Drop the mapped pages of a member once inflated, so peak memory is one member, not the APK."""
        if self._backing is not None and hasattr(self._backing, "madvise") and length > 1 << 20:
            lo, n = _page_range(start, length)
            self._backing.madvise(mmap.MADV_DONTNEED, lo, n)

    def names(self) -> list[str]:
        return list(self.members)

    # -- data --------------------------------------------------------------------------------
    def read(self, name: str, *, cap: int = MAX_MEMBER_SIZE) -> Buffer:
        """Inflated bytes of ``name`` (a zero-copy view when stored), refusing anything over ``cap``."""
        m = self.members[name]
        if m.flags & 0x1:
            raise ApkError("encrypted_entry", f"{name} is encrypted")
        if m.size > cap:
            ratio = m.size / max(m.compressed_size, 1)
            code = "zip_bomb" if ratio > BOMB_RATIO else "too_large"
            raise ApkError(code, f"{name} declares {m.size:,} bytes inflated (limit {cap:,}, ratio {ratio:.0f}:1)")
        lo = m.local_offset
        if lo + 30 > len(self.buf):
            raise ApkError("bad_zip", f"local header of {name} lies outside the file")
        sig, _v, _f, _m, _t, _d, _c, _cs, _us, nlen, xlen = struct.unpack_from("<IHHHHHIIIHH", self.buf, lo)
        if sig != _LFH_SIG:
            raise ApkError("bad_zip", f"bad local header for {name}")
        data_at = lo + 30 + nlen + xlen
        if data_at + m.compressed_size > len(self.buf):
            raise ApkError("bad_zip", f"data of {name} runs past the end of the file")
        data = self.buf[data_at : data_at + m.compressed_size]
        if m.method == 0:
            if m.compressed_size != m.size:
                raise ApkError("bad_zip", f"stored entry {name} has inconsistent sizes")
            return data
        if m.method != 8:
            if name == "AndroidManifest.xml" and m.compressed_size == m.size:
                # Packer trick: a bogus method on a stored manifest; Android reads it as stored.
                return data
            if m.method not in _DEFLATE_ALIASES:
                raise ApkError("unsupported_compression", f"{name} uses compression method {m.method}")
        try:
            out = _INFLATE(data, m.size)
        except zlib.error as exc:
            if m.method != 8:
                raise ApkError("unsupported_compression", f"{name} uses compression method {m.method}") from exc
            raise ApkError("bad_zip", f"corrupt deflate stream in {name}: {exc}") from exc
        finally:
            self._release(data_at, m.compressed_size)
        if len(out) != m.size:
            raise ApkError("bad_zip", f"{name} inflated to {len(out)} bytes, header says {m.size}")
        return out


#: Methods Android's libziparchive inflates as deflate (it only tells stored from not stored);
#: apksig's and androguard's test APKs carry method 21 on deflated entries.
_DEFLATE_ALIASES = frozenset({21})


def _page_range(start: int, length: int) -> tuple[int, int]:
    page = mmap.PAGESIZE
    lo = start - start % page
    return lo, length + (start - lo)


def _unsafe(name: str) -> bool:
    """A name that would escape an extraction folder (we never extract, but we report it)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")
