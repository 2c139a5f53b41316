"""Apply a plan to a phone over adb, and undo it, with the journal written before every phone step.

Apply, for each phone step in plan order:

1. read the phone's current state for the step (``pm list packages ... --user 0 ID``,
   ``settings get``, ``appops get``); if it is already what the step wants, record ``already``
   and send nothing (re-running is idempotent);
2. for an account-bound package, read ``dumpsys account``: a signed-in vendor account (or an
   unreadable answer without ``signed_out=True``) stops the run before anything is sent;
3. append the step, the state before and its inverse to the journal; fsync; only then
4. send the command; read the state back; ``done`` when it matches, else ``failed`` and stop.

A phone that disconnects mid-step leaves the entry ``pending``: its outcome is unknown, and
:func:`undo` checks it on the phone. Undo walks the journal backwards and restores each entry's
``before`` state with the allowlisted inverse commands, deciding from what the phone shows now,
so it is safe after a crash at any point and safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from howsafe.errors import ApplyInterrupted as ApplyInterrupted  # re-exported (defined in errors.py)
from howsafe.errors import HardenError as HardenError  # re-exported
from howsafe.errors import SourceError
from howsafe.harden.commands import Allowlist, Command, UnsafeCommandError, allowlist
from howsafe.harden.journal import Entry, Journal
from howsafe.harden.model import Step
from howsafe.parse.numbers import strict_int
from howsafe.progress import Observer
from howsafe.sources.adb_failures import shell_failures
from howsafe.sources.adb_transport import AdbCommandError, AdbTransport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    journal: Journal
    done: int
    already: int
    total: int


class Phone:
    """The allowlisted reads and writes harden needs, over one adb transport and serial."""

    def __init__(self, transport: AdbTransport, serial: str, allow: Allowlist | None = None) -> None:
        self.transport = transport
        self.serial = serial
        self.allow = allow or allowlist()
        self.sent: list[str] = []

    def run(self, command: Command) -> str:
        """Send one allowlisted command; its stdout, or HardenError when the phone reports a failure."""
        allowed = self.allow.parse(command.name, command.words)  # re-validate whatever built it
        self.sent.append(allowed.shell)
        try:
            result = self.transport.shell(self.serial, allowed.shell)
        except AdbCommandError as exc:
            raise HardenError(f"the phone refused `{allowed.shell}`: {exc}") from exc
        text = (result.stdout + result.stderr).strip()
        markers = shell_failures()  # [failure_markers.harden] of sources/adb_commands.toml
        if allowed.writes:  # (the id itself may hold a marker word: com.example.ErrorReporter)
            failed = markers.harden_write.find(text, ignore=allowed.words[2:]) is not None
        else:  # a read's output is data (ids, values): only a failure line from the shell counts
            failed = markers.harden_read.find(text) is not None
        failed = failed or not result.ok
        if failed:
            first = text.splitlines()[-1] if text else f"exit code {result.exit_code}"
            raise HardenError(f"the phone refused `{allowed.shell}`: {first[:200]}")
        return result.stdout

    def _ids(self, name: str, package: str) -> bool:
        out = self.run(self.allow.build(name, package=package))
        return any(line.strip() == f"package:{package}" for line in out.splitlines())

    def package_state(self, package: str) -> dict[str, object]:
        exists = self._ids("list_all", package)
        installed = exists and self._ids("list_installed", package)
        disabled = installed and self._ids("list_disabled", package)
        return {"exists": exists, "installed": installed, "enabled": installed and not disabled}

    def setting(self, namespace: str, key: str) -> dict[str, object]:
        out = self.run(self.allow.build("settings_get", namespace=namespace, key=key)).strip()
        return {"value": None if out in ("", "null") else out}

    def appop(self, package: str, op: str) -> dict[str, object]:
        out = self.run(self.allow.build("appops_get", package=package, op=op))
        for line in out.splitlines():
            name, sep, rest = line.strip().partition(":")
            if sep and name == op:
                return {"mode": rest.split(";")[0].strip() or "default"}
        return {"mode": "default"}

    def accounts(self) -> str:
        return self.run(self.allow.build("accounts"))


# -- state of one step ------------------------------------------------------------------------


def read_state(
    phone: Phone,
    op: str,
    target: str,
    *,
    namespace: str | None = None,
    key: str | None = None,
    appop: str | None = None,
) -> dict[str, object]:
    if op in ("disable", "uninstall"):
        return phone.package_state(target)
    if op == "setting":
        assert namespace is not None and key is not None
        return phone.setting(namespace, key)
    if op == "appops":
        assert appop is not None
        return phone.appop(target, appop)
    raise HardenError(f"unknown step operation {op!r}")


def _entry_read(phone: Phone, entry: Entry) -> dict[str, object]:
    ns, key, appop = _entry_fields(entry)
    return read_state(phone, entry.op, _entry_package(entry), namespace=ns, key=key, appop=appop)


def _entry_package(entry: Entry) -> str:
    return entry.target.split("/", 1)[0] if entry.op == "appops" else entry.target


def _entry_fields(entry: Entry) -> tuple[str | None, str | None, str | None]:
    if entry.op == "setting":
        ns, _, key = entry.target.partition("/")
        return ns, key, None
    if entry.op == "appops":
        return None, None, entry.target.partition("/")[2]
    return None, None, None


def _matches(state: dict[str, object], want: dict[str, object]) -> bool:
    return all(state.get(k) == v for k, v in want.items())


def _planned(
    step: Step, before: dict[str, object], allow: Allowlist
) -> tuple[dict[str, object], list[Command], list[Command]]:
    """(expected state, action, inverse) of ``step`` given the phone's state before it."""
    if step.op == "disable":
        return ({"installed": True, "enabled": False}, list(step.action), [allow.build("enable", package=step.target)])
    if step.op == "uninstall":
        undo = [allow.build("install_existing", package=step.target)]
        if before.get("enabled") is False:
            undo.append(allow.build("disable", package=step.target))
        return {"installed": False}, list(step.action), undo
    if step.op == "setting":
        assert step.namespace is not None and step.key is not None and step.value is not None
        prev = before.get("value")
        value = step.value
        if step.clear_bits is not None:
            base = strict_int(str(prev).strip(), signed=True) if prev is not None else None
            value = str((base or 0) & ~step.clear_bits)
        action = [allow.build("settings_put", namespace=step.namespace, key=step.key, value=value)]
        if prev is None:
            undo = [allow.build("settings_delete", namespace=step.namespace, key=step.key)]
        else:
            try:
                undo = [allow.build("settings_put", namespace=step.namespace, key=step.key, value=str(prev))]
            except UnsafeCommandError as exc:
                raise HardenError(
                    f"{step.target} holds {prev!r}, which could not be written back safely; the step was not applied"
                ) from exc
        return {"value": value}, action, undo
    if step.op == "appops":
        assert step.appop is not None and step.mode is not None
        prev_mode = str(before.get("mode") or "default")
        undo = [allow.build("appops_set", package=step.target, op=step.appop, mode=prev_mode)]
        return {"mode": step.mode}, list(step.action), undo
    raise HardenError(f"step {step.id} has nothing to send")


