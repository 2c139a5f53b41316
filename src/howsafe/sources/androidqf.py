"""androidqf acquisitions (folder or zip; https://github.com/mvt-project/androidqf).

Files read, in androidqf's own formats: ``getprop.txt``, ``settings_{system,secure,global}.txt``
(``cmd settings list``), ``dumpsys.txt`` (full dumpsys), ``processes.txt`` (``ps -A`` text or the
on-device collector's JSON list) or ``ps.txt``, ``selinux.txt`` (``getenforce``),
``root_binaries.json`` (JSON list of ``which -a`` outputs), ``packages.json`` (a list of
``{name, installer, uid, disabled, system, third_party, files: [{path, sha256, certificate:
{Sha256, ...}}]}``; newer releases add ``user_id`` and ``installed``), ``acquisition.json``
(``androidqf_version``, ``started``). ``bugreport.zip`` is read only for what the other files
lack. Members may sit under one top folder (the acquisition UUID).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from howsafe.errors import CorruptInputError, InputError
from howsafe.model import Snapshot, SourceInfo, SourceKind
from howsafe.parse.text import decode_text
from howsafe.sources.assemble import snapshot_from_outputs
from howsafe.sources.bugreport import is_bugreport_zip, main_entry, outputs_from_bugreport_text
from howsafe.sources.containers import Container, FolderContainer, ZipContainer, find
from howsafe.sources.folder import ensure_usable

log = logging.getLogger(__name__)

_TEXT_FILES: dict[str, tuple[str, ...]] = {
    "getprop": ("getprop.txt",),
    "settings_global": ("settings_global.txt",),
    "settings_secure": ("settings_secure.txt",),
    "settings_system": ("settings_system.txt",),
    "dumpsys": ("dumpsys.txt",),
    "ps": ("processes.txt", "ps.txt"),
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


def _packages_outputs(items: Any) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Render packages.json as ``pm list`` outputs (one parser for both) plus signer digests."""
    if not isinstance(items, list):
        raise CorruptInputError("packages.json is not a list of packages")
    lines: list[str] = []
    flags: dict[str, list[str]] = {"packages_disabled": [], "packages_system": [], "packages_third_party": []}
    signers: dict[str, tuple[str, ...]] = {}
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
        digests: list[str] = []
        for f in files:
            cert = f.get("certificate") if isinstance(f, dict) else None
            digest = cert.get("Sha256") if isinstance(cert, dict) else None
            if isinstance(digest, str) and digest and digest.lower() not in digests:
                digests.append(digest.lower())
        if digests:
            signers[name] = tuple(digests)
    outputs = {"packages": "\n".join(lines)}
    outputs.update({k: "\n".join(v) for k, v in flags.items()})
    return outputs, signers


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
    signers: dict[str, tuple[str, ...]] = {}
    pkg_name = find(container, "packages.json")
    if pkg_name is not None:
        pkg_outputs, signers = _packages_outputs(_json(container, pkg_name))
        outputs.update(pkg_outputs)
        read.append(pkg_name)
    if "getprop" not in outputs or "dumpsys" not in outputs:
        _fill_from_bugreport(container, outputs, read)
    if not outputs:
        raise InputError(
            f"{container.location}: an androidqf acquisition with none of the files howsafe reads"
        )
    tool, started = _acquisition_info(container)
    source = SourceInfo(
        kind=SourceKind.ANDROIDQF,
        location=container.location,
        collected_at=started,
        tool=tool,
        files=tuple(read),
    )
    snapshot = ensure_usable(snapshot_from_outputs(outputs, source=source, redact=redact))
    if signers and snapshot.packages:
        packages = tuple(
            p.model_copy(update={"signer_sha256": signers[p.id]}) if p.id in signers else p
            for p in snapshot.packages
        )
        snapshot = snapshot.model_copy(update={"packages": packages})
    return snapshot


def _fill_from_bugreport(container: Container, outputs: dict[str, str], read: list[str]) -> None:
    name = find(container, "bugreport.zip")
    if name is None:
        return
    if isinstance(container, ZipContainer):
        inner = container.nested(name)
    elif isinstance(container, FolderContainer):
        inner = ZipContainer(container.root / name, location=f"{container.location}/{name}")
    else:  # pragma: no cover - only two container kinds exist
        return
    if not is_bugreport_zip(inner):
        log.warning("%s is not a bugreport archive; ignored", name)
        return
    entry = main_entry(inner)
    found, _ = outputs_from_bugreport_text(decode_text(inner.read(entry)))
    for key, text in found.items():
        outputs.setdefault(key, text)
    read.append(f"{name}:{entry}")
