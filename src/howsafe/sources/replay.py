"""A replay adb server: a real TCP server on 127.0.0.1 that answers like an adb server with a phone.

Why: ``collect --adb`` must be testable end to end without a phone (httpx's ``MockTransport`` idea,
but one level lower: the real client code talks to a real socket). Each shell command is answered
from recorded output; a command that was not recorded gets ``FAIL`` so nothing is ever invented at
run time. ``fail_after=N`` drops the connection on the (N+1)-th shell command and makes the phone
vanish from ``host:devices``, as an unplugged cable does.

Recordings live in folders holding ``manifest.json`` (serial, state, adb features, and for each
shell command either the file holding its stdout or an inline reply with stderr and exit code) next
to the output files; ``howsafe/sources/recordings/`` ships some built from real device data.

Protocol subset served: ``host:version``, ``host:devices``, ``host:devices-l``,
``host:transport:SERIAL``, ``host:transport-any``, ``host:tport:serial:SERIAL``,
``host-serial:SERIAL:features``, ``host:features``, ``shell:CMD``, ``shell,v2,raw:CMD``, and
``sync:`` with ``STAT``, ``STA2``, ``LST2``, ``RECV`` and ``QUIT`` over the files a recording
holds (``Recording.files``: remote path -> bytes or a local file streamed from disk); any other
path is missing, as on a phone. ``cut_after_bytes=N`` pulls the cable once N file bytes were sent.

With ``stateful=True`` the first phone keeps a :class:`~howsafe.sources.replay_state.PhoneState`
(``server.phone``) seeded from its recording, so the commands ``howsafe harden`` and ``howsafe undo``
send (``pm disable-user``/``enable``/``uninstall -k``/``install-existing``, ``settings
get``/``put``/``delete``, ``appops``) change it and the ``pm list`` / ``settings`` read-backs show the
change. ``cut_on_write=N`` pulls the cable during the N-th state-changing command (after the phone
applied it when ``cut_applies`` is true, before otherwise); :meth:`ReplayServer.replug` plugs it back.
``on_command`` is called after each shell command was answered (a crash test kills the client there).
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

from howsafe.errors import CorruptInputError
from howsafe.sources.replay_state import PhoneState, is_write, recording_manifest

log = logging.getLogger(__name__)

ADB_SERVER_VERSION = 41  # what platform-tools 35 reports for host:version
#: Features an Android 15 phone advertises (``adb features``); shell_v2 gives exit codes.
DEFAULT_FEATURES = (
    "shell_v2",
    "cmd",
    "stat_v2",
    "ls_v2",
    "fixed_push_mkdir",
    "apex",
    "abb",
    "fixed_push_symlink_timestamp",
    "abb_exec",
    "remount_shell",
    "track_app",
    "sendrecv_v2",
    "sendrecv_v2_brotli",
    "sendrecv_v2_lz4",
    "sendrecv_v2_zstd",
    "sendrecv_v2_dry_run_send",
    "openscreen_mdns",
    "delayed_ack",
)
_MAX_REQUEST = 64 * 1024
#: Recordings shipped in the package (built by scripts/build_recordings.py from real device data).
RECORDINGS = Path(__file__).resolve().with_name("recordings")


@dataclass(frozen=True)
class Reply:
    """The recorded answer to one shell command."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


@dataclass(frozen=True)
class Recording:
    """One phone as the replay server presents it."""

    serial: str
    replies: Mapping[str, Reply] = field(default_factory=dict)
    state: str = "device"
    features: tuple[str, ...] = DEFAULT_FEATURES
    product: str = ""
    model: str = ""
    device: str = ""
    #: Files the phone serves over ``sync:`` (remote path -> content or a local file holding it).
    files: Mapping[str, bytes | Path] = field(default_factory=dict)


#: mtime reported for served files (fixed, so a recording replays identically).
FILE_MTIME = 1_735_689_600  # 2025-01-01T00:00:00Z
_SYNC_CHUNK = 64 * 1024
_SYNC_PATH_MAX = 1024
_STA2 = "<4sIQQIIIIQqqq"  # struct sync_stat_v2 (AOSP file_sync_protocol.h)


