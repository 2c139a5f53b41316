"""Sources: every way howsafe reads a device, each yielding the same :class:`~howsafe.model.Snapshot`.

* :func:`load_path` sniffs a path by content (never by extension): a saved snapshot JSON, an
  androidqf acquisition (folder or zip), an Android bugreport (zip or text), a folder or zip of
  saved adb outputs, an unpacked firmware image, or a single saved ``getprop`` output.
* :func:`demo_snapshot` returns the bundled sample device (real public data, see
  ``sources/demo/README.md``).
* ``howsafe.sources.adb.collect_adb`` reads a live phone (imported lazily: it needs the adb parts).

All of them hand raw outputs to :func:`howsafe.sources.assemble.snapshot_from_outputs`.
"""

from __future__ import annotations

import errno
import logging
import os
from importlib import resources
from pathlib import Path

from msgspec.structs import replace

from howsafe.errors import InputError, TooLargeError
from howsafe.model import Snapshot, SourceInfo, SourceKind
from howsafe.parse.getprop import parse_getprop
from howsafe.parse.text import decode_text
from howsafe.sources.androidqf import is_androidqf, load_androidqf
from howsafe.sources.assemble import snapshot_from_outputs
from howsafe.sources.bugreport import (
    is_bugreport_zip,
    load_bugreport_zip,
    looks_like_bugreport_text,
    snapshot_from_bugreport_text,
)
from howsafe.sources.containers import (
    MAX_MEMBER_BYTES,
    FolderContainer,
    Subtree,
    ZipContainer,
    human_size,
    read_file_capped,
    single_top_folder,
)
from howsafe.sources.folder import load_folder
from howsafe.sources.snapshot import snapshot_from_json, snapshot_to_json

__all__ = ["demo_snapshot", "load_path", "snapshot_from_json", "snapshot_from_outputs", "snapshot_to_json"]

log = logging.getLogger(__name__)

MAX_SNAPSHOT_JSON_BYTES = 64 * 1024 * 1024
DEMO_RESOURCE = "redmi-note-13-pro-5g-hyperos2-global.json"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_AGE_MAGIC = b"age-encryption.org/"


def load_path(path: Path, *, redact: bool = True) -> Snapshot:
    """Read whatever dump ``path`` is and return its Snapshot.

    With ``redact`` the snapshot names the dump by its file name only: the folders above it
    (``/home/<account>/...``) say who the user is, not what the phone is.

    Raises InputError (unknown or unusable input), CorruptInputError (damaged or hostile archive)
    or TooLargeError (a size bound was hit); never a bare library error.
    """
    snapshot = _load(path, redact=redact)
    full = str(path)
    location = snapshot.source.location
    if redact and location.startswith(full) and snapshot.source.kind is not SourceKind.SNAPSHOT:
        source = replace(snapshot.source, location=path.name + location[len(full) :])
        snapshot = replace(snapshot, source=source)
    return snapshot


def _load(path: Path, *, redact: bool) -> Snapshot:
    try:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):  # else it would look like an empty folder
                raise PermissionError(errno.EACCES, "permission denied", str(path))
            return _load_dir(path, redact=redact)
        if not path.is_file():
            raise InputError(f"{path}: not a regular file or folder")
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except PermissionError as exc:
        raise InputError(f"{path}: permission denied") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if head.startswith(_ZIP_MAGIC):
        return _load_zip(path, redact=redact)
    if head.startswith(_AGE_MAGIC):
        raise InputError(f"{path}: an age-encrypted acquisition; decrypt it first (age --decrypt -i KEY)")
    if not head:
        raise InputError(f"{path}: the file is empty")
    if size > MAX_MEMBER_BYTES:
        raise TooLargeError(
            f"{path} is {human_size(size)} and not a zip archive; a dump text file is at most "
            f"{human_size(MAX_MEMBER_BYTES)} (was the right file given?)"
        )
    if not _is_text(head):
        raise InputError(f"{path}: not a dump howsafe can read (binary data, not a zip, JSON or text)")
    text_head = decode_text(head).lstrip()
    if text_head.startswith("{"):
        if size > MAX_SNAPSHOT_JSON_BYTES:
            raise TooLargeError(
                f"{path} is {human_size(size)}; a snapshot JSON is at most {human_size(MAX_SNAPSHOT_JSON_BYTES)}"
            )
        return snapshot_from_json(
            read_file_capped(path, limit=MAX_SNAPSHOT_JSON_BYTES), location=str(path), redact=redact
        )
    text = decode_text(read_file_capped(path))
    if looks_like_bugreport_text(text):
        return snapshot_from_bugreport_text(text, location=str(path), files=(path.name,), redact=redact)
    if parse_getprop(text).properties:
        source = SourceInfo(kind=SourceKind.FOLDER, location=str(path), files=(path.name,))
        return snapshot_from_outputs({"getprop": text}, source=source, redact=redact)
    raise InputError(f"{path}: a text file, but not getprop output, a bugreport or a snapshot JSON")


def _is_text(head: bytes) -> bool:
    """Text (UTF-8 or UTF-16, with or without BOM), judged on the first block only."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    if b"\x00" in head:
        text = decode_text(head)
        return "\x00" not in text and text.count("\ufffd") < 4
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte char cut at the block end is fine
            return head.decode("utf-8", errors="replace").count("\ufffd") < 4
    return True


def _load_dir(path: Path, *, redact: bool) -> Snapshot:
    container = FolderContainer(path)
    if is_androidqf(container):
        return load_androidqf(container, redact=redact)
    if is_bugreport_zip(container):  # an extracted bugreport zip
        return load_bugreport_zip(container, redact=redact)
    return load_folder(container, redact=redact)


def _load_zip(path: Path, *, redact: bool) -> Snapshot:
    container = ZipContainer(path, location=str(path))
    try:
        if is_bugreport_zip(container):
            return load_bugreport_zip(container, redact=redact)
        if is_androidqf(container):
            return load_androidqf(container, redact=redact)
        top = single_top_folder(container)
        if top is not None:
            return load_folder(Subtree(container, top), redact=redact, location=str(path))
        return load_folder(container, redact=redact)
    finally:
        container.close()


def demo_snapshot() -> Snapshot:
    """The bundled sample device: a Redmi Note 13 Pro 5G on HyperOS 2 Global (real public data)."""
    resource = resources.files("howsafe.sources").joinpath("demo", DEMO_RESOURCE)
    try:
        data = resource.read_bytes()
    except OSError as exc:  # pragma: no cover - a broken install
        raise InputError(f"the bundled demo snapshot is missing ({exc}); reinstall howsafe") from exc
    return snapshot_from_json(data, location=f"demo:{DEMO_RESOURCE}", redact=True)
