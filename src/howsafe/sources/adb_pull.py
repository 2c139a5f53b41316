"""Copy the installed APKs of a phone (every split) over adb into a folder the tracker scan reads.

Why a module of its own: the snapshot needs text from ``pm`` and ``dumpsys``; the tracker scan needs
the apps' bytes. Pulling them is slow (hundreds of MiB), can be interrupted by a loose cable, and
handles names that come from the phone, so it is resumable, bounded and suspicious:

- Only read-only commands are sent (``pm list packages``, ``pm path PKG``: the ``[pull]`` table of
  ``adb_commands.toml``), and only paths that ``pm path`` printed are read, with the adb file
  service (``STAT``/``STA2`` + ``RECV``), which cannot write.
- A package name must be a valid Android package name before it is used in a command or as a
  folder name; a remote path must be absolute, without ``.``/``..``/empty parts, and end in a plain
  ``*.apk`` file name. Only that base name is used locally: ``DEST/<package>/<name>``.
- Each file streams into a ``.<name>.*.part`` file (:func:`howsafe.fsio.atomic_stream`) while its
  SHA-256 is computed, is bounded in size (:data:`MAX_FILE_BYTES`), must have the size ``STAT``
  announced, and is renamed into place only when complete. A pulled cable therefore never leaves
  a truncated ``.apk`` behind.
- ``DEST/manifest.json`` (rewritten atomically after each package) records remote path, size,
  mtime and SHA-256 of every file; a later run skips a file whose record, remote size/mtime and
  local size all agree. So an interrupted pull resumes where it stopped.
- A package that cannot be read (file refused, too large, odd path) becomes a :class:`PullFailure`
  and the pull goes on; only a phone that goes away stops it (:class:`DeviceDisconnected`).

The result lists one folder per package: ``DEST/<package>/`` holding ``base.apk`` (+ ``split_*.apk``)
or the single APK of a preinstalled app, which :func:`howsafe.apk.scan_paths` reads as one app.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from howsafe import __version__
from howsafe.errors import DeviceDisconnected, InputError, NoDeviceError, SourceError, TooLargeError
from howsafe.fsio import atomic_stream, atomic_write
from howsafe.progress import Observer
from howsafe.sources.adb import command_plan, select_device
from howsafe.sources.adb_failures import failure_reason
from howsafe.sources.adb_transport import (
    AdbCommandError,
    AdbFileError,
    AdbPullTransport,
    AdbServerTransport,
    RemoteStat,
    ShellResult,
)

__all__ = [
    "MANIFEST_NAME",
    "MAX_FILE_BYTES",
    "PullCommands",
    "PullFailure",
    "PullResult",
    "PulledFile",
    "PulledPackage",
    "apk_name",
    "is_package_name",
    "pull_apks",
    "pull_commands",
]

log = logging.getLogger(__name__)

#: Largest APK pulled (the biggest Play apps with their splits stay well under 2 GiB per file).
MAX_FILE_BYTES = 2 * 1024**3
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "howsafe-apk-pull"
MANIFEST_VERSION = 1
#: A manifest larger than this is not ours (64 MiB is ~250,000 file records).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_MAX_NAME = 255
#: Android's rule (PackageParser.validateName): dot-separated parts, each a letter then letters,
#: digits or underscores.
_PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")
#: A local APK file name: no leading dot, no separators, ends in .apk.
_APK_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*\.apk")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_PART_SUFFIX = ".part"
_PROGRESS_STEP = 1024 * 1024
_BAD_NAME = "refused: not a valid Android package name"


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulledFile:
    """One APK copied from the phone (or found complete from an earlier run: ``reused``)."""

    name: str
    remote_path: str
    local_path: Path
    size: int
    sha256: str
    reused: bool = False


@dataclass(frozen=True)
class PulledPackage:
    """All APK files of one package, in the order ``pm path`` printed them (base first)."""

    package: str
    directory: Path
    files: tuple[PulledFile, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(f.local_path for f in self.files)

    @property
    def is_split(self) -> bool:
        return len(self.files) > 1


@dataclass(frozen=True)
class PullFailure:
    """A package that could not be copied, and why (one line, safe to show)."""

    package: str
    reason: str
    remote_path: str | None = None


@dataclass(frozen=True)
class PullResult:
    """What :func:`pull_apks` did. ``packages`` are complete; ``failures`` were skipped."""

    dest: Path
    manifest: Path
    serial: str
    packages: tuple[PulledPackage, ...]
    failures: tuple[PullFailure, ...] = ()
    commands: tuple[str, ...] = field(default=(), repr=False)

    def scan_paths(self) -> list[Path]:
        """One folder per complete package: the input :func:`howsafe.apk.scan_paths` expects."""
        return [p.directory for p in self.packages]

    @property
    def files_pulled(self) -> int:
        return sum(1 for p in self.packages for f in p.files if not f.reused)

    @property
    def files_reused(self) -> int:
        return sum(1 for p in self.packages for f in p.files if f.reused)

    @property
    def bytes_pulled(self) -> int:
        return sum(f.size for p in self.packages for f in p.files if not f.reused)


# -- the command allowlist ---------------------------------------------------------------------


@dataclass(frozen=True)
class PullCommands:
    """The ``[pull]`` table of ``adb_commands.toml``."""

    list_third_party: tuple[str, ...]
    list_all: tuple[str, ...]
    path: tuple[str, ...]

    def is_allowed(self, command: str) -> bool:
        """True for a listing command, or a ``pm path`` template filled with a valid package name."""
        if command in self.list_third_party or command in self.list_all:
            return True
        for template in self.path:
            head, _, tail = template.partition("{package}")
            if command.startswith(head) and command.endswith(tail):
                middle = command[len(head) : len(command) - len(tail)]
                if is_package_name(middle):
                    return True
        return False


@cache
def pull_commands() -> PullCommands:
    """The pull allowlist shipped with the package."""
    text = Path(__file__).resolve().with_name("adb_commands.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["pull"]
    return PullCommands(
        list_third_party=tuple(table["list_third_party"]),
        list_all=tuple(table["list_all"]),
        path=tuple(table["path"]),
    )


def is_package_name(name: str) -> bool:
    """An Android package name (so it is safe in a shell command and as a folder name)."""
    return len(name) <= _MAX_NAME and _PACKAGE_RE.fullmatch(name) is not None


def apk_name(remote_path: str) -> str:
    """The local file name for ``remote_path``, or ValueError when the path looks hostile.

    ``pm path`` prints absolute paths like ``/data/app/~~Xy==/com.app-Ab==/base.apk``; anything
    relative, with ``.``/``..`` or empty parts, control characters or a file name that is not a
    plain ``*.apk`` is refused (never pulled, never written).
    """
    if not remote_path.startswith("/"):
        raise ValueError(f"not an absolute path: {remote_path[:200]!r}")
    if len(remote_path.encode("utf-8")) > 1024:
        raise ValueError(f"path longer than 1024 bytes: {remote_path[:80]!r}...")
    if any(ord(ch) < 0x20 or ch in "\\\x7f" for ch in remote_path):
        raise ValueError(f"control character or backslash in path {remote_path[:200]!r}")
    parts = remote_path[1:].split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"path traversal or empty part in {remote_path[:200]!r}")
    name = parts[-1]
    if len(name) > _MAX_NAME or not _APK_NAME_RE.fullmatch(name):
        raise ValueError(f"not a plain APK file name: {name[:200]!r}")
    return name


# -- the manifest ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    name: str
    remote: str
    size: int
    mtime: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "remote": self.remote, "size": self.size, "mtime": self.mtime, "sha256": self.sha256}


def _record_from(data: object) -> _Record | None:
    if not isinstance(data, dict):
        return None
    name, remote, size = data.get("name"), data.get("remote"), data.get("size")
    mtime, digest = data.get("mtime"), data.get("sha256")
    if not (
        isinstance(name, str)
        and _APK_NAME_RE.fullmatch(name)
        and isinstance(remote, str)
        and isinstance(size, int)
        and isinstance(mtime, int)
        and isinstance(digest, str)
        and _SHA256_RE.fullmatch(digest)
    ):
        return None
    return _Record(name=name, remote=remote, size=size, mtime=mtime, sha256=digest)


@dataclass
class _Manifest:
    """``DEST/manifest.json``: per package, whether it is complete and its file records."""

    path: Path
    packages: dict[str, tuple[bool, list[_Record]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _Manifest:
        manifest = cls(path)
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_MANIFEST_BYTES + 1)
        except FileNotFoundError:
            return manifest
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            if len(raw) > MAX_MANIFEST_BYTES:
                raise ValueError("too large")
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
                raise ValueError("not a howsafe pull manifest")
            packages = data.get("packages", {})
            if not isinstance(packages, dict):
                raise ValueError("packages is not an object")
        except ValueError as exc:
            log.warning("ignoring %s (%s): every APK will be pulled again", path, exc)
            return manifest
        for pkg, entry in packages.items():
            if not (isinstance(pkg, str) and is_package_name(pkg) and isinstance(entry, dict)):
                continue
            files = entry.get("files", [])
            records = [r for r in (_record_from(f) for f in files) if r] if isinstance(files, list) else []
            manifest.packages[pkg] = (entry.get("complete") is True, records)
        return manifest

    def record(self, package: str, name: str) -> _Record | None:
        _, records = self.packages.get(package, (False, []))
        return next((r for r in records if r.name == name), None)

    def save(self) -> None:
        data = {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "tool": f"howsafe {__version__}",
            "packages": {
                pkg: {"complete": complete, "files": [r.to_json() for r in records]}
                for pkg, (complete, records) in sorted(self.packages.items())
            },
        }
        _write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8") + b"\n")


def _write_atomic(path: Path, data: bytes) -> None:
    atomic_write(path, data, error=InputError)


# -- pulling -----------------------------------------------------------------------------------


class _PackageFailed(Exception):
    """One package cannot be copied; the pull goes on with the next."""

    def __init__(self, reason: str, remote_path: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remote_path = remote_path


class _LocalWriteError(Exception):
    """Writing into DEST failed (disk full, permissions): stops the pull, it is not the phone's fault."""


