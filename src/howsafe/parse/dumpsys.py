"""Full ``dumpsys`` output split into services, and the few service dumps howsafe reads.

``dumpsys`` with no argument prints every service after a separator::

    -------------------------------------------------------------------------------
    DUMP OF SERVICE accessibility:
    ...
    --------- 0.003s was the duration of dumpsys accessibility, ending at: 2024-05-01 10:00:00

Bugreports add a priority (``DUMP OF SERVICE CRITICAL SurfaceFlinger:``); both are handled.

Service dumps parsed here (AOSP formats, stable across releases with small variations):

* ``accessibility``: ``Enabled services:{{pkg/cls}, {pkg/cls}}`` inside the user state;
* ``device_policy``: ``Enabled Device Admins (User 0, provisioningState: 0):`` then one
  ``pkg/cls:`` line per admin;
* ``notification``: ManagedServices dump, ``All notification listeners (N) enabled for current
  profiles:`` then one component per line (also ``Live notification listeners``);
* ``backup``: ``Backup Manager is enabled / setup complete / not pending init`` and the
  ``Available transports:`` list where ``  * `` marks the current one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from howsafe.parse.text import decode_text

_SERVICE_HEAD = re.compile(
    r"^DUMP OF SERVICE (?:(?:CRITICAL|HIGH|NORMAL) )?(?P<name>[^\s:]+):\s*$", re.MULTILINE
)
_DURATION = re.compile(r"^-+ [\d.]+s was the duration of dumpsys .*$", re.MULTILINE)
_COMPONENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*/[A-Za-z0-9_.$]+")


def split_dumpsys(data: bytes | str) -> dict[str, str]:
    """Split full ``dumpsys`` output into ``{service name: its dump}`` (first dump of a name wins)."""
    text = decode_text(data)
    heads = list(_SERVICE_HEAD.finditer(text))
    sections: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end]
        stop = _DURATION.search(body)
        if stop:
            body = body[: stop.start()]
        body = body.rstrip().removesuffix("-" * 79).rstrip("-\n ")
        sections.setdefault(head.group("name"), body.strip("\n"))
    return sections


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_accessibility(data: bytes | str) -> tuple[str, ...]:
    """Enabled accessibility services (``pkg/cls``) of every user shown."""
    text = decode_text(data)
    found: list[str] = []
    for m in re.finditer(r"enabled services:\s*\{(.*)\}\s*$", text, re.IGNORECASE | re.MULTILINE):
        found.extend(_COMPONENT.findall(m.group(1)))
    return _dedupe(found)


def parse_device_policy(data: bytes | str) -> tuple[str, ...]:
    """Active device admin components from ``dumpsys device_policy``."""
    lines = decode_text(data).split("\n")
    found: list[str] = []
    admin_indent: int | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("Enabled Device Admins"):
            admin_indent = indent
            continue
        if admin_indent is None or not stripped:
            continue
        if indent <= admin_indent:
            admin_indent = None
            continue
        m = _COMPONENT.match(stripped)
        if m and stripped.endswith(":") and m.group(0) == stripped[:-1]:
            found.append(m.group(0))
    return _dedupe(found)


def parse_notification_listeners(data: bytes | str) -> tuple[str, ...]:
    """Enabled notification listener components from ``dumpsys notification``."""
    lines = decode_text(data).split("\n")
    found: list[str] = []
    list_indent: int | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        lowered = stripped.lower()
        if lowered.startswith(("all notification listeners", "live notification listeners")) and (
            lowered.endswith(":")
        ):
            list_indent = indent
            continue
        if list_indent is None or not stripped:
            continue
        if indent <= list_indent:
            list_indent = None
            continue
        m = re.search(r"ComponentInfo\{([^}]+)\}", stripped)
        if m:
            found.append(m.group(1))
            continue
        m2 = _COMPONENT.match(stripped)
        if m2:
            found.append(m2.group(0))
    return _dedupe(found)


@dataclass(frozen=True, slots=True)
class BackupState:
    enabled: bool | None = None
    transport: str | None = None


_BACKUP_STATE = re.compile(r"Backup Manager is (enabled|disabled)")


def parse_backup(data: bytes | str) -> BackupState:
    """Whether backup is on and which transport is current (``dumpsys backup``)."""
    text = decode_text(data)
    m = _BACKUP_STATE.search(text)
    enabled = None if m is None else m.group(1) == "enabled"
    transport: str | None = None
    in_list = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.endswith("Available transports:"):
            in_list = True
            continue
        if in_list:
            if line.startswith("  * ") or stripped.startswith("* "):
                transport = stripped[2:].strip()
                break
            if stripped and not line.startswith(" "):
                in_list = False
    return BackupState(enabled=enabled, transport=transport)
