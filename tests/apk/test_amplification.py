"""Small APK parts that used to expand per reference: a DEX whose 4,000 class definitions all
name one 1 MiB descriptor, an AXML whose 20,000 elements all reference one 4M-character string.

The inputs are built here, byte by byte, from the published formats (dex-format, ResXMLTree).
Peak memory is measured in a child process under an address-space limit, not by timing.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from howsafe.apk.axml import parse_manifest
from howsafe.apk.dex import class_names
from howsafe.apk.errors import ApkError
from memcap import baseline_mib, peak_rss_mib


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def build_dex(descriptors: list[bytes], class_def_types: list[int]) -> bytes:
    """A DEX with the given type descriptors (one string each) and class_defs naming types."""
    n = len(descriptors)
    string_ids_off = 0x70
    type_ids_off = string_ids_off + 4 * n
    class_defs_off = type_ids_off + 4 * n
    data_off = class_defs_off + 32 * len(class_def_types)
    data = bytearray()
    offsets = []
    for d in descriptors:
        offsets.append(data_off + len(data))
        data += _uleb(len(d)) + d + b"\x00"
    size = data_off + len(data)
    header = bytearray(0x70)
    header[0:8] = b"dex\n035\x00"
    struct.pack_into("<III", header, 32, size, 0x70, 0x12345678)
    struct.pack_into("<IIII", header, 56, n, string_ids_off, n, type_ids_off)
    struct.pack_into("<II", header, 96, len(class_def_types), class_defs_off)
    body = struct.pack(f"<{n}I", *offsets) + struct.pack(f"<{n}I", *range(n))
    defs = b"".join(struct.pack("<8I", t, 1, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 0) for t in class_def_types)
    return bytes(header) + body + defs + bytes(data)


def test_the_builder_makes_a_dex_the_reader_accepts() -> None:
    dex = build_dex([b"Lcom/example/A;", b"Lcom/example/B$1;"], [0, 1])
    assert class_names(dex) == ["com.example.A", "com.example.B$1"]


def test_4000_class_defs_on_one_1mib_descriptor_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "classes.dex"
    path.write_bytes(build_dex([b"L" + b"a" * (1 << 20) + b";"], [0] * 4000))
    code = f"""
        from pathlib import Path
        from howsafe.apk.dex import class_names
        from howsafe.apk.errors import ApkError
        try:
            class_names(Path({str(path)!r}).read_bytes())
        except ApkError as exc:
            assert exc.code == "invalid_dex", exc
        else:
            raise AssertionError("4,000 copies of one descriptor were accepted")
    """
    assert peak_rss_mib(code) < baseline_mib() + 40  # 4,000 copies would be 4 GiB


def test_a_non_utf8_class_name_is_invalid_dex() -> None:
    dex = build_dex([b"Lcom/ok/A;", b"Lcom/\xff\xfe/B;"], [0, 1])
    with pytest.raises(ApkError) as info:
        class_names(dex)
    assert info.value.code == "invalid_dex" and "Modified UTF-8" in info.value.detail


def test_the_scanner_reports_a_non_utf8_class_name_as_invalid_dex(tmp_path: Path) -> None:
    from howsafe.apk.scan import scan_paths
    from howsafe.kb import KnowledgeBase

    apk = tmp_path / "bad.apk"
    with zipfile.ZipFile(apk, "w") as z:
        z.writestr("AndroidManifest.xml", build_axml(permissions=1))
        z.writestr("classes.dex", build_dex([b"Lcom/\xc3(/B;"], [0]))
    (report,) = scan_paths([apk], kb=KnowledgeBase.default())
    assert report.error == "invalid_dex", report.error_detail


# -- AXML ----------------------------------------------------------------------------------------
_NAME_ATTR = 0x01010003


def _utf16(s: str) -> bytes:
    n = len(s)
    head = struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF) if n > 0x7FFF else struct.pack("<H", n)
    return head + s.encode("utf-16-le") + b"\x00\x00"


def _chunk(ctype: int, header: bytes, body: bytes) -> bytes:
    return struct.pack("<HHI", ctype, 8 + len(header), 8 + len(header) + len(body)) + header + body


def build_axml(*, permissions: int, big: int = 0, fill: str = "A") -> bytes:
    """``<manifest package="p"><uses-permission android:name=.../>*</manifest>``; with ``big``,
    every permission name is a distinct string index pointing at one ``big``-character string."""
    strings = ["name", "manifest", "uses-permission", "package", "p", "android.permission.INTERNET"]
    data = bytearray()
    offsets = []
    for s in strings:
        offsets.append(len(data))
        data += _utf16(s)
    perm_index = [5] * permissions
    if big:
        big_off = len(data)
        data += _utf16(fill * big)
        perm_index = list(range(len(strings), len(strings) + permissions))
        offsets += [big_off] * permissions
    while len(data) % 4:
        data += b"\x00"
    count = len(offsets)
    pool_header = struct.pack("<IIIII", count, 0, 0, 28 + 4 * count, 0)
    pool = _chunk(0x0001, pool_header, struct.pack(f"<{count}I", *offsets) + bytes(data))
    resmap = _chunk(0x0180, b"", struct.pack("<I", _NAME_ATTR))

    def start(name: int, attrs: list[tuple[int, int, int]]) -> bytes:
        ext = struct.pack("<IIHHHHHH", 0xFFFFFFFF, name, 20, 20, len(attrs), 0, 0, 0)
        body = b"".join(struct.pack("<IIIHBBI", ns, an, val, 8, 0, 0x03, val) for ns, an, val in attrs)
        return _chunk(0x0102, struct.pack("<II", 1, 0xFFFFFFFF), ext + body)

    def end(name: int) -> bytes:
        return _chunk(0x0103, struct.pack("<II", 1, 0xFFFFFFFF), struct.pack("<II", 0xFFFFFFFF, name))

    elements = [start(1, [(0xFFFFFFFF, 3, 4)])]
    for idx in perm_index:
        elements += [start(2, [(0, 0, idx)]), end(2)]
    elements.append(end(1))
    body = pool + resmap + b"".join(elements)
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def test_the_axml_builder_makes_a_manifest_the_reader_accepts() -> None:
    man = parse_manifest(build_axml(permissions=3))
    assert (man.package, man.permissions) == ("p", ["android.permission.INTERNET"])


def test_20000_elements_on_one_4m_character_string_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "AndroidManifest.xml"
    path.write_bytes(build_axml(permissions=20_000, big=4_000_000))
    code = f"""
        from pathlib import Path
        from howsafe.apk.axml import parse_manifest
        man = parse_manifest(Path({str(path)!r}).read_bytes())
        assert man.package == "p" and len(man.permissions) == 1 and len(man.permissions[0]) == 4_000_000
    """
    assert peak_rss_mib(code) < baseline_mib() + 80  # once per reference would be 80 G characters


def test_overlapping_string_offsets_beyond_the_pool_size_are_refused() -> None:
    # 2,000 indices into one string of U+7FFF characters, each one character further in: read at
    # any of them, a character is a length word claiming 32,767 characters, so every index decodes
    # a different overlapping string, far more text than the pool holds.
    raw = bytearray(build_axml(permissions=2_000, big=100_000, fill="\u7fff"))
    count = struct.unpack_from("<I", raw, 16)[0]
    table = 8 + 28  # file header, then the pool chunk header (8 + 20 bytes)
    first_big = count - 2_000
    big_off = struct.unpack_from("<I", raw, table + 4 * first_big)[0]
    for i in range(2_000):
        struct.pack_into("<I", raw, table + 4 * (first_big + i), big_off + 4 + 2 * i)
    with pytest.raises(ApkError) as info:
        parse_manifest(bytes(raw))
    assert info.value.code == "bad_manifest" and "overlap" in info.value.detail
