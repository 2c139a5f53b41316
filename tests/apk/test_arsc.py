"""Resource-reference labels resolved from resources.arsc, on real APKs and on hostile tables.

The expected labels were verified independently with Debian's ``aapt`` (package ``aapt``
1:10.0.0+r36-10): ``aapt dump badging <apk>`` prints ``application-label:'...'`` and
``aapt dump --values resources <apk>`` shows the id ``0x7f...`` as ``string/app_name`` with that
value. aapt is not needed to run these tests.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apk.apk_truth import APK_SET, bundled_kb, scanned
from howsafe.apk import scan_paths
from howsafe.apk.arsc import ArscError, ResourceTable, parse_reference
from howsafe.apk.axml import Manifest
from howsafe.apk.scan import _resolve_references
from howsafe.apk.zipread import ZipArchive

#: label reference in the manifest -> application label per ``aapt dump badging``.
REAL_LABELS = {
    "apks/airtest-1.4.3_Yosemite.apk": (0x7F110020, "Yosemite"),
    "apks/io.appium.settings-8.0.10.apk": (0x7F080000, "Appium Settings"),
    "apks/uiautomator2-3.7.1_app-uiautomator.apk": (0x7F0C001F, "ATX"),
}
SETTINGS_APK = APK_SET / "apks/io.appium.settings-8.0.10.apk"
YOSEMITE_APK = APK_SET / "apks/airtest-1.4.3_Yosemite.apk"
ATX_APK = APK_SET / "apks/uiautomator2-3.7.1_app-uiautomator.apk"


def table_of(apk: Path) -> bytes:
    return bytes(ZipArchive(apk.read_bytes()).read("resources.arsc"))


SETTINGS_TABLE = table_of(SETTINGS_APK)


# -- a small independent walker used to locate (and mutate) real entries -------------------------
def _u16(b: bytes | bytearray, at: int) -> int:
    return int(struct.unpack_from("<H", b, at)[0])


def _u32(b: bytes | bytearray, at: int) -> int:
    return int(struct.unpack_from("<I", b, at)[0])


def type_chunks(table: bytes | bytearray, type_id: int) -> list[tuple[int, str]]:
    """(offset, locale) of each ResTable_type chunk of ``type_id`` in the first package."""
    p = _u16(table, 2)
    while _u16(table, p) != 0x0200:
        p += _u32(table, p + 4)
    pkg_end = p + _u32(table, p + 4)
    q = p + _u16(table, p + 2)
    out = []
    while q < pkg_end:
        if _u16(table, q) == 0x0201 and table[q + 8] == type_id:
            lang, country = bytes(table[q + 28 : q + 30]), bytes(table[q + 30 : q + 32])
            region = "-" + country.decode("latin-1") if country != b"\0\0" else ""
            out.append((q, lang.strip(b"\0").decode("latin-1") + region))
        q += _u32(table, q + 4)
    return out


def index_slot(table: bytes | bytearray, chunk: int, entry: int) -> int:
    return chunk + _u16(table, chunk + 2) + 4 * entry


def value_at(table: bytes | bytearray, chunk: int, entry: int) -> int:
    """Offset of the Res_value of ``entry`` in a dense type chunk."""
    e = chunk + _u32(table, chunk + 16) + _u32(table, index_slot(table, chunk, entry))
    return e + _u16(table, e)


def pool_strings(table: bytes) -> list[str]:
    """Every string of a real table's UTF-8 global pool, decoded independently of the module."""
    pool = _u16(table, 2)
    count, styles, flags, start, _ = struct.unpack_from("<5I", table, pool + 8)
    assert flags & 0x100 and styles == 0
    strings = []
    for i in range(count):
        p = pool + start + _u32(table, pool + 28 + 4 * i)
        p += 2 if table[p] & 0x80 else 1
        n = table[p]
        if n & 0x80:
            n, p = ((n & 0x7F) << 8) | table[p + 1], p + 2
        else:
            p += 1
        strings.append(table[p : p + n].decode("utf-8"))
    return strings


def utf16_pool_table(table: bytes) -> bytes:
    """The same table with its global string pool re-encoded from UTF-8 to UTF-16 (aapt's other form)."""
    hsize = _u16(table, 2)
    pool = hsize
    count, _, flags, _, _ = struct.unpack_from("<5I", table, pool + 8)
    strings = pool_strings(table)
    data, offsets = bytearray(), []
    for s in strings:
        offsets.append(len(data))
        enc = s.encode("utf-16-le")
        units = len(enc) // 2
        head = struct.pack("<H", units) if units < 0x8000 else struct.pack("<HH", 0x8000 | units >> 16, units & 0xFFFF)
        data += head + enc + b"\0\0"
    data += b"\0" * (-len(data) % 4)
    new_start = 28 + 4 * count
    body = struct.pack(f"<{count}I", *offsets) + bytes(data)
    chunk = struct.pack("<HHI5I", 1, 28, 28 + len(body), count, 0, flags & ~0x100, new_start, 0) + body
    rest = table[pool + _u32(table, pool + 4) :]
    out = bytearray(table[:hsize]) + chunk + rest
    struct.pack_into("<I", out, 4, len(out))
    return bytes(out)