@dataclass
class _Session:
    transport: AdbPullTransport
    serial: str
    dest: Path
    max_file_bytes: int
    file_observer: Observer | None
    commands: PullCommands = field(default_factory=pull_commands)
    sent: list[str] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)
    user0: bool = False

    # shell ------------------------------------------------------------------------------------

    def run(self, command: str) -> ShellResult:
        if not self.commands.is_allowed(command):  # a bug, never a device condition
            raise AssertionError(f"refusing to send {command!r}: not in the read-only pull allowlist")
        self.sent.append(command)
        return self.transport.shell(self.serial, command)

    def first_success(self, candidates: Sequence[str]) -> tuple[ShellResult | None, str]:
        """The first command whose output is not an error; else None and the last reason."""
        reason = "not run"
        ordered = list(candidates)
        if self.user0:
            ordered = [c for c in ordered if "--user 0" in c] + [c for c in ordered if "--user 0" not in c]
        for cmd in ordered:
            try:
                result = self.run(cmd)
            except AdbCommandError as exc:
                reason = str(exc)
                continue
            why = _failure(result)
            if why is None:
                if "--user 0" in cmd and not self.user0:
                    log.info("pm needed --user 0 on this phone (a second user or work profile exists)")
                    self.user0 = True
                return result, cmd
            reason = f"`{cmd}` failed: {why}"
            log.info("adb %s", reason)
        return None, reason

    def list_packages(self, third_party_only: bool) -> tuple[list[str], list[PullFailure]]:
        candidates = self.commands.list_third_party if third_party_only else self.commands.list_all
        result, reason = self.first_success(candidates)
        if result is None:
            raise SourceError(f"could not list the phone's packages: {reason}")
        names: list[str] = []
        refused: list[PullFailure] = []
        for line in result.stdout.splitlines():
            line = line.strip()
            if not line.startswith("package:"):
                continue
            # `package:ID`, or `package:PATH=ID  installer=...` when flags were added.
            body = line[len("package:") :].split()
            name = body[0].rpartition("=")[2] if body else ""
            if not is_package_name(name):
                refused.append(PullFailure(package=name[:200] or line[:200], reason=_BAD_NAME))
            elif name not in names:
                names.append(name)
        return names, refused

    def resolve(self, package: str) -> list[tuple[str, str]]:
        """``pm path``: (remote path, local name) of every APK of ``package``, base first."""
        templates = [t.format(package=package) for t in self.commands.path]
        result, reason = self.first_success(templates)
        if result is None:
            raise _PackageFailed(f"not installed or not readable ({reason})")
        out: list[tuple[str, str]] = []
        for line in result.stdout.splitlines():
            line = line.strip()
            if not line.startswith("package:"):
                continue
            remote = line[len("package:") :]
            try:
                name = apk_name(remote)
            except ValueError as exc:
                raise _PackageFailed(f"refused remote path: {exc}", remote[:200]) from exc
            if any(n == name for _, n in out):
                raise _PackageFailed(f"refused: two APK files named {name!r} (cannot keep both)", remote)
            out.append((remote, name))
        if not out:
            raise _PackageFailed("not installed (pm path printed no APK)")
        return out

    # files ------------------------------------------------------------------------------------

    def package_dir(self, package: str) -> Path:
        # Folder names must stay distinct on case-insensitive disks (macOS, Windows) too, and
        # `manifest.json` is a valid package name.
        folded = package.casefold()
        if folded == MANIFEST_NAME.casefold() or folded in self.folders:
            raise _PackageFailed(f"refused: the folder name {package!r} is already taken in {self.dest}")
        self.folders.add(folded)
        directory = self.dest / package
        if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
            raise _PackageFailed(f"{directory} exists and is not a plain folder; not writing into it")
        try:
            directory.mkdir(exist_ok=True)
        except OSError as exc:
            raise _LocalWriteError(f"cannot create {directory}: {exc.strerror or exc}") from exc
        return directory

    def fetch(self, remote: str, stat: RemoteStat, target: Path) -> str:
        """Stream ``remote`` into ``target`` through :func:`howsafe.fsio.atomic_stream`; return its SHA-256."""
        digest = hashlib.sha256()
        notify = self.file_observer
        next_report = _PROGRESS_STEP
        done = 0
        for stale in target.parent.glob(f".{glob.escape(target.name)}.*{_PART_SUFFIX}"):  # a killed run's
            with contextlib.suppress(OSError):
                stale.unlink()
        with atomic_stream(target, error=_LocalWriteError) as fh:  # the old copy stays until it is whole

            def sink(chunk: bytes) -> None:
                nonlocal done, next_report
                try:
                    fh.write(chunk)
                except OSError as exc:
                    raise _LocalWriteError(f"cannot write {target}: {exc.strerror or exc}") from exc
                digest.update(chunk)
                done += len(chunk)
                if notify is not None and done >= next_report:
                    next_report = done + _PROGRESS_STEP
                    notify(target.name, done, stat.size)

            received = self.transport.pull(self.serial, remote, sink, max_bytes=self.max_file_bytes)
            if received != stat.size:
                raise _PackageFailed(
                    f"{remote} changed while it was pulled ({stat.size} bytes announced, {received} "
                    "received); run again",
                    remote,
                )
        if notify is not None:
            notify(target.name, stat.size, stat.size)
        return digest.hexdigest()


