"""Streaming readers for pcap and pcapng, including PCAPdroid's app metadata.

Each reader is a generator of ``(timestamp, linktype, frame, uid)`` over a file read in fixed-size
chunks, so memory stays constant whatever the capture size. ``uid`` is -1 when the format does not
say which app sent the packet. Damage (truncation, a lying length, an unknown block layout) raises
``CorruptInputError`` *after* every valid record before it was yielded, so callers keep the part
that parsed.

PCAPdroid metadata:
- pcap "trailer" mode: each frame ends with 32 bytes: magic 0x01072021, uid, a 20-byte
  NUL-terminated app label and a CRC32 (all big-endian except the CRC).
- pcapng: a custom block 0xBAD with PEN 62652 maps a uid to package and label; each EPB has the
  comment ``u-<uid>``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from howsafe.errors import CorruptInputError, InputError
from howsafe.net.model import AppRef
from howsafe.parse.numbers import strict_int

CHUNK = 1 << 20
MAX_RECORD = 1 << 18  # 256 KiB: larger than any real snaplen; bigger means a lying length
MAX_BLOCK = 1 << 24
TRAILER_MAGIC = b"\x01\x07\x20\x21"
PCAPDROID_PEN = 62652

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

Record = tuple[float, int, bytes, int]


@dataclass
class CaptureMeta:
    """What a reader learned besides packets: format, app map, interfaces (filled while reading)."""

    format: str = ""
    apps: dict[int, AppRef] = field(default_factory=dict)
    linktypes: list[int] = field(default_factory=list)
    records: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


# Shortest valid length per block type (header, fixed fields, trailer): EPB and the obsolete Packet
# Block carry 20 bytes of fixed fields, SPB 4, IDB 8. A shorter one would be read past its end.
_MIN_BLOCK = {6: 32, 2: 32, 3: 16, 1: 20}


def _refill(fh: BinaryIO, buf: bytes, pos: int, need: int) -> bytes:
    """Keep the unread tail of ``buf`` and append at least ``need`` more bytes if the file has them."""
    rest = buf[pos:]
    more = fh.read(max(CHUNK, need - len(rest)))
    return rest + more if more else rest


def read_pcap(fh: BinaryIO, meta: CaptureMeta) -> Iterator[Record]:
    """Records of a classic pcap file (either byte order, micro- or nanosecond timestamps)."""
    head = fh.read(24)
    if len(head) < 24:
        raise CorruptInputError("truncated: pcap file header is incomplete")
    endian, scale = PCAP_MAGICS[head[:4]]
    linktype = struct.unpack_from(endian + "I", head, 20)[0] & 0x0FFFFFFF
    meta.format = f"pcap linktype {linktype}"
    meta.linktypes.append(linktype)
    rec = struct.Struct(endian + "IIII")
    unpack = rec.unpack_from
    buf = b""
    pos = 0
    trailer: bool | None = None
    count = 0
    while True:
        if len(buf) - pos < 16:
            buf = _refill(fh, buf, pos, 16)
            pos = 0
            if not buf:
                break
            if len(buf) < 16:
                meta.records = count
                raise CorruptInputError(f"truncated: record {count + 1} header is incomplete")
        sec, frac, incl, _orig = unpack(buf, pos)
        if incl > MAX_RECORD:
            meta.records = count
            raise CorruptInputError(f"record too large: record {count + 1} claims {incl} bytes")
        end = pos + 16 + incl
        if end > len(buf):
            buf = _refill(fh, buf, pos, 16 + incl)
            pos = 0
            end = 16 + incl
            if end > len(buf):
                meta.records = count
                raise CorruptInputError(
                    f"truncated: file ends inside record {count + 1} ({len(buf) - 16} of {incl} bytes present)"
                )
        data = buf[pos + 16 : end]
        pos = end
        count += 1
        uid = -1
        if trailer is None:
            trailer = linktype == 1 and incl >= 46 and data[-32:-28] == TRAILER_MAGIC
            if trailer:
                meta.format = "pcap (PCAPdroid trailer)"
        if trailer and data[-32:-28] == TRAILER_MAGIC:
            uid = int.from_bytes(data[-28:-24], "big", signed=True)
            if uid not in meta.apps:
                label = data[-24:-4].split(b"\x00", 1)[0].decode("utf-8", "replace")
                meta.apps[uid] = AppRef(uid=uid, label=label or None)
        yield sec + frac * scale, linktype, data, uid
    meta.records = count


@dataclass
class _Iface:
    linktype: int
    scale: float = 1e-6


def read_pcapng(fh: BinaryIO, meta: CaptureMeta) -> Iterator[Record]:
    """Records of a pcapng file: SHB, IDB, EPB, SPB, custom blocks; several sections/interfaces."""
    meta.format = "pcapng"
    buf = b""
    pos = 0
    endian = "<"
    ifaces: list[_Iface] = []
    count = 0
    blocks = 0
    while True:
        if len(buf) - pos < 12:
            buf = _refill(fh, buf, pos, 12)
            pos = 0
            if not buf:
                break
            if len(buf) < 12:
                meta.records = count
                raise CorruptInputError(f"truncated: block {blocks + 1} header is incomplete")
        btype_raw = buf[pos : pos + 4]
        if btype_raw == PCAPNG_MAGIC:
            bom = buf[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                raise CorruptInputError("bad block length: section header has an unknown byte-order magic")
            ifaces = []
        btype, blen = struct.unpack_from(endian + "II", buf, pos)
        if blen < _MIN_BLOCK.get(btype, 12) or blen % 4 or blen > MAX_BLOCK:
            meta.records = count
            raise CorruptInputError(f"bad block length: block {blocks + 1} (type {btype:#x}) declares {blen} bytes")
        end = pos + blen
        if end > len(buf):
            buf = _refill(fh, buf, pos, blen)
            pos = 0
            end = blen
            if end > len(buf):
                meta.records = count
                raise CorruptInputError(f"truncated: file ends inside block {blocks + 1}")
        if struct.unpack_from(endian + "I", buf, end - 4)[0] != blen:
            meta.records = count
            raise CorruptInputError(f"bad block length: block {blocks + 1} trailer does not match its header")
        blocks += 1
        if btype == 6:  # EPB
            iface_id, ts_hi, ts_lo, caplen = struct.unpack_from(endian + "IIII", buf, pos + 8)
            if iface_id >= len(ifaces) or 28 + caplen + 4 > blen:
                meta.records = count
                raise CorruptInputError(f"bad block length: packet block {blocks} is inconsistent")
            iface = ifaces[iface_id]
            dstart = pos + 28
            data = buf[dstart : dstart + caplen]
            uid = -1
            opt = dstart + ((caplen + 3) & ~3)
            if opt + 4 <= end - 4 and buf[opt : opt + 2] == (b"\x01\x00" if endian == "<" else b"\x00\x01"):
                olen = struct.unpack_from(endian + "H", buf, opt + 2)[0]
                comment = buf[opt + 4 : min(opt + 4 + olen, end - 4)]
                if comment.startswith(b"u-"):
                    parsed = strict_int(comment[2:], signed=True)
                    if parsed is None:
                        meta.skip("unreadable PCAPdroid uid comment")
                    else:
                        uid = parsed
            count += 1
            yield ((ts_hi << 32) | ts_lo) * iface.scale, iface.linktype, data, uid
        elif btype == 3:  # SPB: one interface, length from the original length
            if not ifaces:
                raise CorruptInputError("bad block length: simple packet block before any interface")
            orig = struct.unpack_from(endian + "I", buf, pos + 8)[0]
            caplen = min(orig, blen - 16)
            count += 1
            yield 0.0, ifaces[0].linktype, buf[pos + 12 : pos + 12 + caplen], -1
        elif btype == 1:  # IDB
            linktype = struct.unpack_from(endian + "H", buf, pos + 8)[0]
            iface = _Iface(linktype)
            _idb_options(buf, pos + 16, end - 4, endian, iface)
            ifaces.append(iface)
            meta.linktypes.append(linktype)
        elif btype in (0xBAD, 0x40000BAD):
            _custom_block(buf, pos + 8, end - 4, endian, meta)
        elif btype == 2:  # obsolete Packet Block
            iface_id = struct.unpack_from(endian + "H", buf, pos + 8)[0]
            ts_hi, ts_lo, caplen = struct.unpack_from(endian + "III", buf, pos + 12)
            if iface_id >= len(ifaces) or 28 + caplen + 4 > blen:
                raise CorruptInputError(f"bad block length: packet block {blocks} is inconsistent")
            count += 1
            yield (
                ((ts_hi << 32) | ts_lo) * ifaces[iface_id].scale,
                ifaces[iface_id].linktype,
                buf[pos + 28 : pos + 28 + caplen],
                -1,
            )
        pos = end
    meta.records = count


def _idb_options(buf: bytes, pos: int, end: int, endian: str, iface: _Iface) -> None:
    while pos + 4 <= end:
        code, olen = struct.unpack_from(endian + "HH", buf, pos)
        if code == 0:
            break
        if code == 9 and olen >= 1 and pos + 5 <= end:  # if_tsresol
            v = buf[pos + 4]
            iface.scale = 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0**-v
        pos += 4 + ((olen + 3) & ~3)


def _custom_block(buf: bytes, pos: int, end: int, endian: str, meta: CaptureMeta) -> None:
    """PCAPdroid UID map: PEN, u16 type, u16 version, u32 uid, u8 package length, u8 label length."""
    if pos + 14 > end:
        meta.skip("short custom block")
        return
    pen = struct.unpack_from(endian + "I", buf, pos)[0]
    if pen != PCAPDROID_PEN:
        meta.skip("custom block of another vendor")
        return
    uid = struct.unpack_from(endian + "i", buf, pos + 8)[0]
    plen = buf[pos + 12]
    llen = buf[pos + 13]
    start = pos + 14
    if start + plen + llen > end:
        meta.skip("PCAPdroid UID map with a lying length")
        return
    package = buf[start : start + plen].decode("utf-8", "replace")
    label = buf[start + plen : start + plen + llen].decode("utf-8", "replace")
    meta.apps[uid] = AppRef(uid=uid, package=package or None, label=label or None)
    meta.format = "pcapng (PCAPdroid)"


def open_records(fh: BinaryIO, meta: CaptureMeta) -> Iterator[Record]:
    """Pick the reader from the file's magic number (never from its extension)."""
    magic = fh.read(4)
    fh.seek(0)
    if not magic:
        raise InputError("empty file")
    if magic in PCAP_MAGICS:
        return read_pcap(fh, meta)
    if magic == PCAPNG_MAGIC:
        return read_pcapng(fh, meta)
    raise InputError("unknown format: not a pcap or pcapng file")
