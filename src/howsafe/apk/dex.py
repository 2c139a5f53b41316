"""The DEX class table: names of the classes a DEX file DEFINES, read straight from its tables.

Path: header -> ``class_defs`` (class_idx) -> ``type_ids`` (descriptor string index) ->
``string_ids`` (offset of the MUTF-8 string data). Only defined classes count (inner classes
included): a type that is merely referenced (a compile-only dependency) is not code the app ships.

Every offset and count from the header is checked against the buffer before use, so a lying
header (``string_ids_size = 0x7ffffff0``) is an ``invalid_dex`` error, not a huge allocation.
"""

from __future__ import annotations

import struct

from howsafe.apk.errors import ApkError

_HEADER_SIZE = 0x70
_ENDIAN_LE = 0x12345678


def _u32_table(buf: memoryview, off: int, count: int, what: str) -> list[int]:
    if count == 0:
        return []
    end = off + 4 * count
    if off < _HEADER_SIZE or off % 4 or end > len(buf):
        raise ApkError("invalid_dex", f"{what} table ({count} entries at {off:#x}) lies outside the file")
    return buf[off:end].cast("I").tolist()


def _mutf8(raw: bytes) -> str:
    """Decode Modified UTF-8 (Java's: NUL as C0 80, supplementary chars as surrogate pairs)."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        pass
    text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
    # Surrogate pairs encoded separately (CESU-8) decode as lone surrogates: join them.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def class_names(buf: bytes | bytearray | memoryview) -> list[str]:
    """Dotted names (``com.foo.Bar$Baz``) of every class defined in the DEX ``buf``."""
    if len(buf) < _HEADER_SIZE:
        if bytes(buf[:4]) != b"dex\n":
            raise ApkError("bad_dex_magic", "not a DEX file")
        raise ApkError("truncated_dex", f"DEX is {len(buf)} bytes, shorter than its header")
    magic = bytes(buf[:8])
    if magic[:4] != b"dex\n" or magic[7] != 0 or not magic[4:7].isdigit():
        raise ApkError("bad_dex_magic", f"bad DEX magic {magic!r}")
    (file_size, header_size, endian) = struct.unpack_from("<III", buf, 32)
    if endian != _ENDIAN_LE:
        raise ApkError("invalid_dex", f"unsupported DEX endian tag {endian:#x}")
    if file_size > len(buf):
        raise ApkError("truncated_dex", f"DEX header says {file_size:,} bytes, only {len(buf):,} present")
    if header_size < _HEADER_SIZE or file_size < _HEADER_SIZE:
        raise ApkError("invalid_dex", "DEX header size is invalid")
    view = memoryview(buf)[:file_size]
    s_size, s_off, t_size, t_off = struct.unpack_from("<IIII", view, 56)
    c_size, c_off = struct.unpack_from("<II", view, 96)
    string_ids = _u32_table(view, s_off, s_size, "string_ids")
    type_ids = _u32_table(view, t_off, t_size, "type_ids")
    if c_size and (c_off < _HEADER_SIZE or c_off % 4 or c_off + 32 * c_size > file_size):
        raise ApkError("invalid_dex", f"class_defs table ({c_size} entries) lies outside the file")
    class_types = view[c_off : c_off + 32 * c_size].cast("I")[::8].tolist() if c_size else []
    try:
        offsets = [string_ids[type_ids[t]] for t in class_types]
    except IndexError as exc:
        raise ApkError("invalid_dex", "a class_def names a type or string beyond its table") from exc
    # Distinct classes have distinct descriptors, and a valid DEX stores each string once: the
    # names together are never longer than the file. 4,000 class_defs all pointing at one 1 MiB
    # descriptor (or into it) would otherwise materialise 4 GB; refuse past that budget.
    budget = file_size
    # bytes/bytearray support .find; a read-only memoryview (a stored member) is copied once.
    data = buf if isinstance(buf, (bytes, bytearray)) else bytes(view)
    find = data.find
    pieces: list[bytes | bytearray] = []
    append = pieces.append
    for p in offsets:
        if p >= file_size:
            raise ApkError("invalid_dex", f"string offset {p:#x} lies outside the file")
        # ULEB128 length prefix (UTF-16 units); skip it, the string ends at its NUL.
        if data[p] < 0x80:
            p += 1
        else:
            p = _skip_uleb(data, p, file_size)
        end = find(b"\x00", p, file_size)
        if end < 0:
            raise ApkError("invalid_dex", f"string at {p:#x} is not terminated")
        budget -= end - p + 1
        if budget < 0:
            raise ApkError("invalid_dex", "class descriptors overlap (more name bytes than the file holds)")
        append(data[p:end])
    return _descriptors_to_names(pieces)


def _skip_uleb(data: bytes | bytearray, p: int, limit: int) -> int:
    for _ in range(5):
        if p >= limit:
            raise ApkError("invalid_dex", "string length runs past the end of the file")
        b = data[p]
        p += 1
        if b < 0x80:
            return p
    raise ApkError("invalid_dex", "string length prefix is not a valid ULEB128")


def _descriptors_to_names(pieces: list[bytes | bytearray]) -> list[str]:
    """``Lcom/foo/Bar;`` -> ``com.foo.Bar`` for all at once (C-speed fast path, strict fallback)."""
    n = len(pieces)
    if n == 0:
        return []
    blob = b"\n".join(pieces)
    try:
        text = blob.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    if text and text[0] == "L" and text[-1] == ";" and text.count(";\nL") == n - 1:
        names = text[1:-1].replace(";\nL", "\n").replace("/", ".").split("\n")
        if len(names) == n:
            return names
    out: list[str] = []
    for desc in pieces:
        if len(desc) < 3 or desc[0] != 0x4C or desc[-1] != 0x3B:  # 'L' ... ';'
            raise ApkError("invalid_dex", f"class descriptor {bytes(desc[:60])!r} is not a class type")
        try:
            out.append(_mutf8(bytes(desc[1:-1])).replace("/", "."))
        except UnicodeDecodeError:
            raise ApkError(
                "invalid_dex", f"class descriptor {bytes(desc[:60])!r} is not valid Modified UTF-8"
            ) from None
    return out