def bundled_recording_dir(name: str) -> Path:
    """Path of a recording shipped in the package (e.g. ``"redmi-garnet"``)."""
    path = RECORDINGS / name
    if not (path / "manifest.json").is_file():
        raise CorruptInputError(f"no bundled adb recording named {name!r}")
    return path


def bundled_recordings() -> list[str]:
    return sorted(p.name for p in RECORDINGS.iterdir() if (p / "manifest.json").is_file())


def recording_from_device_folder(folder: Path | str) -> Recording:
    """A recording rendered from a real device folder of the test data (see ``recording_manifest``)."""
    return recording_from_manifest(recording_manifest(Path(folder)))


def recording_from_manifest(manifest: Mapping[str, object]) -> Recording:
    """A recording from a manifest whose commands hold inline outputs."""
    commands = manifest.get("commands")
    if not isinstance(commands, Mapping):
        raise CorruptInputError("adb recording manifest has no commands")
    replies = {
        str(cmd): Reply(
            stdout=str(spec.get("stdout", "")),
            stderr=str(spec.get("stderr", "")),
            exit_code=int(spec.get("exit_code", 0)),
        )
        for cmd, spec in commands.items()
        if isinstance(spec, Mapping)
    }
    return Recording(
        serial=str(manifest.get("serial", "replay-0001")),
        replies=replies,
        product=str(manifest.get("product", "")),
        model=str(manifest.get("model", "")),
        device=str(manifest.get("device", "")),
    )


