"""A small client of the adb server's smart-socket protocol: list phones, run a shell command.

Why not a client library: adbutils (the well-kept Python client) starts ``adb start-server`` with a
bundled binary whenever the server does not answer, which would leave a daemon running on the user's
machine and turn "no phone attached" into a 20-second wait. collect needs four requests
(``host:version``, ``host:devices``, ``host:transport:SERIAL``, ``shell[,v2,raw]:CMD``) plus
``host-serial:SERIAL:features`` to learn whether the phone speaks shell protocol v2 (exit codes and a
separate stderr, Android 7+). Those are a hundred lines, fully under our control: no process is
spawned, every error maps onto :mod:`howsafe.errors`, and every read is bounded.

Protocol (AOSP ``packages/modules/adb/SERVICES.TXT`` and ``protocol.txt``): the client sends a
request as 4 hex digits of length + the request; the server answers ``OKAY`` or ``FAIL`` + 4 hex
digits of length + message. ``host:transport:SERIAL`` switches the connection to a phone, after
which one service (here a shell) runs on the same socket. Shell v2 frames its stream as packets of
1 id byte + 4 bytes little-endian length + payload (1 stdout, 2 stderr, 3 exit code).

File transfer (``adb pull``) uses the sync service: after ``host:transport:SERIAL`` the client
sends ``sync:`` and then binary requests of 4 ASCII id bytes + 4 bytes little-endian length + a path
(``STAT``/``STA2`` for size and mode, ``RECV`` for the bytes, ``QUIT`` to end); ``RECV`` is answered
by ``DATA`` chunks of at most 64 KiB, then ``DONE`` (or ``FAIL`` + message). :class:`AdbFileTransport`
is that part; :mod:`howsafe.sources.adb_pull` uses it to copy installed APKs.

The server is found like the ``adb`` command finds it: ``ADB_SERVER_SOCKET=tcp:HOST:PORT``, else
``ANDROID_ADB_SERVER_ADDRESS`` / ``ANDROID_ADB_SERVER_PORT``, else 127.0.0.1:5037.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from howsafe.errors import AdbCommandError as AdbCommandError  # re-exported (defined in errors.py)
from howsafe.errors import AdbFileError as AdbFileError  # re-exported
from howsafe.errors import DeviceDisconnected, NoDeviceError, SourceError, TooLargeError
from howsafe.parse.numbers import strict_int

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
#: Largest output accepted from one command. ``dumpsys package`` on a phone with 500 apps is a few
#: MiB; anything far beyond that is not a phone talking.
MAX_OUTPUT_BYTES = 128 * 1024 * 1024
_MAX_MESSAGE = 64 * 1024
#: Sync protocol bounds (AOSP file_sync_protocol.h): a DATA chunk carries at most 64 KiB, a path
#: at most 1024 bytes.
SYNC_DATA_MAX = 64 * 1024
SYNC_PATH_MAX = 1024
# struct sync_stat_v2: id, error, dev, ino, mode, nlink, uid, gid, size, atime, mtime, ctime.
_STA2 = struct.Struct("<4sIQQIIIIQqqq")
# struct sync_stat_v1: id, mode, size, mtime (lstat; all zero when the path does not exist).
_STAT1 = struct.Struct("<4sIII")
_SYNC_HEAD = struct.Struct("<4sI")

USB_DEBUGGING_HINT = (
    "connect the phone by USB, enable Developer options (Settings > About phone: tap 'Build number', "
    "or 'MIUI version'/'OS version' on Xiaomi, 7 times), turn on 'USB debugging' "
    "(on MIUI/HyperOS also 'USB debugging (Security settings)'), "
    "then unlock the phone and accept 'Allow USB debugging?' for this computer"
)

# Shell protocol v2 packet ids (AOSP adb shell_protocol.h).
_V2_STDOUT = 1
_V2_STDERR = 2
_V2_EXIT = 3


@dataclass(frozen=True)
class DeviceEntry:
    """One line of ``adb devices``: a serial and its state (device, unauthorized, offline, ...)."""

    serial: str
    state: str


@dataclass(frozen=True)
class ShellResult:
    """What a shell command printed. ``exit_code`` is None when the phone lacks shell v2."""

    command: str
    stdout: str
    stderr: str = ""
    exit_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code in (0, None)


@dataclass(frozen=True)
class RemoteStat:
    """What ``STAT``/``STA2`` told about a path on the phone. ``exists`` is False for a missing path."""

    path: str
    exists: bool
    mode: int = 0
    size: int = 0
    mtime: int = 0

    @property
    def is_file(self) -> bool:
        return self.exists and (self.mode & 0o170000) == 0o100000


@runtime_checkable
class AdbTransport(Protocol):
    """What collection needs from adb. Implementations map every failure onto howsafe.errors:
    NoDeviceError (no server / no phone), DeviceDisconnected (phone gone mid-way),
    AdbCommandError (the phone would not run one command)."""

    def devices(self) -> list[DeviceEntry]:
        """The phones the adb server sees, in its order."""
        ...

    def shell(self, serial: str, command: str) -> ShellResult:
        """Run ``command`` on the phone ``serial`` and return its output."""
        ...


@runtime_checkable
class AdbFileTransport(Protocol):
    """Reading files from the phone (the sync service). Failures map like :class:`AdbTransport`'s,
    plus AdbFileError (the phone refused this one file) and TooLargeError (over ``max_bytes``)."""

    def stat(self, serial: str, path: str) -> RemoteStat:
        """Size, mode and mtime of ``path`` on the phone ``serial``."""
        ...

    def pull(self, serial: str, path: str, sink: Callable[[bytes], None], *, max_bytes: int) -> int:
        """Stream ``path`` to ``sink`` in chunks of at most 64 KiB; return the bytes received.

        Stops with TooLargeError as soon as more than ``max_bytes`` arrive.
        """
        ...


@runtime_checkable
class AdbPullTransport(AdbTransport, AdbFileTransport, Protocol):
    """Both halves: list phones and run ``pm``, then read the APK files it names."""


def server_address(env: Mapping[str, str] | None = None) -> tuple[str, int]:
    """Where the adb server listens, read from the environment as the adb command reads it."""
    env = os.environ if env is None else env
    sock = env.get("ADB_SERVER_SOCKET", "").strip()
    if sock:
        if not sock.startswith("tcp:"):
            raise NoDeviceError(f"ADB_SERVER_SOCKET={sock!r} is not supported (use tcp:HOST:PORT)")
        rest = sock[4:]
        host, sep, port_text = rest.rpartition(":")
        if not sep:
            host, port_text = DEFAULT_HOST, rest
        return (host.strip("[]") or DEFAULT_HOST), _port(port_text, "ADB_SERVER_SOCKET")
    host = env.get("ANDROID_ADB_SERVER_ADDRESS", "").strip() or DEFAULT_HOST
    port_text = env.get("ANDROID_ADB_SERVER_PORT", "").strip()
    return host, (_port(port_text, "ANDROID_ADB_SERVER_PORT") if port_text else DEFAULT_PORT)


def _port(text: str, name: str) -> int:
    port = strict_int(text, max_digits=5) or -1
    if not 0 < port < 65536:
        raise NoDeviceError(f"{name}={text!r} is not a TCP port number")
    return port


class _Conn:
    """One socket to the adb server with bounded, exact reads."""

    def __init__(self, sock: socket.socket, *, serial: str | None) -> None:
        self.sock = sock
        self.serial = serial

    def close(self) -> None:
        self.sock.close()

    def send(self, request: str) -> None:
        data = request.encode("utf-8")
        self.sock.sendall(b"%04x" % len(data) + data)

    def read_exact(self, n: int) -> bytes:
        chunks: list[bytes] = []
        left = n
        while left:
            chunk = self.sock.recv(min(left, 1 << 16))
            if not chunk:
                raise EOFError(f"connection closed after {n - left} of {n} bytes")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def read_block(self) -> bytes:
        size_text = self.read_exact(4)
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise EOFError(f"bad length {size_text!r} from adb server") from exc
        if size > _MAX_MESSAGE:
            raise EOFError(f"adb server message of {size} bytes is too long")
        return self.read_exact(size)

    def status(self) -> str | None:
        """Read OKAY/FAIL; return None on OKAY, the server's message on FAIL."""
        head = self.read_exact(4)
        if head == b"OKAY":
            return None
        if head == b"FAIL":
            return self.read_block().decode("utf-8", "replace").strip()
        raise EOFError(f"unexpected answer {head!r} from adb server")


