"""Writing files so that a crash or a full disk never leaves a half-written one: the one helper.

:func:`atomic_write` writes next to the target (same folder, so the final rename is atomic), flushes
to disk, gives the file the permissions a plain ``open()`` would, then renames it over the target.
On failure the partial file is removed and the ``OSError`` becomes the caller's error class (one
clear line for the user, the cause kept with ``from``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from howsafe.errors import HowsafeError, ReportError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write(
    path: Path,
    data: bytes | str,
    *,
    error: type[HowsafeError] = ReportError,
    make_parents: bool = False,
    mode: int | None = None,
) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically.

    ``mode`` defaults to what a plain ``open()`` would give (0666 minus the umask); pass ``0o600``
    for private files. ``error`` is raised (from the ``OSError``) when writing fails.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