def _account_signed_in(phone: Phone, step: Step, signed_out: bool) -> str | None:
    """Why ``step`` must wait for a sign-out, or None when it may go ahead."""
    if not step.requires:
        return None
    try:
        text = phone.accounts()
    except HardenError:
        if signed_out:
            return None
        return (
            f"{step.target} is tied to a vendor account and this phone does not show its accounts "
            "over adb; sign out on the phone, then re-run with --signed-out"
        )
    for kind in step.account_types:
        if f"type={kind}}}" in text or f"type={kind}," in text:
            return f"{step.target} is tied to a signed-in account ({kind}): sign out on the phone first"
    return None


def apply_plan(
    steps: Sequence[Step],
    phone: Phone,
    journal: Journal,
    *,
    observer: Observer | None = None,
    signed_out: bool = False,
) -> RunResult:
    """Apply ``steps`` (phone steps of a plan) in order; see the module docstring."""
    notify = observer or (lambda what, done, total: None)
    todo = [s for s in steps if s.action]
    journal.state = "applying"
    journal.save()
    done = already = 0
    for index, step in enumerate(todo):
        notify(step.title, index, len(todo))
        try:
            before = read_state(phone, step.op, step.target, namespace=step.namespace, key=step.key, appop=step.appop)
        except SourceError as exc:
            journal.state = "stopped"
            journal.save()
            raise ApplyInterrupted(
                f"the phone went away before step {index + 1} ({step.target}); "
                f"nothing of it was sent. Journal: {journal.path}"
            ) from exc
        if step.op in ("disable", "uninstall") and before.get("exists") is False:
            journal.state = "stopped"
            journal.save()
            raise HardenError(
                f"{step.target} is not on this phone; stopped before step {index + 1}. "
                f"Re-read the phone and plan again. Journal: {journal.path}"
            )
        expected, action, undo = _planned(step, before, phone.allow)
        seq = len(journal.entries) + 1
        if _matches(before, expected):
            journal.entries.append(
                Entry(
                    seq=seq,
                    step=step.id,
                    kind=step.kind,
                    op=step.op,
                    target=_target(step),
                    before=before,
                    expected=expected,
                    action=action,
                    undo=undo,
                    status="already",
                    note="already in the wanted state; nothing sent",
                )
            )
            journal.save()
            already += 1
            continue
        wait = _account_signed_in(phone, step, signed_out)
        if wait is not None:
            journal.state = "stopped"
            journal.save()
            raise HardenError(f"stopped before step {index + 1}: {wait}. Journal: {journal.path}")
        entry = Entry(
            seq=seq,
            step=step.id,
            kind=step.kind,
            op=step.op,
            target=_target(step),
            before=before,
            expected=expected,
            action=action,
            undo=undo,
            status="pending",
        )
        journal.entries.append(entry)
        journal.save()  # written and fsynced BEFORE the phone is touched
        try:
            for command in action:
                phone.run(command)
            after = read_state(phone, step.op, step.target, namespace=step.namespace, key=step.key, appop=step.appop)
        except SourceError as exc:
            raise ApplyInterrupted(
                f"the phone went away during step {index + 1} ({step.target}); its outcome is unknown. "
                f"Reconnect it and run `howsafe undo {journal.path} --adb` (it checks the phone)"
            ) from exc
        except HardenError as exc:
            entry.status = "failed"
            entry.note = str(exc)
            journal.state = "stopped"
            journal.save()
            raise HardenError(
                f"step {index + 1} failed: {exc}. Done before it: {done} step(s); "
                f"undo them with `howsafe undo {journal.path} --adb`"
            ) from exc
        if not _matches(after, expected):
            entry.status = "failed"
            entry.note = f"read back {after}, wanted {expected}"
            journal.state = "stopped"
            journal.save()
            raise HardenError(
                f"step {index + 1} ({step.target}) did not take effect (read back {after}); "
                f"stopped. Undo the {done} step(s) before it with "
                f"`howsafe undo {journal.path} --adb`"
            )
        entry.status = "done"
        journal.save()
        done += 1
    notify("done", len(todo), len(todo))
    journal.state = "applied"
    journal.save()
    return RunResult(journal=journal, done=done, already=already, total=len(todo))


