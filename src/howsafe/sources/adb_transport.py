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

The server is found like the ``adb`` command finds it: ``ADB_SERVER_SOCKET=tcp:HOST:PORT``, else
``ANDROID_ADB_SERVER_ADDRESS`` / ``ANDROID_ADB_SERVER_PORT``, else 127.0.0.1:5037.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from howsafe.errors import DeviceDisconnected, NoDeviceError, SourceError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
#: Largest output accepted from one command. ``dumpsys package`` on a phone with 500 apps is a few
#: MiB; anything far beyond that is not a phone talking.
MAX_OUTPUT_BYTES = 128 * 1024 * 1024
_MAX_MESSAGE = 64 * 1024

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


class AdbCommandError(SourceError):
    """The phone refused to start a command (the connection itself is fine)."""


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
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
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
                    f"lost the adb server at {self.host}:{self.port} while reading phone {serial}; "
                    "nothing was written"
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
                f"phone {serial} did not finish {command!r} within {self.timeout:.0f} s; "
                "unlock it and try again"
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
                return ShellResult(command=command, stdout=decode(bytes(out)), stderr=decode(bytes(err)),
                                   exit_code=code)
            # Other packet kinds (window size, close-stdin) carry nothing for us.

    def _check_size(self, size: int, command: str) -> None:
        if size > self.max_output:
            limit = self.max_output // (1024 * 1024)
            raise SourceError(f"output of {command!r} exceeds {limit} MiB; stopped")


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
