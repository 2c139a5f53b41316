"""Read a live phone over adb into a Snapshot, read-only.

The commands sent are data (``adb_commands.toml``): ``getprop``, ``pm list packages`` (with the
flags for uid/installer/paths and the system / third-party / disabled lists), ``settings list``,
``dumpsys`` of package/accessibility/device_policy/notification/backup, ``getenforce``, ``ps``,
``cat /proc/version`` and androidqf's root-binary probe. Nothing else is ever sent; a test holds
the replay server to that list.

A command the phone refuses (permission denied, unknown service) becomes a ``Snapshot.missing``
entry; a phone that goes away mid-way raises :class:`~howsafe.errors.DeviceDisconnected` so no
partial snapshot can be written as if it were complete. Parsing is left to
:func:`howsafe.sources.assemble.snapshot_from_outputs`, shared with the dump sources.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from msgspec.structs import replace

from howsafe import __version__
from howsafe.errors import DeviceDisconnected, NoDeviceError, SourceError
from howsafe.model import Missing, Snapshot, SourceInfo, SourceKind
from howsafe.progress import Observer
from howsafe.sources.adb_failures import FailureMarkers, failure_reason, shell_failures
from howsafe.sources.adb_transport import (
    USB_DEBUGGING_HINT,
    AdbCommandError,
    AdbServerTransport,
    AdbTransport,
    DeviceEntry,
    ShellResult,
    unauthorized_message,
)
from howsafe.sources.redact import REDACTED

log = logging.getLogger(__name__)

USER_RETRY_SUFFIX = " --user 0"


@dataclass(frozen=True)
class Step:
    """One output to collect and the commands that may produce it, in order of preference."""

    key: str
    commands: tuple[str, ...]
    user_retry: bool = False
    min_lines: int = 0
    scan_all: bool = False


@dataclass(frozen=True)
class CommandPlan:
    """The whole allowlist, loaded from ``adb_commands.toml``."""

    steps: tuple[Step, ...]
    failure_markers: FailureMarkers
    marker_head_lines: int
    root_key: str
    root_command: str
    root_names: tuple[str, ...]
    root_source: str

    def root_commands(self) -> tuple[str, ...]:
        return tuple(self.root_command.format(name=name) for name in self.root_names)

    def allowed_commands(self) -> frozenset[str]:
        """Every command string collection may send."""
        allowed = set(self.root_commands())
        for step in self.steps:
            for cmd in step.commands:
                allowed.add(cmd)
                if step.user_retry:
                    allowed.add(cmd + USER_RETRY_SUFFIX)
        return frozenset(allowed)


@cache
def command_plan() -> CommandPlan:
    """The allowlist shipped with the package."""
    text = Path(__file__).resolve().with_name("adb_commands.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    steps = tuple(
        Step(
            key=s["key"],
            commands=tuple(s["try"]),
            user_retry=bool(s.get("user_retry", False)),
            min_lines=int(s.get("min_lines", 0)),
            scan_all=bool(s.get("scan_all", False)),
        )
        for s in data["steps"]
    )
    probe = data["root_probe"]
    failures = shell_failures()
    return CommandPlan(
        steps=steps,
        failure_markers=failures.collect,
        marker_head_lines=failures.head_lines,
        root_key=probe["key"],
        root_command=probe["command"],
        root_names=tuple(probe["names"]),
        root_source=probe["source"],
    )


def allowed_commands() -> frozenset[str]:
    """Every shell command ``collect_adb`` may send (for tests and documentation)."""
    return command_plan().allowed_commands()


def select_device(entries: list[DeviceEntry], serial: str | None) -> str:
    """Pick the phone to read, or say in one line why none can be read."""
    if serial is not None:
        chosen = next((e for e in entries if e.serial == serial), None)
        if chosen is None:
            attached = ", ".join(e.serial for e in entries) or "none"
            raise NoDeviceError(
                f"no phone with serial {serial} is attached (attached: {attached}); {USB_DEBUGGING_HINT}"
            )
    elif not entries:
        raise NoDeviceError(f"no phone attached over adb: {USB_DEBUGGING_HINT}")
    elif len(entries) > 1:
        listed = ", ".join(f"{e.serial} ({e.state})" for e in entries)
        raise SourceError(f"several phones are attached ({listed}); choose one with --serial")
    else:
        chosen = entries[0]
    state = chosen.state
    if state == "device":
        return chosen.serial
    if state == "unauthorized":
        raise NoDeviceError(unauthorized_message(chosen.serial))
    if state == "offline":
        raise NoDeviceError(f"phone {chosen.serial} is offline: unlock it and replug the USB cable")
    if "permission" in state:
        raise NoDeviceError(
            f"no permission to open phone {chosen.serial} over USB (on Linux add a udev "
            "rule for it, e.g. Debian's android-sdk-platform-tools-common package)"
        )
    raise NoDeviceError(f"phone {chosen.serial} is in '{state}' mode; boot it normally, then {USB_DEBUGGING_HINT}")


class _Collector:
    """Runs the plan against one phone; failures of single commands are remembered, not raised."""

    def __init__(self, transport: AdbTransport, serial: str, plan: CommandPlan) -> None:
        self.transport = transport
        self.serial = serial
        self.plan = plan
        self.allowed = plan.allowed_commands()
        self.user0 = False
        self.sent: list[str] = []

    def run(self, command: str) -> ShellResult:
        if command not in self.allowed:  # a bug, never a device condition
            raise AssertionError(f"refusing to send {command!r}: not in the read-only allowlist")
        self.sent.append(command)
        return self.transport.shell(self.serial, command)

    def failure(self, result: ShellResult, step: Step) -> str | None:
        """Why a result is a failure, or None when it is usable output."""
        lines = result.stdout.lstrip().splitlines()
        head = "\n".join(lines if step.scan_all else lines[: self.plan.marker_head_lines])
        reason = failure_reason(self.plan.failure_markers, result, head)
        if reason is not None:
            return reason
        if step.min_lines and len(lines) < step.min_lines:
            return "no output"
        return None

    def attempts(self, step: Step) -> Iterator[str]:
        for cmd in step.commands:
            if step.user_retry and self.user0:
                yield cmd + USER_RETRY_SUFFIX
                yield cmd
            else:
                yield cmd
                if step.user_retry:
                    yield cmd + USER_RETRY_SUFFIX

    def collect(self, step: Step) -> tuple[str | None, str]:
        """Output of the first command of ``step`` that succeeds, else None and the last reason."""
        reason = "not run"
        for cmd in self.attempts(step):
            try:
                result = self.run(cmd)
            except AdbCommandError as exc:
                reason = str(exc)
                continue
            why = self.failure(result, step)
            if why is None:
                if cmd.endswith(USER_RETRY_SUFFIX) and not self.user0:
                    log.info("pm needed --user 0 on this phone (a second user or work profile exists)")
                    self.user0 = True
                return result.stdout, cmd
            reason = f"`{cmd}` failed: {why}"
            log.info("adb %s", reason)
        return None, reason

    def root_probe(self) -> tuple[str | None, str]:
        """androidqf's probe: ``which -a NAME`` prints the paths found, nothing (exit 1) if none.

        A phone whose shell lacks ``which`` (before toybox, Android 6) answers "which: not found"
        for every name: that is "could not probe", never "no root".
        """
        found: list[str] = []
        errors: list[str] = []
        for cmd in self.plan.root_commands():
            try:
                result = self.run(cmd)
            except AdbCommandError as exc:
                errors.append(str(exc))
                continue
            text = result.stdout + result.stderr
            if "which: not found" in text or "inaccessible or not found" in text:
                errors.append(f"`{cmd}`: {text.strip().splitlines()[0][:200]}")
                continue
            if result.exit_code not in (0, None):
                continue  # which: exit 1 = not found
            for line in result.stdout.splitlines():
                path = line.strip()
                if path.startswith("/") and "not found" not in path:
                    found.append(path)
        if len(errors) == len(self.plan.root_names):
            return None, f"the root-binary probe could not run: {errors[0]}"
        return json.dumps(found), "which -a"


def collect_adb(
    serial: str | None = None,
    *,
    redact: bool = True,
    observer: Observer | None = None,
    transport: AdbTransport | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Snapshot:
    """Read the phone ``serial`` (or the only one attached) and return its Snapshot.

    Raises NoDeviceError (no server, no phone, unauthorised phone), DeviceDisconnected (the phone
    went away: nothing partial is returned) or SourceError.
    """
    transport = transport or AdbServerTransport()
    plan = command_plan()
    total = len(plan.steps) + 1
    notify = observer or (lambda step, done, total: None)
    notify("connecting", 0, total)
    chosen = select_device(transport.devices(), serial)
    started = (clock or (lambda: dt.datetime.now(dt.UTC)))()

    collector = _Collector(transport, chosen, plan)
    outputs: dict[str, str] = {}
    missing: list[Missing] = []

    def record(key: str, text: str | None, why: str) -> None:
        if text is not None:
            outputs[key] = text
        else:  # the phone's error line may quote its serial
            missing.append(Missing(item=key, reason=why.replace(chosen, REDACTED) if redact else why))

    for done, step in enumerate(plan.steps):
        notify(step.key, done, total)
        record(step.key, *collector.collect(step))
    notify(plan.root_key, total - 1, total)
    record(plan.root_key, *collector.root_probe())
    # A phone without shell v2 cannot tell a finished command from a pulled cable (no exit
    # code), so make sure it is still there before trusting the last output.
    try:
        still_there = any(e.serial == chosen and e.state == "device" for e in transport.devices())
    except NoDeviceError as exc:
        raise DeviceDisconnected(f"lost the adb server while reading phone {chosen}; nothing was written") from exc
    if not still_there:
        raise DeviceDisconnected(f"phone {chosen} went away during collection; nothing was written")
    notify("done", total, total)

    source = SourceInfo(
        kind=SourceKind.ADB,
        location=f"adb:{redact_serial(chosen) if redact else chosen}",
        collected_at=started,
        tool=f"howsafe {__version__}",
        files=tuple(dict.fromkeys(collector.sent)),
    )
    return _assemble(outputs, source, redact=redact, missing=missing)


def redact_serial(serial: str) -> str:
    """The serial number is an identifier: a redacted snapshot does not carry it."""
    del serial
    return REDACTED


def _assemble(outputs: dict[str, str], source: SourceInfo, *, redact: bool, missing: list[Missing]) -> Snapshot:
    """Parse outputs with the shared assembler, then say why each absent output is absent.

    The assembler marks a state missing only when no other output supplied it (accessibility
    services can come from ``settings secure`` too); there our reason (the phone's own error line)
    replaces its generic one. Outputs it does not track (the extra pm lists) are added.
    """
    from howsafe.sources.assemble import snapshot_from_outputs

    snapshot = snapshot_from_outputs(outputs, source=source, redact=redact)
    if not missing:
        return snapshot
    reasons = {_MISSING_ITEM.get(m.item, m.item): m.reason for m in missing}
    merged = [replace(m, reason=reasons.pop(m.item)) if m.item in reasons else m for m in snapshot.missing]
    merged += [Missing(item=item, reason=reason) for item, reason in reasons.items() if item not in _TRACKED_ELSEWHERE]
    return replace(snapshot, missing=tuple(merged))


# Output key -> the Snapshot.missing item the assembler uses for the state it yields.
_MISSING_ITEM = {
    "getprop": "properties",
    "settings_global": "settings.global",
    "settings_secure": "settings.secure",
    "settings_system": "settings.system",
    "packages_system": "packages.system_flag",
    "packages_thirdparty": "packages.thirdparty_flag",
    "packages_disabled": "packages.enabled_flag",
    "packages_installed": "packages.installed_flag",
    "dumpsys_package": "dumpsys.package",
    "dumpsys_accessibility": "special_access.accessibility_services",
    "dumpsys_device_policy": "special_access.device_admins",
    "dumpsys_notification": "special_access.notification_listeners",
    "dumpsys_backup": "backup",
    "getenforce": "selinux",
    "ps": "processes",
    "proc_version": "kernel",
}
# States the assembler reports itself when (and only when) no other output supplied them.
_TRACKED_ELSEWHERE = frozenset(v for k, v in _MISSING_ITEM.items() if not k.startswith("packages_")) | {
    "packages",
    "root_binaries",
}
