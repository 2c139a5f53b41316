"""Bounded, read-only access to the files of a dump: a folder or a zip archive.

Why a layer of its own: dumps come from strangers (a forum post, an e-mail, a colleague's
acquisition) and are hostile by default. Nothing is ever extracted to disk; members are read into
memory one at a time with hard caps, so a zip bomb, a ``../`` name or a 2 GB file passed by mistake
ends as one clear :class:`~howsafe.errors.InputError` instead of a full disk or an OOM kill.
"""

from __future__ import annotations

import errno
import io
import logging
import lzma
import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from howsafe.errors import CorruptInputError, InputError, TooLargeError

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_MEMBER_BYTES = 256 * MiB
"""Largest single text output read (a full ``dumpsys`` of a busy phone is tens of MiB)."""
MAX_TOTAL_BYTES = 768 * MiB
"""Most inflated bytes read from one dump in total."""
MAX_NESTED_ZIP_BYTES = 256 * MiB
"""Largest zip read from inside another one (androidqf's bugreport.zip)."""
MAX_RATIO = 500
"""Compression ratio above which a large member is taken for a zip bomb (text reaches ~20)."""
RATIO_MIN_SIZE = 8 * MiB
MAX_MEMBERS = 200_000
MAX_FOLDER_DEPTH = 3
_CHUNK = 1 * MiB


def human_size(n: int) -> str:
    """``2147483648`` -> ``2.0 GiB`` (for error messages)."""
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024:
            return f"{size:.1f} {unit}"
    return f"{size / 1024:.1f} TiB"


class Container(Protocol):
    """The files of a dump, by relative POSIX name."""

    location: str

    def names(self) -> list[str]: ...

    def read(self, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes: ...


def skipped_entries(container: object) -> tuple[str, ...]:
    """Entries a container refused to show (``name: reason``), for the snapshot's source record."""
    inner = getattr(container, "_inner", None)
    if inner is not None:
        return skipped_entries(inner)
    found = getattr(container, "skipped", None)
    return tuple(found) if isinstance(found, list) else ()


def _read_capped(handle: IO[bytes], limit: int, what: str) -> bytes:
    buf = bytearray()
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > limit:
            raise TooLargeError(f"{what} is larger than {human_size(limit)}; refusing to read it")


def read_file_capped(path: Path, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Read a regular file whole, refusing (by size, before reading) anything above ``limit``."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: not a regular file")
        if st.st_size > limit:
            raise TooLargeError(f"{path} is {human_size(st.st_size)}; a dump file is at most {human_size(limit)}")
        with path.open("rb") as handle:
            return _read_capped(handle, limit, str(path))
    except PermissionError as exc:
        raise InputError(f"{path}: permission denied") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


class FolderContainer:
    """A folder on disk; files up to :data:`MAX_FOLDER_DEPTH` levels down are visible.

    Only regular files that really live inside the folder are shown and read. A dump unpacked
    from a stranger's tar keeps its symlinks: ``settings_secure.txt -> ~/.ssh/id_ed25519`` must
    never copy the examiner's own file into a snapshot they may share. So symlinks (to files or
    folders, inside or outside), devices, FIFOs, sockets and files with more than one hard link
    (the other name may be anywhere on the same disk) are skipped, each named in :attr:`skipped`
    and logged. Reading opens the file without following a final symlink and checks again on the
    open descriptor, so a file swapped for a link after listing is refused too.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self._real_root = root.resolve()
        self._names: list[str] | None = None
        self.skipped: list[str] = []

    def _skip(self, rel: str, reason: str) -> None:
        self.skipped.append(f"{rel}: {reason}")
        log.warning("%s: skipped %s (%s)", self.location, rel, reason)

    def names(self) -> list[str]:
        if self._names is None:
            found: list[str] = []
            try:
                for dirpath, dirnames, filenames in os.walk(self.root):
                    rel = Path(dirpath).relative_to(self.root)
                    depth = 0 if rel == Path(".") else len(rel.parts)
                    if depth >= MAX_FOLDER_DEPTH - 1:
                        dirnames[:] = []
                    dirnames.sort()
                    for d in list(dirnames):
                        if os.path.islink(os.path.join(dirpath, d)):  # walk never enters it; say so
                            self._skip((rel / d).as_posix() if depth else d, "symbolic link to a folder")
                    for name in sorted(filenames):
                        relname = (rel / name).as_posix() if depth else name
                        reason = _not_a_plain_file(os.path.join(dirpath, name))
                        if reason is not None:
                            self._skip(relname, reason)
                            continue
                        found.append(relname)
                        if len(found) > MAX_MEMBERS:
                            raise TooLargeError(f"{self.root}: more than {MAX_MEMBERS} files")
            except OSError as exc:
                raise InputError(f"{self.root}: cannot list ({exc.strerror or exc})") from exc
            self._names = found
        return self._names

    def read(self, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
        path = self.root / name
        where = str(path)
        try:
            parent = path.parent.resolve()
        except OSError as exc:
            raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from exc
        if _unsafe_name(name) or not parent.is_relative_to(self._real_root):
            raise InputError(f"{where}: outside the dump; refusing to read it")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(f"{where}: a symbolic link; refusing to follow it out of the dump") from exc
            if isinstance(exc, PermissionError):
                raise InputError(f"{where}: permission denied") from exc
            raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from exc
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise InputError(f"{where}: not a regular file")
            if st.st_nlink > 1:
                raise InputError(
                    f"{where}: has {st.st_nlink} hard links; refusing a file that may live outside the dump"
                )
            if st.st_size > limit:
                raise TooLargeError(f"{where} is {human_size(st.st_size)}; a dump file is at most {human_size(limit)}")
            try:
                return _read_capped(handle, limit, where)
            except OSError as exc:
                raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from exc


def _not_a_plain_file(path: str) -> str | None:
    """Why ``path`` (not followed if a link) is not read as part of a dump, or None if it may be."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot inspect ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"symbolic link to {target}"
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "socket"
            if stat.S_ISSOCK(st.st_mode)
            else "special file"
        )
        return f"a {kind}, not a regular file"
    if st.st_nlink > 1:
        return f"{st.st_nlink} hard links (another name for it may be outside the dump)"
    return None


