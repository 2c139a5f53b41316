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

import msgspec

from howsafe.parse.text import decode_text, iter_lines

_SERVICE_HEAD = re.compile(r"^DUMP OF SERVICE (?:(?:CRITICAL|HIGH|NORMAL) )?(?P<name>[^\s:]+):\s*$", re.MULTILINE)
_DURATION = re.compile(r"^-+ [\d.]+s was the duration of dumpsys .*$", re.MULTILINE)
_COMPONENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*/[A-Za-z0-9_.$]+")


def split_dumpsys(data: bytes | str) -> dict[str, str]:
    """Split full ``dumpsys`` output into ``{service name: its dump}`` (first dump of a name wins)."""
    text = decode_text(data)
    heads = _SERVICE_HEAD.finditer(text)
    sections: dict[str, str] = {}
    head = next(heads, None)
    while head is not None:
        following = next(heads, None)
        end = following.start() if following is not None else len(text)
        if head.group("name") in sections:
            head = following
            continue
        body = text[head.end() : end]
        stop = _DURATION.search(body)
        if stop:
            body = body[: stop.start()]
        body = body.rstrip().removesuffix("-" * 79).rstrip("-\n ")
        sections[head.group("name")] = body.strip("\n")
        head = following
    return sections


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_accessibility(data: bytes | str) -> tuple[str, ...]:
    """Enabled accessibility services (``pkg/cls``) of every user shown."""
    found: list[str] = []
    for line in iter_lines(decode_text(data)):
        at = line.lower().find("enabled services:")
        if at < 0:
            continue
        rest = line[at + len("enabled services:") :].strip()
        if len(rest) >= 2 and rest[0] == "{" and rest[-1] == "}":
            found.extend(find_components(rest[1:-1]))
    return _dedupe(found)


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")
_CLASS_CHARS = _NAME_CHARS | {"$"}


def find_components(text: str) -> list[str]:
    """Every ``pkg/cls`` component name in ``text``, as ``_COMPONENT.findall`` would list them,
    in one linear pass: a regex scan restarts at each letter of a long run without ``/`` (quadratic)."""
    found: list[str] = []
    consumed = 0
    slash = text.find("/")
    while slash >= 0:
        start = slash
        while start > consumed and text[start - 1] in _NAME_CHARS:
            start -= 1
        while start < slash and text[start] == ".":
            start += 1
        end = slash + 1
        while end < len(text) and text[end] in _CLASS_CHARS:
            end += 1
        if start < slash and end > slash + 1:
            found.append(text[start:end])
            consumed = end
        else:
            consumed = slash + 1
        slash = text.find("/", max(consumed, slash + 1))
    return found


def parse_device_policy(data: bytes | str) -> tuple[str, ...]:
    """Active device admin components from ``dumpsys device_policy``."""
    lines = iter_lines(decode_text(data))
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
    lines = iter_lines(decode_text(data))
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
        head = stripped.find("ComponentInfo{")
        close = stripped.find("}", head + len("ComponentInfo{")) if head >= 0 else -1
        if close > head + len("ComponentInfo{"):
            found.append(stripped[head + len("ComponentInfo{") : close])
            continue
        m2 = _COMPONENT.match(stripped)
        if m2:
            found.append(m2.group(0))
    return _dedupe(found)


class BackupState(msgspec.Struct, frozen=True):
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
    for line in iter_lines(text):
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
