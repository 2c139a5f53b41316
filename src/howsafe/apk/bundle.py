"""Which APKs of a bundle make up the app, and what the bundle's own metadata says.

Layouts recognised (one app per bundle, its parts merged):

- **bundletool APK set** (``bundletool build-apks``): ``toc.pb`` plus ``splits/*.apk`` (the split
  set a device installs), ``standalones/*.apk`` (whole-app variants for pre-Lollipop devices, one per
  ABI/density) and/or ``universal.apk``. The split set is scanned when present; otherwise one
  standalone (the first in name order: they carry the same code) or the universal APK.
  ``toc.pb`` (a ``BuildApksResult`` protobuf) gives the package name: field 4 of the top message.
- **SAI** (Split APKs Installer) ``.apks``: APKs at the ZIP root plus ``meta.sai_v1.json`` or
  ``meta.sai_v2.json`` (``package``, ``label``, ``version_code``, ``version_name``).
- **APKMirror** ``.apkm``: APKs at the root plus ``info.json`` (``pname``, ``versioncode``,
  ``release_version``, ``app_name``). Older ``.apkm`` files are encrypted (not a ZIP at all): they
  are refused with ``encrypted_bundle``.
- **XAPK** (APKPure): APKs at the root plus ``manifest.json`` (``package_name``, ``version_code``,
  ``version_name``, ``name``).

The metadata only fills in what the APKs cannot say (a bundle whose base APK is missing still
has a package name) and is otherwise checked against the manifests: a mismatch is a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from howsafe.apk.errors import ApkError
from howsafe.apk.zipread import ZipArchive

#: Largest metadata file read from a bundle (they are a few hundred bytes in practice).
MAX_META_SIZE = 1024 * 1024

_META_FILES = (
    ("manifest.json", "xapk"),
    ("info.json", "apkm"),
    ("meta.sai_v2.json", "sai"),
    ("meta.sai_v1.json", "sai"),
)


@dataclass(frozen=True, slots=True)
class BundleMeta:
    """What a bundle's own metadata file declares (every field optional)."""

    source: str  # "xapk", "apkm", "sai", "bundletool"
    package: str | None = None
    label: str | None = None
    version_name: str | None = None
    version_code: int | None = None


@dataclass
class BundleLayout:
    """The APK members that make up the app, the bundle kind and its metadata."""

    kind: str
    parts: list[str]
    meta: BundleMeta | None = None
    warnings: list[str] = field(default_factory=list)


def _is_apk_name(name: str) -> bool:
    return name.lower().endswith(".apk")


def detect(zf: ZipArchive, *, suffix: str = "") -> BundleLayout | None:
    """The bundle layout of ``zf``, or ``None`` when it holds no APK where bundles put them."""
    names = list(zf.members)
    root = sorted(n for n in names if _is_apk_name(n) and "/" not in n)
    splits = sorted(n for n in names if _is_apk_name(n) and n.startswith("splits/") and n.count("/") == 1)
    standalones = sorted(n for n in names if _is_apk_name(n) and n.startswith("standalones/") and n.count("/") == 1)
    warnings: list[str] = []
    if "toc.pb" in zf.members or splits or standalones:
        meta = _toc_meta(zf, warnings)
        if splits:
            parts = splits
            if standalones:
                warnings.append(f"{len(standalones)} standalone APK variant(s) not scanned (the split set is)")
        elif standalones:
            parts = standalones[:1]
            if len(standalones) > 1:
                warnings.append(
                    f"{len(standalones)} standalone variants; {standalones[0]} scanned (they carry the same code)"
                )
        elif root:
            parts = ["universal.apk"] if "universal.apk" in root else root
        else:
            return None
        return BundleLayout("bundle_apks", parts, meta, warnings)
    if not root:
        return None
    meta = None
    for fname, source in _META_FILES:
        if fname in zf.members:
            meta = _json_meta(zf, fname, source, warnings)
            break
    if meta is not None and meta.source == "xapk":
        kind = "bundle_xapk"
    elif (meta is not None and meta.source == "apkm") or suffix == ".apkm":
        kind = "bundle_apkm"
    else:
        kind = "bundle_apks"
    return BundleLayout(kind, root, meta, warnings)


# -- metadata readers --------------------------------------------------------------------------
def _read_small(zf: ZipArchive, name: str) -> bytes:
    return bytes(zf.read(name, cap=MAX_META_SIZE))


def _json_meta(zf: ZipArchive, name: str, source: str, warnings: list[str]) -> BundleMeta | None:
    try:
        doc = json.loads(_read_small(zf, name).decode("utf-8-sig"))
    except ApkError as exc:
        warnings.append(f"{name} not read: {exc.detail}")
        return None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        warnings.append(f"{name} is not valid JSON: {str(exc)[:120]}")
        return None
    if not isinstance(doc, dict):
        warnings.append(f"{name} is not a JSON object")
        return None
    if source == "xapk":
        keys = ("package_name", "name", "version_name", "version_code")
    elif source == "apkm":
        keys = ("pname", "app_name", "release_version", "versioncode")
    else:
        keys = ("package", "label", "version_name", "version_code")
    pkg, label, vname, vcode = (doc.get(k) for k in keys)
    return BundleMeta(source, _text(pkg), _text(label), _text(vname), _int(vcode))


def _text(v: Any) -> str | None:
    if isinstance(v, str) and v and len(v) <= 1024:
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return None


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if 0 <= v < 1 << 63 else None
    if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 19:
        return int(v)
    return None


def _toc_meta(zf: ZipArchive, warnings: list[str]) -> BundleMeta | None:
    if "toc.pb" not in zf.members:
        return None
    try:
        package = toc_package_name(_read_small(zf, "toc.pb"))
    except (ApkError, ValueError) as exc:
        warnings.append(f"toc.pb not read: {exc}")
        return None
    return BundleMeta("bundletool", package)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def toc_package_name(buf: bytes) -> str | None:
    """``package_name`` (field 4) of bundletool's ``BuildApksResult`` message, if present.

    Walks the top-level fields only (wire types 0, 1, 2, 5), so nested variants are skipped by
    length without being parsed. Anything malformed raises ``ValueError``.
    """
    pos = 0
    package = None
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > len(buf):
                raise ValueError("length-delimited field runs past the end")
            if number == 4:
                package = buf[pos : pos + length].decode("utf-8", "replace")
            pos += length
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > len(buf):
            raise ValueError("field runs past the end")
    return package or None
