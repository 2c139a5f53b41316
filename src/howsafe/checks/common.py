"""Helpers the check modules share: reading properties and settings as evidence, and telling a
running phone from a firmware image. No knowledge and no judgement here.
"""

from __future__ import annotations

from howsafe.model import Evidence, Package, Snapshot, SourceKind
from howsafe.parse.numbers import strict_int

GETPROP = "getprop"
# Keys only a booted phone has (build.prop files may carry other ro.boot.* defaults).
_RUNTIME_PREFIXES = (
    "init.svc.",
    "sys.boot_completed",
    "dev.bootcomplete",
    "ro.boot.verifiedbootstate",
    "ro.boot.flash.locked",
    "ro.boot.serialno",
    "ro.boottime.",
    "ro.runtime.",
    "sys.usb.state",
    "ro.crypto.state",
)


def prop(snap: Snapshot, key: str) -> str | None:
    """A property value, stripped; empty strings count as absent."""
    value = snap.properties.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def prop_evidence(snap: Snapshot, key: str) -> Evidence:
    return Evidence(kind="property", key=key, value=snap.properties.get(key), source=GETPROP)


def setting_evidence(namespace: str, key: str, value: str | None) -> Evidence:
    return Evidence(kind="setting", key=f"{namespace}/{key}", value=value, source=f"settings {namespace}")


def _has_runtime_props(snap: Snapshot) -> bool:
    return any(k.startswith(_RUNTIME_PREFIXES) for k in snap.properties)


def is_static(snap: Snapshot) -> bool:
    """True for firmware images: build properties only, no state of a running phone.

    A source may label itself FIRMWARE; a folder whose getprop holds properties but none that
    only a booted phone sets is a build.prop merge from a firmware dump and is treated the same.
    """
    if snap.source.kind is SourceKind.FIRMWARE:
        return True
    return bool(snap.properties) and not _has_runtime_props(snap)


def runtime_visible(snap: Snapshot) -> bool:
    """True when the snapshot holds properties only a booted phone has (a live getprop)."""
    return not is_static(snap) and _has_runtime_props(snap)


def package_list_partial(snap: Snapshot) -> bool:
    """True when the package list is known to be filtered or truncated (absence proves nothing)."""
    return any(m.item == "packages" for m in snap.missing)


def has_permission_data(snap: Snapshot) -> bool:
    return any(p.granted_permissions is not None for p in snap.packages or ())


def is_user_app(pkg: Package) -> bool:
    """An app the owner (or someone) installed, not part of the firmware. Unknown counts as no."""
    if pkg.system is not None:
        return not pkg.system
    return any(path.startswith("/data/app") for path in pkg.apk_paths) and not pkg.apk_paths[0].startswith(
        ("/system", "/product", "/vendor", "/odm", "/system_ext", "/apex")
    )


def sdk_of(snap: Snapshot) -> int | None:
    if snap.device.sdk is not None:
        return snap.device.sdk
    raw = prop(snap, "ro.build.version.sdk")
    return strict_int(raw, max_digits=9)
