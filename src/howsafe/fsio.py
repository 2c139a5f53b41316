"""Writing files so that a crash or a full disk never leaves a half-written one: the one helper.

:func:`atomic_write` writes next to the target (same folder, so the final rename is atomic), flushes
to disk, gives the file the permissions a plain ``open()`` would, then renames it over the target.
On failure the partial file is removed and the ``OSError`` becomes the caller's error class (one
clear line for the user, the cause kept with ``from``). ``sync_dir=True`` also flushes the folder
after the rename, so the new name itself survives a power cut (the harden undo journal needs that
before each phone step). :func:`atomic_stream` does the same for data that arrives in pieces, and
:func:`atomic_path` for a file another library writes by name (an SQLite database).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from howsafe.errors import HowsafeError, ReportError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write(
    path: Path,
    data: bytes | str,
    *,
    error: Callable[[str], HowsafeError] = ReportError,
    make_parents: bool = False,
    mode: int | None = None,
    sync_dir: bool = False,
) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically.

    ``mode`` defaults to what a plain ``open()`` would give (0666 minus the umask); pass ``0o600``
    for private files. ``error`` (an error class, or a function of the message) is raised from
    the ``OSError`` when writing fails. ``sync_dir`` fsyncs the folder after the rename.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temp_beside(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        _commit(tmp, path, mode, sync_dir)
        tmp = None
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_stream(path: Path, *, error: Callable[[str], Exception] = ReportError) -> Iterator[BinaryIO]:
    """:func:`atomic_write` for data that arrives in pieces (a file pulled from the phone).

    Yields a binary file beside ``path``; when the block ends normally the data is flushed,
    fsynced, given ``open()``'s permissions and renamed over ``path``. When the block raises
    (a failed transfer, a size check) the partial file is removed and ``path`` is untouched.
    A local write failure inside the block should be raised by the caller; failures of the
    final flush and rename become ``error``.
    """
    try:
        fd, tmp = _temp_beside(path)
    except OSError as exc:
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
        try:
            _commit(tmp, path, None, False)
        except OSError as exc:
            raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: Path, *, error: Callable[[str], Exception] = ReportError) -> Iterator[Path]:
    """:func:`atomic_write` for a file another library writes by name (an SQLite database).

    Yields the path of an empty file beside ``path``; when the block ends normally that file is
    fsynced, given ``open()``'s permissions and renamed over ``path``. When the block raises, the
    file is removed and ``path`` is untouched. Failures of the block are the caller's; failures to
    create, flush or rename the file become ``error``.
    """
    try:
        fd, tmp = _temp_beside(path)
        os.close(fd)
    except OSError as exc:
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        yield Path(tmp)
        try:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            _commit(tmp, path, None, False)
        except OSError as exc:
            raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new hidden ``.<name>.*.part`` file in the target's folder (so the rename is atomic)."""
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")


def _commit(tmp: str, path: Path, mode: int | None, sync_dir: bool) -> None:
    """Give the flushed temporary file its permissions and rename it over ``path``."""
    os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
    os.replace(tmp, path)
    if sync_dir:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk; a platform that cannot open a folder keeps the atomic rename."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