def compact_index_table(table: bytes, type_id: int, flag: int) -> bytes:
    """The table with the default chunk of ``type_id`` re-indexed as sparse (0x01) or offset16 (0x02).

    These are the layouts newer build tools emit (aapt2 ``--enable-sparse-encoding``, Android 14's
    16-bit offsets); the real fixtures only use dense 32-bit offsets.
    """
    chunk = next(off for off, loc in type_chunks(table, type_id) if loc == "")
    hsize, size = _u16(table, chunk + 2), _u32(table, chunk + 4)
    count, start = _u32(table, chunk + 12), _u32(table, chunk + 16)
    offsets = struct.unpack_from(f"<{count}I", table, chunk + hsize)
    if flag == 0x01:
        present = [(i, off) for i, off in enumerate(offsets) if off != 0xFFFFFFFF]
        index = b"".join(struct.pack("<HH", i, off // 4) for i, off in present)
        new_count = len(present)
    else:
        index = b"".join(struct.pack("<H", 0xFFFF if off == 0xFFFFFFFF else off // 4) for off in offsets)
        index += b"\0" * (-len(index) % 4)
        new_count = count
    entries = table[chunk + start : chunk + size]
    head = bytearray(table[chunk : chunk + hsize])
    new_size = hsize + len(index) + len(entries)
    struct.pack_into("<I", head, 4, new_size)
    head[9] |= flag
    struct.pack_into("<II", head, 12, new_count, hsize + len(index))
    out = bytearray(table[:chunk]) + head + index + entries + table[chunk + size :]
    delta = new_size - size
    pkg = _u16(table, 2) + _u32(table, _u16(table, 2) + 4)  # the package follows the global pool
    assert _u16(out, pkg) == 0x0200
    struct.pack_into("<I", out, pkg + 4, _u32(out, pkg + 4) + delta)
    struct.pack_into("<I", out, 4, len(out))
    return bytes(out)


def with_table(src: Path, dst: Path, table: bytes | None) -> Path:
    """A copy of a real APK whose resources.arsc is replaced (or dropped when None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == "resources.arsc":
                if table is not None:
                    zout.writestr(info, table)
            else:
                zout.writestr(info, zin.read(info))
    return dst


# -- real APKs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(REAL_LABELS))
def test_real_reference_labels_resolved(key: str) -> None:
    """What aapt shows as the app's name is what the user sees, not ``@0x7f...``."""
    rid, label = REAL_LABELS[key]
    report = scanned()[key]
    assert report.label == label
    assert not any("not resolved" in w for w in report.warnings)
    assert ResourceTable(table_of(APK_SET / key)).resolve_string(rid) == label


def test_version_name_reference_resolved_too() -> None:
    """versionName may be a reference as well; a dangling one stays, with a warning naming it."""
    manifest = Manifest(label="@0x7f080000", version_name="@0x7f0800ff")
    warnings = _resolve_references(ZipArchive(SETTINGS_APK.read_bytes()), "base.apk", manifest)
    assert manifest.label == "Appium Settings"
    assert manifest.version_name == "@0x7f0800ff"
    assert warnings == ["base.apk: versionName @0x7f0800ff not resolved: no entry for @0x7f0800ff"]
    plain = Manifest(label="Quiet Notes", version_name="1.3.1")
    assert _resolve_references(ZipArchive(b"PK\x05\x06" + bytes(18)), "x.apk", plain) == []
    assert (plain.label, plain.version_name) == ("Quiet Notes", "1.3.1")


def test_app_without_label_stays_without_label() -> None:
    report = scanned()["apks/appium-uia2-server-10.6.6.apk"]
    assert report.label is None and report.warnings == ()


def test_parse_reference() -> None:
    assert parse_reference("@0x7f0e001b") == 0x7F0E001B
    assert parse_reference("Yosemite") is None
    assert parse_reference("@0x7f0e001b trailing") is None
    assert parse_reference(None) is None


def test_utf16_string_pool() -> None:
    """The same real table with a UTF-16 pool resolves to the same label (aapt reads both forms)."""
    converted = utf16_pool_table(SETTINGS_TABLE)
    assert _u32(converted, 12 + 16) & 0x100 == 0
    assert ResourceTable(converted).resolve_string(0x7F080000) == "Appium Settings"


@pytest.mark.parametrize("flag", [0x01, 0x02], ids=["sparse", "offset16"])
def test_compact_entry_indexes(flag: int) -> None:
    converted = compact_index_table(SETTINGS_TABLE, 0x08, flag)
    chunk = next(off for off, loc in type_chunks(converted, 0x08) if loc == "")
    assert converted[chunk + 9] & flag
    table = ResourceTable(converted)
    assert table.resolve_string(0x7F080000) == "Appium Settings"
    # every string of the type still resolves exactly as in the dense original
    dense = ResourceTable(SETTINGS_TABLE)
    compared = 0
    for entry in range(1, 40):
        rid = 0x7F080000 | entry
        try:
            expected = dense.resolve_string(rid)
        except ArscError:
            continue
        assert table.resolve_string(rid) == expected
        compared += 1
    assert compared == 24  # of ids 0x7f080001..0x7f080027, the 24 that are strings in the real table


def test_non_string_and_foreign_ids_are_refused() -> None:
    table = ResourceTable(SETTINGS_TABLE)
    with pytest.raises(ArscError, match="no package 0x01"):
        table.resolve_string(0x01040000)  # a framework string: not in the app's table
    with pytest.raises(ArscError, match="no entry"):
        table.resolve_string(0x7F08FFFF)


# -- configuration preference, on the real Yosemite table ------------------------------------------
# string/app_name (0x7f110020) is defined twice there: in the default configuration (first chunk)
# and in en-US (a later chunk). The tests re-tag those two chunks' locales and point their values
# at two different strings of the pool, so that "which configuration won" shows in the result.
def _yosemite_retagged(first: str, second: str) -> tuple[ResourceTable, str, str]:
    table = bytearray(table_of(YOSEMITE_APK))
    holders = [
        off
        for off, _ in type_chunks(table, 0x11)
        if _u32(table, off + 12) > 0x20 and _u32(table, index_slot(table, off, 0x20)) != 0xFFFFFFFF
    ]
    assert [loc for off, loc in type_chunks(table, 0x11) if off in holders] == ["", "en-US"]
    strings = pool_strings(bytes(table))
    target = _u32(table, value_at(table, holders[0], 0x20) + 4)
    assert strings[target] == "Yosemite"
    for off, locale, idx in zip(holders, (first, second), (target, target + 1), strict=True):
        lang, _, country = locale.partition("-")
        table[off + 28 : off + 32] = lang.encode().ljust(2, b"\0") + country.encode().ljust(2, b"\0")
        struct.pack_into("<I", table, value_at(table, off, 0x20) + 4, idx)
    assert strings[target + 1] != "Yosemite"
    return ResourceTable(bytes(table)), strings[target], strings[target + 1]


def test_default_configuration_preferred() -> None:
    table, _fr, default = _yosemite_retagged("fr", "")
    assert table.resolve_string(0x7F110020) == default


def test_english_preferred_over_other_locales() -> None:
    table, _fr, english = _yosemite_retagged("fr", "en-US")
    assert table.resolve_string(0x7F110020) == english


def test_first_configuration_when_neither_default_nor_english() -> None:
    table, french, _de = _yosemite_retagged("fr", "de")
    assert table.resolve_string(0x7F110020) == french


def test_real_default_and_en_us_agree() -> None:
    """Unmodified, both definitions say "Yosemite" (what aapt reports for every locale)."""
    raw = table_of(YOSEMITE_APK)
    assert ResourceTable(raw).resolve_string(0x7F110020) == "Yosemite"


def test_reference_loop_is_refused() -> None:
    table = bytearray(SETTINGS_TABLE)
    default = next(off for off, loc in type_chunks(table, 0x08) if loc == "")
    v = value_at(table, default, 0)
    table[v + 3] = 0x01  # TYPE_REFERENCE
    struct.pack_into("<I", table, v + 4, 0x7F080000)  # to itself
    with pytest.raises(ArscError, match="loop"):
        ResourceTable(bytes(table)).resolve_string(0x7F080000)


# -- hostile tables -------------------------------------------------------------------------------
def _string_chunk_region() -> int:
    return next(off for off, loc in type_chunks(SETTINGS_TABLE, 0x08) if loc == "")


_REGION = _string_chunk_region()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.integers(0, 1023), st.integers(_REGION, _REGION + 1023)), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    )
)
def test_mutated_table_never_crashes(edits: list[tuple[int, int]]) -> None:
    buf = bytearray(SETTINGS_TABLE)
    for at, val in edits:
        buf[at] = val
    try:
        value = ResourceTable(bytes(buf)).resolve_string(0x7F080000)
    except ArscError:
        return
    assert isinstance(value, str) and len(value) < len(buf)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(SETTINGS_TABLE) - 1))
def test_truncated_table_never_crashes(cut: int) -> None:
    with pytest.raises(ArscError):
        ResourceTable(SETTINGS_TABLE[:cut]).resolve_string(0x7F080000)


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        (SETTINGS_TABLE[:5000], "truncated"),
        (struct.pack("<HHI", 2, 12, 5000) + SETTINGS_TABLE[8:5000], "inconsistent sizes"),
        (b"\x00" * 64, "not a resource table"),
        (None, "no resources.arsc"),
    ],
)
def test_broken_table_keeps_reference_and_warns(tmp_path: Path, table: bytes | None, reason: str) -> None:
    """The scan still succeeds: the label stays the reference and a warning says why."""
    apk = with_table(SETTINGS_APK, tmp_path / "settings.apk", table)
    (report,) = scan_paths([apk], kb=bundled_kb())
    assert report.ok, report.error_detail
    assert report.label == "@0x7f080000"
    assert report.package == "io.appium.settings"
    (warning,) = [w for w in report.warnings if "not resolved" in w]
    assert "label @0x7f080000" in warning and reason in warning
