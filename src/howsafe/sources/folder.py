"""A folder (or zip) of saved adb outputs, the layout people paste and keep.

File names are matched case-insensitively; the first name found for a key wins::

    getprop.txt                      getprop (getprop.raw.txt when only the raw capture exists)
    packages.txt, packages-f.txt     pm list packages (all present are merged: ids and paths)
    packages.partial.txt             a filtered/truncated list: read, and marked partial
    settings_global.txt ...          settings list global|secure|system
    dumpsys_package.txt (or dumpsys_packages.txt), dumpsys.txt, dumpsys_<service>.txt
    getenforce.txt / selinux.txt, ps.txt / processes.txt, proc_version.txt,
    root_binaries.txt / root_binaries.json

A folder with ``apk_paths.tsv`` or ``raw/*.prop`` is an unpacked firmware image: properties come
from build.prop files and packages from the image, and every runtime fact is marked missing with
the reason "static firmware dump" (their absence is not a finding).
"""

from __future__ import annotations

import csv
import io
import logging

from msgspec.structs import replace

from howsafe.errors import CorruptInputError, InputError
from howsafe.model import Missing, Package, Snapshot, SourceInfo, SourceKind
from howsafe.parse.numbers import strict_int
from howsafe.parse.text import decode_text
from howsafe.sources.assemble import NOT_IN_SOURCE, snapshot_from_outputs
from howsafe.sources.containers import Container, find, skipped_entries

log = logging.getLogger(__name__)

FIRMWARE_REASON = "static firmware dump"
PARTIAL_REASON = "partial package list (filtered or truncated by whoever saved it)"

# canonical key -> file names, in order of preference
FOLDER_FILES: dict[str, tuple[str, ...]] = {
    "getprop": ("getprop.txt", "getprop.raw.txt", "build.prop.getprop.txt"),
    "settings_global": ("settings_global.txt", "settings-global.txt"),
    "settings_secure": ("settings_secure.txt", "settings-secure.txt"),
    "settings_system": ("settings_system.txt", "settings-system.txt"),
    "packages_disabled": ("packages-d.txt", "packages_disabled.txt"),
    "packages_system": ("packages-s.txt", "packages_system.txt"),
    "packages_third_party": ("packages-3.txt", "packages_third_party.txt", "packages_thirdparty.txt"),
    "dumpsys_package": ("dumpsys_package.txt", "dumpsys_packages.txt", "dumpsys-package.txt", "package.txt"),
    "dumpsys": ("dumpsys.txt",),
    "dumpsys_accessibility": ("dumpsys_accessibility.txt",),
    "dumpsys_device_policy": ("dumpsys_device_policy.txt",),
    "dumpsys_notification": ("dumpsys_notification.txt",),
    "dumpsys_backup": ("dumpsys_backup.txt",),
    "getenforce": ("getenforce.txt", "selinux.txt"),
    "ps": ("ps.txt", "processes.txt", "ps-A.txt"),
    "proc_version": ("proc_version.txt", "version.txt", "kernel.txt"),
    "root_binaries": ("root_binaries.txt", "root_binaries.json"),
}
PACKAGE_FILES = ("packages.txt", "packages-f.txt", "packages_f.txt", "pm_list_packages.txt")
PARTIAL_PACKAGE_FILES = ("packages.partial.txt",)

# Runtime state a firmware image cannot hold.
_RUNTIME_ITEMS = frozenset({
    "settings.global", "settings.secure", "settings.system", "dumpsys.package",
    "special_access.accessibility_services", "special_access.device_admins",
    "special_access.notification_listeners", "backup", "selinux", "processes", "kernel",
    "root_binaries",
})  # fmt: skip


def is_firmware(container: Container) -> bool:
    names = container.names()
    return any(n.split("/")[-1] == "apk_paths.tsv" for n in names) or any(
        n.startswith("raw/") and n.endswith(".prop") for n in names
    )


# Byte caps per output, so that memory (not only bytes read) stays bounded: each output is held
# as bytes and as text while parsed. A full ``dumpsys`` of a busy phone is tens of MiB; the other
# outputs are far smaller on any real phone (a package list of 3,000 apps with paths is < 1 MiB).
_MiB = 1024 * 1024
OUTPUT_LIMITS: dict[str, int] = {
    "getprop": 16 * _MiB, "settings_global": 32 * _MiB, "settings_secure": 32 * _MiB,
    "settings_system": 32 * _MiB, "packages": 64 * _MiB, "packages_disabled": 32 * _MiB,
    "packages_system": 32 * _MiB, "packages_third_party": 32 * _MiB, "getenforce": 1 * _MiB,
    "ps": 64 * _MiB, "proc_version": 1 * _MiB, "root_binaries": 16 * _MiB,
}  # fmt: skip


