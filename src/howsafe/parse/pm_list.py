"""``pm list packages`` output with any of ``-f -i -U -u -d -s -3 --show-versioncode``.

One line per package, e.g.::

    package:/data/app/~~Zx==/com.x-Yy==/base.apk=com.x  installer=com.android.vending uid:10123
    package:com.miui.analytics versionCode:2023061500 uid:1000
    package:com.android.chrome installer=null uid:10145,1010145

The same id may appear on several lines (several APK paths, or the same list pasted twice); the
records are merged. Which filter (``-d``, ``-s``, ``-3``) produced a list cannot be read from the
output itself, so this parser never sets system/enabled: the caller knows which list it asked for.
"""

from __future__ import annotations

import re

import msgspec

from howsafe.errors import TooLargeError
from howsafe.parse.numbers import strict_int
from howsafe.parse.text import decode_text, iter_lines

MAX_PACKAGES = 50_000
"""A phone has a few thousand packages at most; a list with more is not a real ``pm`` output and
would only cost memory (each record is kept until the snapshot is built)."""
MAX_PATHS = 64
"""Base APK plus splits of one package: real apps have a few dozen at most."""
MAX_TOKENS = 16
"""``pm list packages`` prints at most a path, an installer, a uid and a versionCode per line."""

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class PmPackage(msgspec.Struct, frozen=True):
    id: str
    apk_paths: tuple[str, ...] = ()
    installer: str | None = None
    uid: int | None = None
    version_code: int | None = None


def _merge(old: PmPackage, new: PmPackage) -> PmPackage:
    paths = old.apk_paths
    if new.apk_paths and len(paths) < MAX_PATHS:  # a repeated id must not grow without bound
        paths += tuple(p for p in new.apk_paths if p not in old.apk_paths)[: MAX_PATHS - len(paths)]
    if paths is old.apk_paths and (old.installer, old.uid, old.version_code) == (
        old.installer or new.installer,
        new.uid if old.uid is None else old.uid,
        new.version_code if old.version_code is None else old.version_code,
    ):
        return old
    return PmPackage(
        id=old.id,
        apk_paths=paths,
        installer=old.installer if old.installer is not None else new.installer,
        uid=old.uid if old.uid is not None else new.uid,
        version_code=old.version_code if old.version_code is not None else new.version_code,
    )


def _parse_line(line: str) -> PmPackage | None:
    body = line[len("package:") :]
    tokens = body.split(maxsplit=MAX_TOKENS)[:MAX_TOKENS]
    if not tokens:
        return None
    head = tokens[0]
    paths: tuple[str, ...] = ()
    if head.startswith("/") and "=" in head:
        path, _, pkg_id = head.rpartition("=")
        paths = (path,)
    else:
        pkg_id = head
    if not _ID.match(pkg_id):
        return None
    installer: str | None = None
    uid: int | None = None
    version: int | None = None
    for token in tokens[1:]:
        if token.startswith("installer="):
            value = token[len("installer=") :]
            installer = None if value in ("", "null") else value
        elif token.startswith("uid:"):
            first = token[len("uid:") :].split(",")[0]
            uid = strict_int(first)
        elif token.startswith("versionCode:"):
            code = token[len("versionCode:") :]
            version = strict_int(code)
    return PmPackage(id=pkg_id, apk_paths=paths, installer=installer, uid=uid, version_code=version)


def parse_pm_list(data: bytes | str) -> dict[str, PmPackage]:
    """Parse the output into ``{package id: PmPackage}`` in first-seen order.

    Lines that are not ``package:`` records (shell prompts, errors, a ``grep`` header) are skipped.
    Raises TooLargeError past :data:`MAX_PACKAGES` distinct packages.
    """
    result: dict[str, PmPackage] = {}
    for raw in iter_lines(decode_text(data)):
        line = raw.strip()
        if not line.startswith("package:"):
            continue
        pkg = _parse_line(line)
        if pkg is None:
            continue
        if pkg.id in result:
            result[pkg.id] = _merge(result[pkg.id], pkg)
            continue
        if len(result) >= MAX_PACKAGES:
            raise TooLargeError(f"a package list with more than {MAX_PACKAGES:,} packages; a phone has a few thousand")
        result[pkg.id] = pkg
    return result
