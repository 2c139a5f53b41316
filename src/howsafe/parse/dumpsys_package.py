"""``dumpsys package`` (or ``dumpsys package <id>``): per-package state from the package manager.

Only the ``Packages:`` section is read (``Hidden system packages:`` repeats the factory copies of
updated system apps and would shadow the live ones). The format has been stable since Android 5
with additions; recognised per-package lines (indent varies by release)::

    Package [com.example] (1a2b3c4):
      userId=10123                  (appId= on newer releases)
      codePath=/data/app/~~Q==/com.example-R==/
      versionCode=42 minSdk=24 targetSdk=34
      versionName=4.2
      flags=[ SYSTEM HAS_CODE ALLOW_BACKUP ]      pkgFlags=[ ... ] on old releases
      firstInstallTime=2024-01-02 03:04:05
      lastUpdateTime=2024-01-02 03:04:05
      installerPackageName=com.android.vending
      signatures=PackageSignatures{d3 version:2, signatures:[5a6b7c8d], past signatures:[]}
      requested permissions:        (names, some with ``: restricted=true``)
      install permissions:          (``name: granted=true``)
      grantedPermissions:           (Android 5 and older: all granted)
      User 0: ceDataInode=1 installed=true hidden=false stopped=false enabled=0 ...
        runtime permissions:        (``name: granted=true, flags=[ ... ]``)

The ``signatures:[...]`` values are Java hash codes of the certificates, not digests: they are
skipped (never mistaken for SHA-256 fingerprints).
"""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from howsafe.parse.numbers import strict_int
from howsafe.parse.text import decode_text, iter_lines

_PKG_HEAD = re.compile(r"^\s*Package \[(?P<id>[^\]]+)\] \(")
_USER_LINE = re.compile(r"^\s*User (?P<user>[0-9]{1,9}):(?P<rest>.*)$")
_KV = re.compile(r"(\w+)=(\S+)")
_FLAGS = re.compile(r"\[(.*?)\]")

# ``enabled=`` in the user line: COMPONENT_ENABLED_STATE_* of PackageManager.
_ENABLED_STATES = {0: True, 1: True, 2: False, 3: False, 4: False}


class DumpsysPackage(msgspec.Struct, frozen=True):
    id: str
    uid: int | None = None
    version_code: int | None = None
    version_name: str | None = None
    target_sdk: int | None = None
    code_path: str | None = None
    system: bool | None = None
    flags: tuple[str, ...] = ()
    first_install: dt.datetime | None = None
    last_update: dt.datetime | None = None
    installer: str | None = None
    requested_permissions: tuple[str, ...] = ()
    granted_permissions: tuple[str, ...] = ()
    installed: bool | None = None
    enabled: bool | None = None
    enabled_state: int | None = None


class _Builder(msgspec.Struct):
    id: str
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    flags: list[str] = msgspec.field(default_factory=list)
    requested: list[str] = msgspec.field(default_factory=list)
    granted: list[str] = msgspec.field(default_factory=list)
    installed: bool | None = None
    enabled_state: int | None = None
    user_seen: int | None = None

    def build(self) -> DumpsysPackage:
        f = self.fields
        flags = tuple(dict.fromkeys(self.flags))
        system = "SYSTEM" in flags if flags else None
        installer = f.get("installerPackageName")
        return DumpsysPackage(
            id=self.id,
            uid=_int(f.get("userId") or f.get("appId")),
            version_code=_int(f.get("versionCode")),
            version_name=f.get("versionName"),
            target_sdk=_int(f.get("targetSdk")),
            code_path=f.get("codePath"),
            system=system,
            flags=flags,
            first_install=_time(f.get("firstInstallTime")),
            last_update=_time(f.get("lastUpdateTime")),
            installer=None if installer in (None, "", "null") else installer,
            requested_permissions=tuple(dict.fromkeys(self.requested)),
            granted_permissions=tuple(dict.fromkeys(self.granted)),
            installed=self.installed,
            enabled=_ENABLED_STATES.get(self.enabled_state) if self.enabled_state is not None else None,
            enabled_state=self.enabled_state,
        )


def _int(value: str | None) -> int | None:
    return strict_int(value, signed=True)


def _time(value: str | None) -> dt.datetime | None:
    """Device-local wall time as printed (``yyyy-MM-dd HH:mm:ss``); naive, the zone is not shown."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_dumpsys_package(data: bytes | str, *, user: int = 0) -> dict[str, DumpsysPackage]:
    """Parse the ``Packages:`` section; ``user`` picks whose runtime grants and enabled state count."""
    lines = iter_lines(decode_text(data))
    result: dict[str, DumpsysPackage] = {}
    in_packages = False
    current: _Builder | None = None
    block: str | None = None  # requested | install | runtime | legacy | other
    block_indent = 0
    in_user: int | None = None

    def finish() -> None:
        if current is not None and current.id not in result:
            result[current.id] = current.build()

    for line in lines:
        if not line.strip():
            continue
        indent = _indent(line)
        stripped = line.strip()
        if indent == 0:
            if stripped == "Packages:":
                in_packages = True
            elif in_packages:
                finish()
                current = None
                in_packages = False
            continue
        if not in_packages:
            continue
        head = _PKG_HEAD.match(line)
        if head:
            finish()
            current = _Builder(id=head.group("id"))
            block, in_user = None, None
            continue
        if current is None:
            continue
        if block is not None and indent > block_indent:
            name = stripped.split(":", 1)[0].strip()
            if block == "requested" or block == "legacy":
                current.requested.append(name)
                if block == "legacy":
                    current.granted.append(name)
            elif (block == "install" and "granted=true" in stripped) or (
                block == "runtime" and in_user == user and "granted=true" in stripped
            ):
                current.granted.append(name)
            continue
        block = None
        user_line = _USER_LINE.match(line)
        if user_line:
            in_user = strict_int(user_line.group("user"))
            if in_user == user or current.user_seen is None:
                kv = dict(_KV.findall(user_line.group("rest")))
                if "installed" in kv:
                    current.installed = kv["installed"] == "true"
                if strict_int(kv.get("enabled"), max_digits=3) is not None:
                    current.enabled_state = strict_int(kv["enabled"], max_digits=3)
                current.user_seen = in_user
            continue
        lowered = stripped.rstrip(":")
        if stripped.endswith(":") and lowered in (
            "requested permissions",
            "install permissions",
            "runtime permissions",
            "grantedPermissions",
        ):
            block = {
                "requested permissions": "requested",
                "install permissions": "install",
                "runtime permissions": "runtime",
                "grantedPermissions": "legacy",
            }[lowered]
            block_indent = indent
            continue
        if stripped.endswith(":") and "=" not in stripped:
            # another list (declared permissions, activities, disabledComponents ...): skip it whole
            block, block_indent = "other", indent
            continue
        if stripped.startswith(("flags=[", "pkgFlags=[")):
            m = _FLAGS.search(stripped)
            if m:
                current.flags.extend(m.group(1).split())
            continue
        if stripped.startswith("signatures="):
            continue  # certificate hash codes, not digests: nothing to keep
        if in_user is not None:
            continue  # other per-user detail (gids, disabledComponents, ...)
        if stripped.startswith(("firstInstallTime=", "lastUpdateTime=", "timeStamp=")):
            key, _, value = stripped.partition("=")
            current.fields.setdefault(key, value)
            continue
        if stripped.startswith("versionName="):
            current.fields.setdefault("versionName", stripped[len("versionName=") :])
            continue
        for key, value in _KV.findall(stripped):
            current.fields.setdefault(key, value)
    finish()
    return result