def gather_outputs(container: Container) -> tuple[dict[str, str], list[str], bool]:
    """Read the known files: (outputs by canonical key, files read, package list is partial)."""
    outputs: dict[str, str] = {}
    read: list[str] = []
    for key, names in FOLDER_FILES.items():
        name = find(container, *names, max_depth=0)
        if name is not None:
            limit = OUTPUT_LIMITS.get(key)
            outputs[key] = decode_text(container.read(name, limit=limit) if limit else container.read(name))
            read.append(name)
    pkg_texts: list[str] = []
    for candidate in PACKAGE_FILES:
        name = find(container, candidate, max_depth=0)
        if name is not None and name not in read:
            pkg_texts.append(decode_text(container.read(name, limit=OUTPUT_LIMITS["packages"])))
            read.append(name)
    partial = False
    if not pkg_texts:
        name = find(container, *PARTIAL_PACKAGE_FILES, max_depth=0)
        if name is not None:
            pkg_texts.append(decode_text(container.read(name, limit=OUTPUT_LIMITS["packages"])))
            read.append(name)
            partial = True
    if pkg_texts:
        outputs["packages"] = "\n".join(pkg_texts)
    return outputs, read, partial


def ensure_usable(snapshot: Snapshot) -> Snapshot:
    """Refuse a snapshot in which every file read turned out empty or unreadable (junk bytes
    under a known name): nothing in it could be audited, and an empty record would look clean."""
    if snapshot.properties or snapshot.packages or snapshot.processes or any(snapshot.settings.values()):
        return snapshot
    raise CorruptInputError(
        f"{snapshot.source.location}: the dump files hold no readable data "
        f"({', '.join(snapshot.source.files) or 'none'}); are they binary or damaged?"
    )


def _firmware_versions(container: Container) -> dict[str, tuple[int | None, str | None, int | None]]:
    """versionCode/versionName/targetSdk per id from ``apk_paths.tsv`` where the image had them."""
    name = find(container, "apk_paths.tsv", max_depth=0)
    if name is None:
        return {}
    rows = csv.DictReader(io.StringIO(decode_text(container.read(name))), delimiter="\t")
    result: dict[str, tuple[int | None, str | None, int | None]] = {}
    for row in rows:
        pkg = (row.get("package") or "").strip()
        code = (row.get("versionCode") or "").strip()
        if not pkg or not code or pkg in result:
            continue
        target = (row.get("targetSdk") or "").strip()
        result[pkg] = (
            strict_int(code),
            (row.get("versionName") or "").strip() or None,
            strict_int(target),
        )
    return result


def load_folder(container: Container, *, redact: bool, location: str | None = None) -> Snapshot:
    """Snapshot of a folder of saved outputs, or of an unpacked firmware image."""
    outputs, read, partial = gather_outputs(container)
    if not outputs:
        raise InputError(
            f"{container.location}: no known dump files (expected getprop.txt, packages.txt, "
            "settings_*.txt, dumpsys*.txt, an androidqf acquisition or a bugreport)"
        )
    firmware = is_firmware(container)
    source = SourceInfo(
        kind=SourceKind.FIRMWARE if firmware else SourceKind.FOLDER,
        location=location or container.location,
        tool="firmware image (build.prop files and preinstalled APKs)" if firmware else "",
        files=tuple(read),
        skipped=skipped_entries(container),
    )
    snapshot = ensure_usable(snapshot_from_outputs(outputs, source=source, redact=redact))
    missing = list(snapshot.missing)
    update: dict[str, object] = {}
    if partial:
        missing.append(Missing(item="packages", reason=PARTIAL_REASON))
    if firmware:
        missing = [
            replace(m, reason=FIRMWARE_REASON) if m.item in _RUNTIME_ITEMS and m.reason == NOT_IN_SOURCE else m
            for m in missing
        ]
        missing.append(Missing(item="integrity.boot_state", reason=FIRMWARE_REASON))
        versions = _firmware_versions(container)
        if snapshot.packages is not None:
            update["packages"] = tuple(_firmware_package(p, versions) for p in snapshot.packages)
    update["missing"] = tuple(missing)
    return replace(snapshot, **update)


def _firmware_package(pkg: Package, versions: dict[str, tuple[int | None, str | None, int | None]]) -> Package:
    """Every APK of a firmware image is preinstalled: a system app with no installer."""
    code, name, target = versions.get(pkg.id, (None, None, None))
    return replace(
        pkg,
        system=True,
        version_code=pkg.version_code if pkg.version_code is not None else code,
        version_name=pkg.version_name or name,
        target_sdk=pkg.target_sdk if pkg.target_sdk is not None else target,
    )
