"""androidqf acquisitions (folder or zip; https://github.com/mvt-project/androidqf).

Files read, in androidqf's own formats: ``getprop.txt``, ``settings_{system,secure,global}.txt``
(``cmd settings list``), ``dumpsys.txt`` (full dumpsys), ``processes.txt`` (``ps -A`` text or the
on-device collector's JSON list) or ``ps.txt``, ``selinux.txt`` (``getenforce``),
``root_binaries.json`` (JSON list of ``which -a`` outputs), ``packages.json`` (a list of
``{name, installer, uid, disabled, system, third_party, files: [{path, md5, sha1, sha256,
certificate: {Md5, Sha1, Sha256, ...}}]}``; newer releases add ``user_id`` and ``installed``),
``processes.json`` (the collector's process list, preferred to ``processes.txt``/``ps.txt``),
``files.json`` (the file listing with hashes, a JSON list or one object per line), ``acquisition.json``
(``androidqf_version``, ``started``). ``bugreport.zip`` is read only for what the other files
lack. Members may sit under one top folder (the acquisition UUID).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import msgspec
from msgspec.structs import replace

from howsafe.errors import CorruptInputError, InputError
from howsafe.model import FileEntry, FileHashes, Package, Snapshot, SourceInfo, SourceKind
from howsafe.parse.text import decode_text
from howsafe.sources.assemble import snapshot_from_outputs
from howsafe.sources.bugreport import is_bugreport_zip, main_entry, outputs_from_bugreport_text
from howsafe.sources.containers import MAX_NESTED_ZIP_BYTES, Container, ZipContainer, find, skipped_entries
from howsafe.sources.folder import ensure_usable

log = logging.getLogger(__name__)

_TEXT_FILES: dict[str, tuple[str, ...]] = {
    "getprop": ("getprop.txt",),
    "settings_global": ("settings_global.txt",),
    "settings_secure": ("settings_secure.txt",),
    "settings_system": ("settings_system.txt",),
    "dumpsys": ("dumpsys.txt",),
    "ps": ("processes.json", "processes.txt", "ps.txt"),
    "getenforce": ("selinux.txt",),
    "root_binaries": ("root_binaries.json",),
}
MARKERS = ("acquisition.json", "packages.json")


def is_androidqf(container: Container) -> bool:
    return any(find(container, m) is not None for m in MARKERS)


def _json(container: Container, name: str) -> Any:
    try:
        return json.loads(decode_text(container.read(name)))
    except (ValueError, RecursionError) as exc:
        raise CorruptInputError(f"{container.location}:{name}: not valid JSON ({exc})") from exc


def _hex(value: Any, length: int) -> str | None:
    """A hex digest of ``length`` characters (colons allowed), lower-cased; None otherwise."""
    if not isinstance(value, str):
        return None
    v = value.replace(":", "").strip().lower()
    return v if len(v) == length and all(c in "0123456789abcdef" for c in v) else None


def _file_hashes(f: dict[str, Any], path: str) -> FileHashes | None:
    hashes = FileHashes(
        path=path, md5=_hex(f.get("md5"), 32), sha1=_hex(f.get("sha1"), 40), sha256=_hex(f.get("sha256"), 64)
    )
    return hashes if hashes.md5 or hashes.sha1 or hashes.sha256 else None


class _PackageExtras(msgspec.Struct):
    """What packages.json says beyond a ``pm list`` line: signer digests and APK hashes."""

    sha256: list[str] = msgspec.field(default_factory=list)
    sha1: list[str] = msgspec.field(default_factory=list)
    md5: list[str] = msgspec.field(default_factory=list)
    apks: list[FileHashes] = msgspec.field(default_factory=list)

    def update(self, pkg: Package) -> Package:
        return replace(
            pkg,
            signer_sha256=tuple(self.sha256) or pkg.signer_sha256,
            signer_sha1=tuple(self.sha1) or pkg.signer_sha1,
            signer_md5=tuple(self.md5) or pkg.signer_md5,
            apk_hashes=tuple(self.apks) or pkg.apk_hashes,
        )


def _packages_outputs(items: Any) -> tuple[dict[str, str], dict[str, _PackageExtras]]:
    """Render packages.json as ``pm list`` outputs (one parser for both) plus signer digests
    (``certificate: {Md5, Sha1, Sha256}``) and APK file hashes (``files[].md5/sha1/sha256``)."""
    if not isinstance(items, list):
        raise CorruptInputError("packages.json is not a list of packages")
    lines: list[str] = []
    flags: dict[str, list[str]] = {"packages_disabled": [], "packages_system": [], "packages_third_party": []}
    extras: dict[str, _PackageExtras] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        if item.get("user_id") not in (None, 0) or item.get("installed") is False:
            continue
        name = item["name"]
        raw_files = item.get("files")
        files: list[Any] = raw_files if isinstance(raw_files, list) else []
        paths = [f["path"] for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
        installer = item.get("installer") if isinstance(item.get("installer"), str) else ""
        uid = item.get("uid") if isinstance(item.get("uid"), int) else None
        extra = f" installer={installer or 'null'}" + (f" uid:{uid}" if uid is not None else "")
        for path in paths or [None]:
            head = f"{path}={name}" if path else name
            lines.append(f"package:{head}{extra}")
        for flag, key in (
            ("disabled", "packages_disabled"),
            ("system", "packages_system"),
            ("third_party", "packages_third_party"),
        ):
            if item.get(flag) is True:
                flags[key].append(f"package:{name}")
        found = _PackageExtras()
        for f in files:
            if not isinstance(f, dict):
                continue
            if isinstance(f.get("path"), str):
                hashes = _file_hashes(f, f["path"])
                if hashes is not None:
                    found.apks.append(hashes)
            cert = f.get("certificate")
            if not isinstance(cert, dict):
                continue
            for key, length, bucket in (("Sha256", 64, found.sha256), ("Sha1", 40, found.sha1), ("Md5", 32, found.md5)):
                digest = _hex(cert.get(key) or cert.get(key.lower()), length)
                if digest and digest not in bucket:
                    bucket.append(digest)
        if found.sha256 or found.sha1 or found.md5 or found.apks:
            extras[name] = found
    outputs = {"packages": "\n".join(lines)}
    outputs.update({k: "\n".join(v) for k, v in flags.items()})
    return outputs, extras


MAX_FILE_ENTRIES = 2_000_000


def _files_listing(container: Container, name: str) -> tuple[FileEntry, ...]:
    """androidqf ``files.json``: a JSON list of ``{path, size, mode, sha256, ...}``, or one JSON
    object per line (older collectors)."""
    text = decode_text(container.read(name))
    try:
        loaded: Any = json.loads(text)
    except (ValueError, RecursionError):
        loaded = []
        for line in text.splitlines():
            if line.strip():
                try:
                    loaded.append(json.loads(line))
                except (ValueError, RecursionError):
                    continue
    if not isinstance(loaded, list):
        raise CorruptInputError(f"{container.location}:{name}: not a list of files")
    entries: list[FileEntry] = []
    for item in loaded[:MAX_FILE_ENTRIES]:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        size = item.get("size")
        mode = item.get("mode")
        entries.append(
            FileEntry(
                path=item["path"],
                md5=_hex(item.get("md5"), 32),
                sha1=_hex(item.get("sha1"), 40),
                sha256=_hex(item.get("sha256"), 64),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                mode=mode if isinstance(mode, str) else None,
            )
        )
    return tuple(entries)


def _acquisition_info(container: Container) -> tuple[str, dt.datetime | None]:
    name = find(container, "acquisition.json")
    if name is None:
        return "androidqf", None
    info = _json(container, name)
    if not isinstance(info, dict):
        return "androidqf", None
    version = info.get("androidqf_version")
    tool = f"androidqf {version}" if isinstance(version, str) and version else "androidqf"
    started = info.get("started")
    when: dt.datetime | None = None
    if isinstance(started, str):
        try:
            when = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            when = None
    return tool, when


def load_androidqf(container: Container, *, redact: bool) -> Snapshot:
    outputs: dict[str, str] = {}
    read: list[str] = []
    for key, names in _TEXT_FILES.items():
        name = find(container, *names)
        if name is not None:
            outputs[key] = decode_text(container.read(name))
            read.append(name)
    extras: dict[str, _PackageExtras] = {}
    pkg_name = find(container, "packages.json")
    if pkg_name is not None:
        pkg_outputs, extras = _packages_outputs(_json(container, pkg_name))
        outputs.update(pkg_outputs)
        read.append(pkg_name)
    files: tuple[FileEntry, ...] | None = None
    files_name = find(container, "files.json")
    if files_name is not None:
        files = _files_listing(container, files_name)
        read.append(files_name)
    if "getprop" not in outputs or "dumpsys" not in outputs:
        _fill_from_bugreport(container, outputs, read)
    if not outputs:
        raise InputError(f"{container.location}: an androidqf acquisition with none of the files howsafe reads")
    tool, started = _acquisition_info(container)
    source = SourceInfo(
        kind=SourceKind.ANDROIDQF,
        location=container.location,
        collected_at=started,
        tool=tool,
        files=tuple(read),
        skipped=skipped_entries(container),
    )
    snapshot = ensure_usable(snapshot_from_outputs(outputs, source=source, redact=redact))
    if extras and snapshot.packages:
        packages = tuple(extras[p.id].update(p) if p.id in extras else p for p in snapshot.packages)
        snapshot = replace(snapshot, packages=packages)
    if files is not None:
        snapshot = replace(snapshot, files=files)
    return snapshot


def _fill_from_bugreport(container: Container, outputs: dict[str, str], read: list[str]) -> None:
    name = find(container, "bugreport.zip")
    if name is None:
        return
    if isinstance(container, ZipContainer):
        inner = container.nested(name)
    else:  # read through the container: a folder's bugreport.zip may be a link out of the dump
        inner = ZipContainer(container.read(name, limit=MAX_NESTED_ZIP_BYTES), location=f"{container.location}/{name}")
    if not is_bugreport_zip(inner):
        log.warning("%s is not a bugreport archive; ignored", name)
        return
    entry = main_entry(inner)
    found, _ = outputs_from_bugreport_text(decode_text(inner.read(entry)))
    for key, text in found.items():
        outputs.setdefault(key, text)
    read.append(f"{name}:{entry}")
