"""The whole-process floor of ``howsafe apps``: inflate every DEX member of some APKs, nothing else.

Usage: python bench/inflate_only.py APK_OR_FOLDER...

A separate process with no howsafe import: the interpreter starts, imports libdeflate (PyPI
``deflate``), maps each APK (``mmap``, as howsafe does), reads its end-of-central-directory record
and central directory with ``struct``, and inflates every ``classes*.dex`` member into memory.
``bench/bench_startup.py`` times it as a process beside ``howsafe apps`` (the whole-process peer). Prints the
number of members and inflated bytes so that a run can be checked against the APKs.
"""

from __future__ import annotations

import mmap
import re
import struct
import sys
from pathlib import Path

import deflate

_CD = struct.Struct("<IHHHHHHIIIHHHHHII")
_DEX = re.compile(rb"classes\d*\.dex")


def dex_members(buf: mmap.mmap) -> list[tuple[int, int, int]]:
    """(data offset, compressed size, size) of every deflated DEX member, from the central directory."""
    eocd = buf.rfind(b"PK\x05\x06", max(0, len(buf) - 0xFFFF - 22))
    count, _, cd_off = struct.unpack_from("<HII", buf, eocd + 10)
    out, pos = [], cd_off
    for _ in range(count):
        f = _CD.unpack_from(buf, pos)
        method, csize, size, nlen, xlen, clen, lo = f[4], f[8], f[9], f[10], f[11], f[12], f[16]
        name = buf[pos + 46 : pos + 46 + nlen]
        pos += 46 + nlen + xlen + clen
        if method == 8 and _DEX.fullmatch(name):
            lnlen, lxlen = struct.unpack_from("<HH", buf, lo + 26)
            out.append((lo + 30 + lnlen + lxlen, csize, size))
    return out


def main(args: list[str]) -> None:
    apks: list[Path] = []
    for a in map(Path, args):
        apks.extend(sorted(a.glob("*.apk")) if a.is_dir() else [a])
    members = total = 0
    for apk in apks:
        with apk.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            view = memoryview(buf)
            for start, csize, size in dex_members(buf):
                total += len(deflate.deflate_decompress(view[start : start + csize], size))
                members += 1
            view.release()
    print(f"{len(apks)} APKs, {members} DEX members, {total} bytes inflated")


if __name__ == "__main__":
    main(sys.argv[1:])