def _unsafe_name(name: str) -> bool:
    """An absolute name or one that climbs out with ``..`` (never extracted: skipped)."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return ".." in parts


class ZipContainer:
    """A zip archive read in memory, member by member, with size and ratio caps.

    A member whose name is absolute or climbs out with ``..`` is skipped with a warning (named in
    :attr:`skipped`): nothing is ever extracted, and one bad entry must not cost the examiner the
    rest of an acquisition. An empty name or one holding NUL makes the archive unreadable.
    """

    def __init__(self, source: Path | bytes, *, location: str, budget: list[int] | None = None) -> None:
        self.location = location
        self._budget = budget if budget is not None else [MAX_TOTAL_BYTES]
        try:
            fileobj: IO[bytes] | Path = io.BytesIO(source) if isinstance(source, bytes) else source
            self._zip = zipfile.ZipFile(fileobj)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as exc:
            raise CorruptInputError(f"{location}: not a valid zip archive ({exc})") from exc
        except (OSError, EOFError, ValueError) as exc:
            raise CorruptInputError(f"{location}: cannot read the zip archive ({exc})") from exc
        except NotImplementedError as exc:  # zipfile: "zip file version 6.5" (needs a newer reader)
            raise CorruptInputError(
                f"{location}: unsupported zip archive ({exc}); re-pack it with a standard zip tool"
            ) from exc
        if len(infos) > MAX_MEMBERS:
            raise TooLargeError(f"{location}: more than {MAX_MEMBERS} members")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self.skipped: list[str] = []
        for info in infos:
            # zipfile cuts a name at its first NUL (``orig_filename`` keeps it whole): a name
            # that hides its tail from one reader and not from another is refused.
            if not info.filename or "\x00" in info.orig_filename:
                raise CorruptInputError(
                    f"{location}: unsafe member name {info.orig_filename!r} (empty or holding NUL); "
                    "refusing the archive"
                )
            if _unsafe_name(info.filename):
                self.skipped.append(f"{info.filename}: unsafe member name (absolute or '..')")
                log.warning("%s: skipped the unsafe member name %r (absolute or '..')", location, info.filename)
                continue
            if not info.is_dir():
                self._infos.setdefault(info.filename.replace("\\", "/"), info)

    def close(self) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return list(self._infos)

    def read(self, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
        info = self._infos[name]
        what = f"{self.location}:{name}"
        if info.flag_bits & 0x1:
            raise InputError(f"{what} is encrypted; decrypt the archive first")
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise TooLargeError(
                f"{what} inflates {info.file_size // max(info.compress_size, 1)}x "
                f"({human_size(info.file_size)}): looks like a zip bomb"
            )
        if info.file_size > limit:
            raise TooLargeError(f"{what} inflates to {human_size(info.file_size)}; the limit is {human_size(limit)}")
        cap = min(limit, self._budget[0])
        try:
            with self._zip.open(info) as handle:
                data = _read_capped(handle, cap, what)
        except TooLargeError:
            if cap < limit:
                raise TooLargeError(
                    f"{self.location}: more than {human_size(MAX_TOTAL_BYTES)} inflated in total"
                ) from None
            raise
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            lzma.LZMAError,
            EOFError,
            OSError,
            ValueError,
        ) as exc:
            raise CorruptInputError(f"{what}: damaged member ({exc})") from exc
        except NotImplementedError as exc:
            raise CorruptInputError(f"{what}: unsupported compression ({exc})") from exc
        except RuntimeError as exc:  # zipfile raises it for encrypted members
            raise InputError(f"{what}: {exc}") from exc
        self._budget[0] -= len(data)
        return data

    def nested(self, name: str) -> ZipContainer:
        """Open a zip stored inside this one (read into memory under its own cap)."""
        data = self.read(name, limit=MAX_NESTED_ZIP_BYTES)
        return ZipContainer(data, location=f"{self.location}:{name}", budget=self._budget)


class Subtree:
    """The members of a container under one folder, seen as if that folder were the root
    (a zipped folder: ``dump/getprop.txt`` is read as ``getprop.txt``)."""

    def __init__(self, inner: Container, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix.rstrip("/") + "/"
        self.location = f"{inner.location}:{self._prefix}"

    def names(self) -> list[str]:
        n = len(self._prefix)
        return [name[n:] for name in self._inner.names() if name.startswith(self._prefix)]

    def read(self, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
        return self._inner.read(self._prefix + name, limit=limit)


def single_top_folder(container: Container) -> str | None:
    """The one folder every member sits in, if there is exactly one such folder."""
    tops = {name.split("/", 1)[0] for name in container.names()}
    if len(tops) == 1 and all("/" in name for name in container.names()):
        return tops.pop()
    return None


def find(container: Container, *basenames: str, max_depth: int = 1) -> str | None:
    """The shallowest member whose file name (case-insensitive) is one of ``basenames``,
    trying the names in the order given."""
    names = container.names()
    wanted = [b.lower() for b in basenames]
    for want in wanted:
        best: str | None = None
        for name in names:
            parts = name.split("/")
            if parts[-1].lower() != want or len(parts) - 1 > max_depth:
                continue
            if best is None or name.count("/") < best.count("/"):
                best = name
        if best is not None:
            return best
    return None
