"""A test corpus built from the real fixture APKs: many distinct hashes, the malformed files mixed in.

Every valid input is repacked into several copies that differ only by their ZIP comment (so each
copy has its own sha256 and the same scan result); the hostile files are copied once each.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

from apk.apk_truth import APK_SET, MALFORMED, VALID

EOCD = b"PK\x05\x06"


def with_comment(data: bytes, comment: bytes) -> bytes:
    """The same ZIP with its end-of-central-directory comment replaced (nothing else changes)."""
    at = data.rfind(EOCD)
    assert at >= 0 and len(data) - at >= 22
    old_len = struct.unpack_from("<H", data, at + 20)[0]
    assert at + 22 + old_len == len(data), "the fixture must end with its EOCD"
    return data[: at + 20] + struct.pack("<H", len(comment)) + comment


def build(dest: Path, *, copies: int = 4, real_copies: int = 1) -> list[Path]:
    """Write the corpus under ``dest``; returns the app paths as `howsafe apps` would list them."""
    dest.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for key in VALID:
        src = APK_SET / key.rstrip("/")
        n = real_copies if key.startswith("apks/") else copies
        for i in range(n):
            stem = key.rstrip("/").replace("/", "__")
            if src.is_dir():  # a split folder: each copy repacks its base.apk
                d = dest / f"{stem}-{i}"
                d.mkdir()
                for part in sorted(src.iterdir()):
                    data = part.read_bytes()
                    if part.name == "base.apk":
                        data = with_comment(data, f"copy {i}".encode())
                    (d / part.name).write_bytes(data)
                out.append(d)
            else:
                target = dest / f"{stem.rsplit('.', 1)[0]}-{i}{src.suffix}"
                target.write_bytes(with_comment(src.read_bytes(), f"copy {i}".encode()))
                out.append(target)
    mal = dest / "malformed"
    mal.mkdir()
    for key in MALFORMED:
        target = mal / Path(key).name
        shutil.copyfile(APK_SET / key, target)
        out.append(target)
    return out