def load_recording(path: Path | str) -> Recording:
    """Read a recording folder (``manifest.json`` + output files).

    An optional ``"files"`` object maps remote paths to file names in the folder, served over
    ``sync:`` (e.g. ``{"/data/app/~~a==/com.app-b==/base.apk": "com.app-base.apk"}``).
    """
    folder = Path(path)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        replies: dict[str, Reply] = {}
        for command, spec in manifest["commands"].items():
            stdout = spec.get("stdout", "")
            if "file" in spec:
                name = Path(spec["file"]).name  # never leave the folder
                stdout = (folder / name).read_text(encoding="utf-8")
            replies[command] = Reply(
                stdout=stdout, stderr=spec.get("stderr", ""), exit_code=int(spec.get("exit_code", 0))
            )
        files: dict[str, bytes | Path] = {}
        for remote, name in manifest.get("files", {}).items():
            local = folder / Path(name).name  # never leave the folder
            if not local.is_file():
                raise ValueError(f"served file {name!r} is missing")
            files[str(remote)] = local
        return Recording(
            serial=manifest["serial"],
            replies=replies,
            state=manifest.get("state", "device"),
            features=tuple(manifest.get("features", DEFAULT_FEATURES)),
            product=manifest.get("product", ""),
            model=manifest.get("model", ""),
            device=manifest.get("device", ""),
            files=files,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptInputError(f"cannot read adb recording {folder}: {exc}") from exc


RecordingSource = Recording | Path | str | Mapping[str, str | Reply]


def _as_recording(source: RecordingSource, serial: str | None) -> Recording:
    if isinstance(source, Recording):
        rec = source
    elif isinstance(source, Path | str):
        rec = load_recording(source)
    else:
        replies = {cmd: (r if isinstance(r, Reply) else Reply(stdout=r)) for cmd, r in source.items()}
        rec = Recording(serial=serial or "replay-0001", replies=replies)
    return replace(rec, serial=serial) if serial else rec


class ReplayServer:
    """Serve recorded phones over the adb server protocol on 127.0.0.1 (an ephemeral port).

    ``commands`` lists every shell command received, in order; ``requests`` every protocol request.
    Use as a context manager, or call :meth:`start` / :meth:`close`.
    """

    def __init__(
        self,
        recording: RecordingSource,
        *,
        serial: str | None = None,
        state: str | None = None,
        fail_after: int | None = None,
        others: Sequence[Recording] = (),
        files: Mapping[str, bytes | Path] | None = None,
        cut_after_bytes: int | None = None,
        stateful: bool = False,
        phone: PhoneState | None = None,
        cut_on_write: int | None = None,
        cut_applies: bool = False,
        on_command: Callable[[str], None] | None = None,
    ) -> None:
        first = _as_recording(recording, serial)
        if state is not None:
            first = replace(first, state=state)
        if files:
            first = replace(first, files={**first.files, **files})
        self.devices: list[Recording] = [first, *others]
        self.fail_after = fail_after
        self.cut_after_bytes = cut_after_bytes
        self.commands: list[str] = []
        self.requests: list[str] = []
        #: Every sync request received, as (id, path), e.g. ("RECV", "/data/app/.../base.apk").
        self.sync_requests: list[tuple[str, str]] = []
        self.bytes_sent = 0
        #: The first phone's changeable state (None unless stateful).
        self.phone: PhoneState | None = phone
        if self.phone is None and stateful:
            self.phone = PhoneState.from_replies({c: r.stdout for c, r in first.replies.items() if r.exit_code == 0})
        self.cut_on_write = cut_on_write
        self.cut_applies = cut_applies
        self.on_command = on_command
        self.writes: list[str] = []
        self._gone: set[str] = set()
        self._lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("replay server is not started")
        return int(self._server.server_address[1])

    def start(self) -> ReplayServer:
        replay = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                replay._handle(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="howsafe-adb-replay", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def replug(self) -> None:
        """Plug every phone back in (after ``fail_after`` / ``cut_on_write`` pulled the cable)."""
        with self._lock:
            self._gone.clear()
            self.fail_after = None
            self.cut_on_write = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- protocol --------------------------------------------------------------------------------

    def _visible(self) -> list[Recording]:
        with self._lock:
            return [d for d in self.devices if d.serial not in self._gone]

    def _find(self, serial: str) -> Recording | None:
        return next((d for d in self._visible() if d.serial == serial), None)

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        target: Recording | None = None
        try:
            while True:
                request = _read_request(sock)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                if target is None:
                    target = self._host_request(sock, request)
                    if target is None:
                        return
                    continue
                self._device_request(sock, target, request)
                return
        except (OSError, ValueError) as exc:
            log.debug("replay connection ended: %s", exc)
        finally:
            sock.close()

    def _host_request(self, sock: socket.socket, request: str) -> Recording | None:
        """Answer a host request; return the device selected by a transport request."""
        dev: Recording | None
        if request == "host:version":
            _okay_block(sock, b"%04x" % ADB_SERVER_VERSION)
        elif request in ("host:devices", "host:devices-l"):
            lines = []
            for rec in self._visible():
                line = f"{rec.serial}\t{rec.state}"
                if request.endswith("-l") and rec.state == "device":
                    line = (
                        f"{rec.serial:<22} {rec.state} product:{rec.product} model:{rec.model} "
                        f"device:{rec.device} transport_id:{self.devices.index(rec) + 1}"
                    )
                lines.append(line + "\n")
            _okay_block(sock, "".join(lines).encode())
        elif request == "host:features":
            _okay_block(sock, ",".join(DEFAULT_FEATURES).encode())
        elif request.startswith("host-serial:") and request.endswith(":features"):
            dev = self._find(request[len("host-serial:") : -len(":features")])
            if dev is None:
                _fail(sock, "device not found")
            else:
                _okay_block(sock, ",".join(dev.features).encode())
        elif request.startswith(("host:transport", "host:tport:")):
            serial = ""
            for prefix in ("host:transport:", "host:tport:serial:"):
                if request.startswith(prefix):
                    serial = request[len(prefix) :]  # may hold colons: 192.168.1.5:5555
            visible = self._visible()
            dev = self._find(serial) if serial else (visible[0] if len(visible) == 1 else None)
            if dev is None:
                _fail(sock, f"device '{serial}' not found" if serial else "more than one device/emulator")
            elif dev.state == "unauthorized":
                _fail(
                    sock,
                    "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
                    "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a "
                    "confirmation dialog on your device.",
                )
            elif dev.state != "device":
                _fail(sock, "device offline")
            else:
                sock.sendall(b"OKAY")
                if request.startswith("host:tport:"):
                    sock.sendall(struct.pack("<Q", self.devices.index(dev) + 1))
                return dev
            return None
        else:
            _fail(sock, f"unknown host service {request!r}")
        return None

    def _device_request(self, sock: socket.socket, dev: Recording, request: str) -> None:
        if request == "sync:":
            sock.sendall(b"OKAY")
            self._sync(sock, dev)
            return
        if request.startswith("shell,v2,raw:") or request.startswith("shell,v2:"):
            v2, command = True, request.split(":", 1)[1]
        elif request.startswith("shell:"):
            v2, command = False, request[len("shell:") :]
        else:
            _fail(sock, f"unknown service {request!r}")
            return
        with self._lock:
            self.commands.append(command)
            served = len(self.commands)
            drop = self.fail_after is not None and served > self.fail_after
            if drop:
                self._gone.add(dev.serial)
        stateful = self.phone is not None and dev is self.devices[0] and not drop
        if stateful and self._stateful(sock, dev, command, v2):
            if self.on_command is not None:
                self.on_command(command)
            return
        reply = dev.replies.get(command)
        if drop:
            # The cable is pulled: the stream starts, then the connection dies without an exit code.
            sock.sendall(b"OKAY")
            if reply is not None and reply.stdout:
                half = reply.stdout.encode()[: len(reply.stdout) // 2]
                sock.sendall(_v2_packet(1, half) if v2 else half)
            return
        if reply is None:
            _fail(sock, f"replay: no recorded output for {command!r}")
            return
        sock.sendall(b"OKAY")
        if not v2:
            sock.sendall(reply.stdout.encode() + reply.stderr.encode())
            return
        if reply.stdout:
            sock.sendall(_v2_packet(1, reply.stdout.encode()))
        if reply.stderr:
            sock.sendall(_v2_packet(2, reply.stderr.encode()))
        sock.sendall(_v2_packet(3, bytes([reply.exit_code & 0xFF])))
        if self.on_command is not None:
            self.on_command(command)

    def _stateful(self, sock: socket.socket, dev: Recording, command: str, v2: bool) -> bool:
        """Answer a state command from ``self.phone``; False when ``command`` is not one."""
        assert self.phone is not None
        with self._lock:
            write = is_write(command)
            cut = False
            if write:
                self.writes.append(command)
                cut = self.cut_on_write is not None and len(self.writes) == self.cut_on_write
            if cut and not self.cut_applies:
                answer: tuple[str, str, int] | None = ("", "", 0)
            else:
                answer = self.phone.answer(command)
            if answer is None:
                if write:
                    self.writes.pop()
                return False
            if cut:
                self._gone.add(dev.serial)
        sock.sendall(b"OKAY")
        if cut:
            return True  # the cable is pulled: no output, no exit code
        stdout, stderr, code = answer
        if not v2:
            sock.sendall(stdout.encode() + stderr.encode())
            return True
        if stdout:
            sock.sendall(_v2_packet(1, stdout.encode()))
        if stderr:
            sock.sendall(_v2_packet(2, stderr.encode()))
        sock.sendall(_v2_packet(3, bytes([code & 0xFF])))
        return True

    # -- sync (file transfer) --------------------------------------------------------------------

    def _sync(self, sock: socket.socket, dev: Recording) -> None:
        """Serve sync requests until QUIT, an unknown request, or the cable is pulled."""
        while True:
            head = _recv_exact(sock, 8)
            if head is None:
                return
            ident, size = struct.unpack("<4sI", head)
            if size > _SYNC_PATH_MAX:
                _sync_fail(sock, "path too long")
                return
            raw = _recv_exact(sock, size) if size else b""
            if raw is None:
                return
            name, path = ident.decode("ascii", "replace"), raw.decode("utf-8", "replace")
            with self._lock:
                self.sync_requests.append((name, path))
            source = dev.files.get(path)
            if ident == b"QUIT":
                return
            if ident == b"STAT":
                size_now = _file_size(source)
                if size_now is None:
                    sock.sendall(struct.pack("<4sIII", b"STAT", 0, 0, 0))
                else:
                    sock.sendall(struct.pack("<4sIII", b"STAT", 0o100644, size_now & 0xFFFFFFFF, FILE_MTIME))
            elif ident in (b"STA2", b"LST2"):
                size_now = _file_size(source)
                if size_now is None:
                    sock.sendall(struct.pack(_STA2, ident, errno.ENOENT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
                else:
                    sock.sendall(
                        struct.pack(
                            _STA2,
                            ident,
                            0,
                            0xFD05,
                            4242,
                            0o100644,
                            1,
                            1000,
                            1000,
                            size_now,
                            FILE_MTIME,
                            FILE_MTIME,
                            FILE_MTIME,
                        )
                    )
            elif ident == b"RECV":
                if source is None:
                    _sync_fail(sock, f"open failed: No such file or directory: {path}")
                    return  # adbd ends the sync session after a failed RECV
                if not self._send_file(sock, dev, source):
                    return
            else:
                _sync_fail(sock, f"unknown sync request {name!r}")
                return

    def _send_file(self, sock: socket.socket, dev: Recording, source: bytes | Path) -> bool:
        """Stream one file as DATA chunks + DONE; False when the cable was pulled mid-way."""
        for chunk in _chunks(source):
            with self._lock:
                limit = self.cut_after_bytes
                if limit is not None and self.bytes_sent + len(chunk) > limit:
                    part = chunk[: max(0, limit - self.bytes_sent)]
                    self.bytes_sent += len(part)
                    self._gone.add(dev.serial)
                    cut = True
                else:
                    part, cut = chunk, False
                    self.bytes_sent += len(chunk)
            if cut:
                # Header of the full chunk, then only part of it: what a pulled cable looks like.
                sock.sendall(struct.pack("<4sI", b"DATA", len(chunk)) + part)
                return False
            sock.sendall(struct.pack("<4sI", b"DATA", len(chunk)) + chunk)
        sock.sendall(struct.pack("<4sI", b"DONE", 0))
        return True


def _file_size(source: bytes | Path | None) -> int | None:
    if source is None:
        return None
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _chunks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), _SYNC_CHUNK):
            yield source[start : start + _SYNC_CHUNK]
        return
    with source.open("rb") as fh:
        while chunk := fh.read(_SYNC_CHUNK):
            yield chunk


def _sync_fail(sock: socket.socket, message: str) -> None:
    data = message.encode()
    sock.sendall(struct.pack("<4sI", b"FAIL", len(data)) + data)


def _read_request(sock: socket.socket) -> str | None:
    head = _recv_exact(sock, 4)
    if head is None:
        return None
    size = int(head, 16)
    if size > _MAX_REQUEST:
        raise ValueError("request too long")
    body = _recv_exact(sock, size) if size else b""
    if body is None:
        return None
    return body.decode("utf-8", "replace")


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _okay_block(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(b"OKAY" + b"%04x" % len(payload) + payload)


def _fail(sock: socket.socket, message: str) -> None:
    data = message.encode()
    sock.sendall(b"FAIL" + b"%04x" % len(data) + data)


def _v2_packet(kind: int, payload: bytes) -> bytes:
    return struct.pack("<BI", kind, len(payload)) + payload


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m howsafe.sources.replay [RECORDING] [--stateful]``: serve a recording until
    interrupted, so ``ANDROID_ADB_SERVER_PORT=<port> howsafe audit --adb`` can be tried without a
    phone; with ``--stateful`` the replayed phone also takes ``howsafe harden --apply`` and ``undo``."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    stateful = "--stateful" in args
    args = [a for a in args if a != "--stateful"]
    name = args[0] if args else "redmi-garnet"
    source = Path(name) if Path(name, "manifest.json").is_file() else bundled_recording_dir(name)
    with ReplayServer(source, stateful=stateful) as server:
        hint = "howsafe harden --adb --apply" if stateful else "howsafe audit --adb"
        sys.stdout.write(
            f"replaying {source.name} on 127.0.0.1:{server.port}\ntry: ANDROID_ADB_SERVER_PORT={server.port} {hint}\n"
        )
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