class AdbServerTransport:
    """:class:`AdbTransport` over a running adb server (never starts one: read-only, no side effects)."""

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        timeout: float = 120.0,
        connect_timeout: float = 5.0,
        max_output: int = MAX_OUTPUT_BYTES,
    ) -> None:
        if host is None or port is None:
            env_host, env_port = server_address()
            host, port = host or env_host, port or env_port
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_output = max_output
        self._features: dict[str, frozenset[str]] = {}

    # -- connection ------------------------------------------------------------------------------

    def _connect(self, *, serial: str | None) -> _Conn:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            if serial is not None:
                raise DeviceDisconnected(
                    f"lost the adb server at {self.host}:{self.port} while reading phone {serial}; nothing was written"
                ) from exc
            raise NoDeviceError(
                f"no adb server at {self.host}:{self.port} (start it with `adb start-server` from "
                f"Android platform-tools); {USB_DEBUGGING_HINT}"
            ) from exc
        sock.settimeout(self.timeout)
        return _Conn(sock, serial=serial)

    def _host_query(self, request: str) -> bytes:
        conn = self._connect(serial=None)
        try:
            conn.send(request)
            failure = conn.status()
            if failure is not None:
                raise NoDeviceError(f"adb server refused {request!r}: {failure}")
            return conn.read_block()
        except (OSError, EOFError) as exc:
            raise NoDeviceError(
                f"the adb server at {self.host}:{self.port} did not answer {request!r} ({exc}); "
                "restart it with `adb kill-server && adb start-server`"
            ) from exc
        finally:
            conn.close()

    # -- host services ---------------------------------------------------------------------------

    def version(self) -> int:
        """The adb server's protocol version (``host:version``)."""
        text = self._host_query("host:version").decode("ascii", "replace")
        try:
            return int(text, 16)
        except ValueError as exc:
            raise NoDeviceError(f"the program at {self.host}:{self.port} is not an adb server") from exc

    def devices(self) -> list[DeviceEntry]:
        text = self._host_query("host:devices").decode("utf-8", "replace")
        entries = []
        for line in text.splitlines():
            serial, _, state = line.partition("\t")
            if serial.strip():
                entries.append(DeviceEntry(serial=serial.strip(), state=state.strip() or "unknown"))
        return entries

    def features(self, serial: str) -> frozenset[str]:
        """The phone's adb features (``shell_v2`` means exit codes); empty if the server won't say."""
        if serial not in self._features:
            conn = self._connect(serial=serial)
            try:
                conn.send(f"host-serial:{serial}:features")
                failure = conn.status()
                text = "" if failure is not None else conn.read_block().decode("utf-8", "replace")
            except (OSError, EOFError) as exc:
                raise DeviceDisconnected(f"phone {serial} went away ({exc}); nothing was written") from exc
            finally:
                conn.close()
            self._features[serial] = frozenset(f.strip() for f in text.split(",") if f.strip())
        return self._features[serial]

    # -- shell -----------------------------------------------------------------------------------

    def shell(self, serial: str, command: str) -> ShellResult:
        v2 = "shell_v2" in self.features(serial)
        conn = self._connect(serial=serial)
        try:
            conn.send(f"host:transport:{serial}")
            failure = conn.status()
            if failure is not None:
                raise _transport_failure(serial, failure)
            conn.send(f"shell,v2,raw:{command}" if v2 else f"shell:{command}")
            failure = conn.status()
            if failure is not None:
                if _is_gone(failure):
                    raise DeviceDisconnected(f"phone {serial} went away: {failure}; nothing was written")
                raise AdbCommandError(f"phone {serial} would not run {command!r}: {failure}")
            result = self._read_v2(conn, command) if v2 else self._read_v1(conn, command)
        except TimeoutError as exc:
            raise SourceError(
                f"phone {serial} did not finish {command!r} within {self.timeout:.0f} s; unlock it and try again"
            ) from exc
        except (OSError, EOFError) as exc:
            raise DeviceDisconnected(
                f"phone {serial} disconnected while running {command!r}; nothing was written"
            ) from exc
        finally:
            conn.close()
        log.debug("adb %s: %r -> %d bytes, exit %s", serial, command, len(result.stdout), result.exit_code)
        return result

    def _read_v1(self, conn: _Conn, command: str) -> ShellResult:
        data = bytearray()
        while True:
            chunk = conn.sock.recv(1 << 16)
            if not chunk:
                break
            data += chunk
            self._check_size(len(data), command)
        # Without v2 the phone may run the command on a pty, which turns \n into \r\n.
        text = decode(bytes(data)).replace("\r\n", "\n")
        return ShellResult(command=command, stdout=text, exit_code=None)

    def _read_v2(self, conn: _Conn, command: str) -> ShellResult:
        out = bytearray()
        err = bytearray()
        while True:
            header = conn.read_exact(5)
            kind, size = struct.unpack("<BI", header)
            self._check_size(len(out) + len(err) + size, command)
            payload = conn.read_exact(size)
            if kind == _V2_STDOUT:
                out += payload
            elif kind == _V2_STDERR:
                err += payload
            elif kind == _V2_EXIT:
                code = payload[0] if payload else 255
                return ShellResult(
                    command=command, stdout=decode(bytes(out)), stderr=decode(bytes(err)), exit_code=code
                )
            # Other packet kinds (window size, close-stdin) carry nothing for us.

    def _check_size(self, size: int, command: str) -> None:
        if size > self.max_output:
            limit = self.max_output // (1024 * 1024)
            raise SourceError(f"output of {command!r} exceeds {limit} MiB; stopped")

    # -- sync (file transfer) --------------------------------------------------------------------

    def _sync_open(self, serial: str, path: str) -> _Conn:
        """A connection to ``serial`` switched to the sync service."""
        conn = self._connect(serial=serial)
        try:
            conn.send(f"host:transport:{serial}")
            failure = conn.status()
            if failure is not None:
                raise _transport_failure(serial, failure)
            conn.send("sync:")
            failure = conn.status()
            if failure is not None:
                if _is_gone(failure):
                    raise DeviceDisconnected(f"phone {serial} went away: {failure}")
                raise AdbFileError(f"phone {serial} would not open its file service for {path}: {failure}")
        except BaseException as exc:
            conn.close()
            if isinstance(exc, (OSError, EOFError)):
                raise DeviceDisconnected(f"phone {serial} disconnected while opening {path}") from exc
            raise
        return conn

    def _sync_send(self, conn: _Conn, ident: bytes, path: str) -> None:
        data = path.encode("utf-8")
        if len(data) > SYNC_PATH_MAX:
            raise AdbFileError(f"path longer than {SYNC_PATH_MAX} bytes: {path[:80]!r}...")
        conn.sock.sendall(_SYNC_HEAD.pack(ident, len(data)) + data)

    def _sync_guard(self, serial: str, path: str) -> _SyncGuard:
        return _SyncGuard(serial, path, self.timeout)

    def stat(self, serial: str, path: str) -> RemoteStat:
        v2 = "stat_v2" in self.features(serial)
        conn = self._sync_open(serial, path)
        try:
            with self._sync_guard(serial, path):
                self._sync_send(conn, b"STA2" if v2 else b"STAT", path)
                if v2:
                    head = conn.read_exact(8)
                    if head[:4] == b"FAIL":
                        raise AdbFileError(f"phone {serial} would not stat {path}: {_fail_text(conn, head)}")
                    fields = _STA2.unpack(head + conn.read_exact(_STA2.size - 8))
                    ident, error, mode, size, mtime = fields[0], fields[1], fields[4], fields[8], fields[10]
                    if ident != b"STA2":
                        raise _bad_stat(serial, ident, path)
                    exists = error == 0
                else:
                    head = conn.read_exact(8)
                    if head[:4] == b"FAIL":
                        raise AdbFileError(f"phone {serial} would not stat {path}: {_fail_text(conn, head)}")
                    ident, mode, size, mtime = _STAT1.unpack(head + conn.read_exact(_STAT1.size - 8))
                    if ident != b"STAT":
                        raise _bad_stat(serial, ident, path)
                    exists = mode != 0 or size != 0 or mtime != 0
                _sync_quit(conn)
        finally:
            conn.close()
        if not exists:
            return RemoteStat(path=path, exists=False)
        return RemoteStat(path=path, exists=True, mode=mode, size=size, mtime=mtime)

    def pull(self, serial: str, path: str, sink: Callable[[bytes], None], *, max_bytes: int) -> int:
        conn = self._sync_open(serial, path)
        received = 0
        try:
            with self._sync_guard(serial, path):
                self._sync_send(conn, b"RECV", path)
            while True:
                with self._sync_guard(serial, path):
                    head = conn.read_exact(8)
                    ident, size = _SYNC_HEAD.unpack(head)
                    if ident == b"DONE":
                        _sync_quit(conn)
                        return received
                    if ident == b"FAIL":
                        raise AdbFileError(f"phone {serial} would not send {path}: {_fail_text(conn, head)}")
                    if ident != b"DATA" or size > SYNC_DATA_MAX:
                        raise AdbFileError(
                            f"phone {serial} sent a broken sync frame ({ident!r}, {size} bytes) for {path}"
                        )
                    if received + size > max_bytes:
                        raise TooLargeError(
                            f"{path} on phone {serial} is larger than {max_bytes // (1024 * 1024)} MiB; not pulled"
                        )
                    chunk = conn.read_exact(size)
                received += size
                sink(chunk)  # outside the guard: a local write error is not a lost phone
        finally:
            conn.close()


