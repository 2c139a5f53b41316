"""The undo journal: one file per ``harden --apply`` run, written and fsynced before each phone step.

File format (JSON, ``"format": "howsafe-harden-journal"``, ``"version": 1``): the run (phone serial,
device, profile, level, the grade before), then one entry per step in the order applied::

    {"seq": 1, "step": "package:com.miui.analytics", "kind": "package", "op": "disable",
     "target": "com.miui.analytics", "before": {"installed": true, "enabled": true},
     "expected": {"installed": true, "enabled": false},
     "action": [{"name": "disable", "words": ["pm", "disable-user", "--user", "0", "com.miui.analytics"]}],
     "undo":   [{"name": "enable",  "words": ["pm", "enable", "--user", "0", "com.miui.analytics"]}],
     "status": "done", "note": ""}

``status``: ``pending`` (written, the phone may or may not have run it: undo checks the phone),
``done`` (read back and verified), ``failed`` (ran, read-back differs), ``already`` (the phone was
in the wanted state; nothing sent, nothing to undo), ``undoing`` (undo started), ``undone``.

``checksum`` is the SHA-256 of the canonical JSON of everything else. Every save writes a new file
beside the old one, fsyncs it, renames it over the old one and fsyncs the folder, so a crash leaves
either the previous or the new version, never a mix. A journal whose checksum, version or shape is
wrong is refused with one line; nothing is guessed from it. Commands read back from a journal are
checked against the allowlist again before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import platformdirs

from howsafe.errors import CorruptInputError, InputError
from howsafe.fsio import atomic_write
from howsafe.harden.commands import Command, UnsafeCommandError, allowlist

JOURNAL_FORMAT = "howsafe-harden-journal"
JOURNAL_VERSION = 1
MAX_JOURNAL_BYTES = 8 * 1024 * 1024
Status = Literal["pending", "done", "failed", "already", "undoing", "undone"]
_STATUSES = ("pending", "done", "failed", "already", "undoing", "undone")
RunState = Literal["applying", "applied", "stopped", "undoing", "undone"]
_RUN_STATES = ("applying", "applied", "stopped", "undoing", "undone")
_OPS = ("disable", "uninstall", "setting", "appops")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def journal_dir() -> Path:
    """Where journals are kept: ``<user data dir>/howsafe/journals``."""
    return Path(platformdirs.user_data_dir("howsafe", appauthor=False)) / "journals"


@dataclass
class Entry:
    seq: int
    step: str
    kind: str
    op: str
    target: str
    before: dict[str, object]
    expected: dict[str, object]
    action: list[Command]
    undo: list[Command]
    status: Status = "pending"
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "step": self.step,
            "kind": self.kind,
            "op": self.op,
            "target": self.target,
            "before": self.before,
            "expected": self.expected,
            "action": [{"name": c.name, "words": list(c.words)} for c in self.action],
            "undo": [{"name": c.name, "words": list(c.words)} for c in self.undo],
            "status": self.status,
            "note": self.note,
        }


@dataclass
class Journal:
    path: Path
    serial: str
    device: str
    profile: str
    level: str
    created: str
    state: RunState = "applying"
    before_verdict: dict[str, object] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def new(
        cls,
        *,
        serial: str,
        device: str,
        profile: str,
        level: str,
        folder: Path | None = None,
        now: dt.datetime | None = None,
        before_verdict: dict[str, object] | None = None,
    ) -> Journal:
        when = now or dt.datetime.now(dt.UTC)
        folder = folder or journal_dir()
        stamp = when.strftime("%Y%m%dT%H%M%S%fZ")
        name = f"harden-{stamp}-{_SAFE_NAME.sub('_', serial)[:40]}.json"
        journal = cls(
            path=folder / name,
            serial=serial,
            device=device,
            profile=profile,
            level=level,
            created=when.isoformat(),
            before_verdict=dict(before_verdict or {}),
        )
        return journal

    def body(self) -> dict[str, object]:
        return {
            "format": JOURNAL_FORMAT,
            "version": JOURNAL_VERSION,
            "created": self.created,
            "serial": self.serial,
            "device": self.device,
            "profile": self.profile,
            "level": self.level,
            "state": self.state,
            "before_verdict": self.before_verdict,
            "entries": [e.to_json() for e in self.entries],
        }

    def save(self) -> None:
        """Write atomically and durably (temp file, fsync, rename, fsync the folder)."""
        body = self.body()
        doc = {**body, "checksum": checksum(body)}
        data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise self._write_error(f"{exc.strerror or exc}") from exc
        # temp file beside it, fsync, rename, fsync the folder: durable before the phone is touched
        atomic_write(self.path, data, error=self._write_error, mode=0o600, sync_dir=True)

    def _write_error(self, message: str) -> InputError:
        reason = message.removeprefix(f"cannot write {self.path}: ")
        return InputError(f"cannot write the undo journal {self.path}: {reason}; nothing more is sent to the phone")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.status] = out.get(e.status, 0) + 1
        return out


def checksum(body: dict[str, object]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _damaged(path: Path, why: str) -> CorruptInputError:
    return CorruptInputError(
        f"undo journal {path} is damaged ({why}); it was not used and nothing was "
        "sent to the phone. Restore it from a backup, or undo by hand with the "
        "commands `howsafe harden --format sh` prints"
    )


def load_journal(path: Path) -> Journal:
    """Read and verify a journal; any damage is a CorruptInputError with one clear line."""
    try:
        size = path.stat().st_size
        if size > MAX_JOURNAL_BYTES:
            raise _damaged(path, f"{size} bytes is far larger than a journal")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"no undo journal at {path}") from exc
    except OSError as exc:
        raise InputError(f"cannot read the undo journal {path}: {exc.strerror or exc}") from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(path, f"not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise _damaged(path, "not a journal object")
    if doc.get("format") != JOURNAL_FORMAT:
        raise _damaged(path, "not a howsafe harden journal")
    if doc.get("version") != JOURNAL_VERSION:
        raise _damaged(path, f"version {doc.get('version')!r}; this howsafe reads version {JOURNAL_VERSION}")
    stored = doc.pop("checksum", None)
    if stored != checksum(doc):
        raise _damaged(path, "checksum mismatch: the file was changed or cut short")
    try:
        entries = [_entry(e) for e in doc["entries"]]
        state = doc["state"]
        if state not in _RUN_STATES:
            raise ValueError(f"unknown run state {state!r}")
        journal = Journal(
            path=path,
            serial=_str(doc["serial"]),
            device=_str(doc["device"]),
            profile=_str(doc["profile"]),
            level=_str(doc["level"]),
            created=_str(doc["created"]),
            state=cast(RunState, state),
            before_verdict=dict(doc.get("before_verdict") or {}),
            entries=entries,
        )
    except (KeyError, TypeError, ValueError, UnsafeCommandError) as exc:
        raise _damaged(path, f"unexpected content: {exc}") from exc
    seqs = [e.seq for e in journal.entries]
    if seqs != list(range(1, len(seqs) + 1)):
        raise _damaged(path, "entries out of order")
    return journal


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _state(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError("state is not an object")
    for k, v in value.items():
        if not isinstance(k, str) or not (v is None or isinstance(v, bool | str | int)):
            raise TypeError(f"state field {k!r} has an unexpected value")
    return dict(value)


def _commands(value: object) -> list[Command]:
    if not isinstance(value, list):
        raise TypeError("commands is not a list")
    allow = allowlist()
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("words"), list):
            raise TypeError("a command is not an object with words")
        words = item["words"]
        if not all(isinstance(w, str) for w in words):
            raise TypeError("a command word is not text")
        out.append(allow.parse(_str(item.get("name")), words))
    return out


def _entry(value: object) -> Entry:
    if not isinstance(value, dict):
        raise TypeError("an entry is not an object")
    status = value["status"]
    if status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    op = _str(value["op"])
    if op not in _OPS:
        raise ValueError(f"unknown operation {op!r}")
    seq = value["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise TypeError("seq is not a number")
    return Entry(
        seq=seq,
        step=_str(value["step"]),
        kind=_str(value["kind"]),
        op=op,
        target=_str(value["target"]),
        before=_state(value["before"]),
        expected=_state(value["expected"]),
        action=_commands(value["action"]),
        undo=_commands(value["undo"]),
        status=cast(Status, status),
        note=_str(value.get("note", "")),
    )


def latest_journal(folder: Path | None = None, *, serial: str | None = None) -> Path:
    """The newest journal that still holds changes to undo (optionally for one phone)."""
    folder = folder or journal_dir()
    candidates = sorted(folder.glob("harden-*.json"), reverse=True) if folder.is_dir() else []
    for path in candidates:
        journal = load_journal(path)  # a damaged journal is refused, never skipped over
        if journal.state == "undone" or (serial is not None and journal.serial != serial):
            continue
        if not any(e.status in ("pending", "done", "failed", "undoing") for e in journal.entries):
            continue  # nothing was changed by that run (every step was already in place)
        return path
    where = f" for phone {serial}" if serial else ""
    raise InputError(f"no undo journal{where} in {folder} still to undo; give its path: howsafe undo JOURNAL --adb")


__all__ = ["Entry", "Journal", "checksum", "journal_dir", "latest_journal", "load_journal"]