def _target(step: Step) -> str:
    if step.op == "setting":
        return f"{step.namespace}/{step.key}"
    if step.op == "appops":
        return f"{step.target}/{step.appop}"
    return step.target


def _restore_commands(entry: Entry, now: dict[str, object], allow: Allowlist) -> list[Command]:
    """Allowlisted commands that bring ``now`` back to ``entry.before``."""
    before = entry.before
    if entry.op in ("disable", "uninstall"):
        pkg = entry.target
        cmds: list[Command] = []
        installed = now.get("installed")
        enabled = now.get("enabled")
        if before.get("installed") and not installed:
            cmds.append(allow.build("install_existing", package=pkg))
            enabled = True  # the user's package state starts from the default (enabled)
        elif not before.get("installed") and installed:
            cmds.append(allow.build("uninstall_keep", package=pkg))
            return cmds
        if before.get("installed") and enabled != before.get("enabled"):
            cmds.append(allow.build("enable" if before.get("enabled") else "disable", package=pkg))
        return cmds
    if entry.op == "setting":
        ns, _, key = entry.target.partition("/")
        prev = before.get("value")
        if prev is None:
            return [allow.build("settings_delete", namespace=ns, key=key)]
        return [allow.build("settings_put", namespace=ns, key=key, value=str(prev))]
    if entry.op == "appops":
        pkg, _, op = entry.target.partition("/")
        return [allow.build("appops_set", package=pkg, op=op, mode=str(before.get("mode") or "default"))]
    raise HardenError(f"journal entry {entry.seq} has an unknown operation {entry.op!r}")


def _restored(entry: Entry, now: dict[str, object]) -> bool:
    keys = ("installed", "enabled") if entry.op in ("disable", "uninstall") else tuple(entry.before)
    return all(now.get(k) == entry.before.get(k) for k in keys)


def undo(journal: Journal, phone: Phone, *, observer: Observer | None = None) -> RunResult:
    """Restore every entry of ``journal`` in reverse order (see the module docstring)."""
    notify = observer or (lambda what, done, total: None)
    if phone.serial != journal.serial:
        raise HardenError(
            f"journal {journal.path} belongs to phone {journal.serial}, not {phone.serial}; "
            "attach that phone or pass --serial"
        )
    todo = [e for e in reversed(journal.entries) if e.status not in ("already", "undone")]
    journal.state = "undoing"
    journal.save()
    restored = 0
    for index, entry in enumerate(todo):
        notify(f"restore {entry.target}", index, len(todo))
        try:
            now = _entry_read(phone, entry)
            if _restored(entry, now):
                entry.status = "undone"
                entry.note = (entry.note + "; " if entry.note else "") + "phone already showed the state before"
                journal.save()
                continue
            commands = _restore_commands(entry, now, phone.allow)
            entry.status = "undoing"
            journal.save()  # written before the phone is touched, like apply
            for command in commands:
                phone.run(command)
            after = _entry_read(phone, entry)
        except SourceError as exc:
            raise ApplyInterrupted(
                f"the phone went away while restoring {entry.target}; reconnect it and "
                f"run `howsafe undo {journal.path} --adb` again"
            ) from exc
        except HardenError as exc:
            journal.save()
            raise HardenError(
                f"could not restore {entry.target}: {exc}. {restored} step(s) restored so far; "
                f"fix the cause and run `howsafe undo {journal.path} --adb` again"
            ) from exc
        if not _restored(entry, after):
            journal.save()
            raise HardenError(
                f"{entry.target} still reads {after} after restoring (wanted {entry.before}); "
                f"stopped. Journal: {journal.path}"
            )
        entry.status = "undone"
        journal.save()
        restored += 1
    notify("done", len(todo), len(todo))
    journal.state = "undone"
    journal.save()
    return RunResult(
        journal=journal, done=restored, already=len(journal.entries) - len(todo), total=len(journal.entries)
    )


__all__ = ["ApplyInterrupted", "HardenError", "Phone", "RunResult", "apply_plan", "read_state", "undo"]