class _SyncGuard:
    """Map socket failures during one sync exchange onto howsafe.errors (the phone went away)."""

    def __init__(self, serial: str, path: str, timeout: float) -> None:
        self.serial = serial
        self.path = path
        self.timeout = timeout

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            return
        if isinstance(exc, TimeoutError):
            raise SourceError(
                f"phone {self.serial} stopped sending {self.path} for {self.timeout:.0f} s; unlock it and try again"
            ) from exc
        if isinstance(exc, (OSError, EOFError)):
            raise DeviceDisconnected(f"phone {self.serial} disconnected while sending {self.path}") from exc


def _fail_text(conn: _Conn, head: bytes) -> str:
    """The message of a sync ``FAIL`` whose 8-byte header was read already."""
    (size,) = struct.unpack("<I", head[4:8])
    if size > _MAX_MESSAGE:
        return f"(an error message of {size} bytes)"
    return conn.read_exact(size).decode("utf-8", "replace").strip()[:300]


def _sync_quit(conn: _Conn) -> None:
    """End the sync session politely; a phone that already hung up is fine here."""
    with contextlib.suppress(OSError):
        conn.sock.sendall(_SYNC_HEAD.pack(b"QUIT", 0))


def _bad_stat(serial: str, ident: bytes, path: str) -> AdbFileError:
    return AdbFileError(f"phone {serial} sent {ident!r} instead of a stat reply for {path}")


def decode(data: bytes) -> str:
    """Phones print UTF-8 but app labels and vendor props can hold anything: never fail on bytes."""
    return data.decode("utf-8", "replace").replace("\x00", "")


def _is_gone(message: str) -> bool:
    lowered = message.lower()
    return "not found" in lowered or "offline" in lowered or "no devices" in lowered


def _transport_failure(serial: str, message: str) -> SourceError:
    lowered = message.lower()
    if "unauthorized" in lowered:
        return NoDeviceError(unauthorized_message(serial))
    if _is_gone(message):
        return DeviceDisconnected(f"phone {serial} went away ({message}); nothing was written")
    return SourceError(f"adb could not reach phone {serial}: {message}")


def unauthorized_message(serial: str) -> str:
    return (
        f"phone {serial} has not authorised this computer: unlock it and tap 'Allow' on the "
        "'Allow USB debugging?' prompt (no prompt? replug the cable, or revoke USB debugging "
        "authorisations in Developer options and replug)"
    )