def _failure(result: ShellResult) -> str | None:
    """Why a pm result is an error (the markers collection uses), or None when usable."""
    return failure_reason(command_plan().failure_markers, result)


def _reusable(record: _Record | None, remote: str, stat: RemoteStat, target: Path) -> bool:
    """True when ``target`` is the complete copy of this exact remote file from an earlier run."""
    if record is None or record.remote != remote or record.size != stat.size or record.mtime != stat.mtime:
        return False
    try:
        if target.is_symlink() or not target.is_file():
            return False
        return target.stat().st_size == stat.size
    except OSError:
        return False


def _remove_stale(directory: Path, keep: set[str], recorded: Sequence[_Record]) -> None:
    """Delete files an earlier run wrote for this package that the phone no longer has (an update
    changed its splits): left in place they would be scanned as part of the app. Only files this
    module recorded are touched."""
    for rec in recorded:
        if rec.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                (directory / rec.name).unlink()
            log.info("removed %s: the phone no longer has it", directory / rec.name)


def pull_apks(
    dest: Path,
    *,
    serial: str | None = None,
    transport: AdbPullTransport | None = None,
    packages: Sequence[str] | None = None,
    third_party_only: bool = True,
    observer: Observer | None = None,
    file_observer: Observer | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> PullResult:
    """Copy the APKs of the phone's apps into ``dest/<package>/`` and return what was copied.

    ``packages``: exactly these package ids (each checked with ``pm path``; no listing is sent);
    otherwise the user-installed apps (``third_party_only``) or every installed package.
    ``observer(package, done, total)`` is called before each package and with ``("done", n, n)``
    at the end; ``file_observer(file name, bytes done, file size)`` about every MiB of a file.

    Raises NoDeviceError (no server / phone), DeviceDisconnected (the phone went away: complete
    packages are kept and recorded, run again to resume), SourceError (the package list could not
    be read, or the phone stalled), InputError (``dest`` cannot be written).
    """
    adb: AdbPullTransport = transport or AdbServerTransport()
    notify = observer or (lambda step, done, total: None)
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the APK folder {dest}: {exc.strerror or exc}") from exc
    if not dest.is_dir():
        raise InputError(f"{dest} is not a folder")

    notify("connecting", 0, 0)
    chosen = select_device(adb.devices(), serial)
    session = _Session(adb, chosen, dest, max_file_bytes, file_observer)
    failures: list[PullFailure] = []
    if packages is None:
        notify("listing packages", 0, 0)
        wanted, refused = session.list_packages(third_party_only)
        failures += refused
        # A phone without shell protocol v2 cannot tell a finished listing from a pulled cable.
        _still_there(adb, chosen)
    else:
        wanted = []
        for name in packages:
            if not is_package_name(name):
                failures.append(PullFailure(package=name[:200], reason=_BAD_NAME))
            elif name not in wanted:
                wanted.append(name)

    manifest = _Manifest.load(dest / MANIFEST_NAME)
    pulled: list[PulledPackage] = []
    total = len(wanted)
    for done, package in enumerate(wanted):
        notify(package, done, total)
        files: list[PulledFile] = []
        records: list[_Record] = []
        try:
            entries = session.resolve(package)
            directory = session.package_dir(package)
            for remote, name in entries:
                stat = adb.stat(chosen, remote)
                if not stat.exists:
                    raise _PackageFailed(f"{remote} does not exist on the phone", remote)
                if not stat.is_file:
                    raise _PackageFailed(f"{remote} is not a regular file", remote)
                if stat.size > max_file_bytes:
                    raise _PackageFailed(
                        f"{remote} is {stat.size} bytes, over the limit of {max_file_bytes} bytes; not pulled", remote
                    )
                target = directory / name
                prior = manifest.record(package, name)
                if prior is not None and _reusable(prior, remote, stat, target):
                    digest, reused = prior.sha256, True
                else:
                    try:
                        digest, reused = session.fetch(remote, stat, target), False
                    except (AdbFileError, TooLargeError) as exc:
                        raise _PackageFailed(str(exc), remote) from exc
                records.append(_Record(name, remote, stat.size, stat.mtime, digest))
                files.append(
                    PulledFile(
                        name=name, remote_path=remote, local_path=target, size=stat.size, sha256=digest, reused=reused
                    )
                )
            keep = {r.name for r in records}
            _remove_stale(directory, keep, manifest.packages.get(package, (False, []))[1])
            manifest.packages[package] = (True, records)
            manifest.save()
            pulled.append(PulledPackage(package=package, directory=directory, files=tuple(files)))
            log.info("pulled %s: %d file(s), %d new", package, len(files), sum(not f.reused for f in files))
        except _PackageFailed as exc:
            log.info("not pulled %s: %s", package, exc.reason)
            failures.append(PullFailure(package=package, reason=exc.reason, remote_path=exc.remote_path))
            _remember_partial(manifest, package, records)
        except AdbFileError as exc:  # e.g. the file service itself refused (stat)
            failures.append(PullFailure(package=package, reason=str(exc)))
            _remember_partial(manifest, package, records)
        except _LocalWriteError as exc:
            _remember_partial(manifest, package, records)
            raise InputError(str(exc)) from exc
        except DeviceDisconnected as exc:
            _remember_partial(manifest, package, records)
            raise DeviceDisconnected(
                f"{exc}; {len(pulled)} of {total} package(s) were copied to {dest} and recorded in "
                f"{MANIFEST_NAME}: run again to resume"
            ) from exc
    notify("done", total, total)
    return PullResult(
        dest=dest,
        manifest=manifest.path,
        serial=chosen,
        packages=tuple(pulled),
        failures=tuple(failures),
        commands=tuple(session.sent),
    )


def _still_there(adb: AdbPullTransport, serial: str) -> None:
    gone = f"phone {serial} went away while listing its packages; nothing was pulled"
    try:
        entries = adb.devices()
    except NoDeviceError as exc:
        raise DeviceDisconnected(gone) from exc
    if not any(e.serial == serial and e.state == "device" for e in entries):
        raise DeviceDisconnected(gone)


def _remember_partial(manifest: _Manifest, package: str, records: list[_Record]) -> None:
    """Keep the files of an incomplete package on record (a rerun skips them), marked incomplete."""
    if not records:
        return
    old = manifest.packages.get(package, (False, []))[1]
    merged = {r.name: r for r in old} | {r.name: r for r in records}
    manifest.packages[package] = (False, list(merged.values()))
    try:
        manifest.save()
    except InputError as exc:
        log.warning("%s", exc)
