"""A phone's changeable state for the replay adb server: packages for user 0, settings, app-ops.

Why: ``howsafe harden --apply`` and ``howsafe undo`` change a phone and read the change back. To test
them end to end over a real TCP adb connection, the replay server must remember what the commands
did. :class:`PhoneState` starts from a recording (the package lists and ``settings list`` outputs it
holds) and answers the write and read-back commands below the way the Android shell commands do
(AOSP ``PackageManagerShellCommand``, ``SettingsService``, ``AppOpsService`` shell commands):

- ``pm disable-user --user 0 P`` / ``pm enable --user 0 P``      (enabled state for user 0)
- ``pm uninstall -k --user 0 P`` / ``cmd package install-existing --user 0 P``  (installed for user 0;
  the APK and its data stay, so install-existing brings it back)
- ``pm list packages [-d|-e|-s|-3|-u|-f|-i|-U] [--user 0] [FILTER]``  (FILTER is a substring, as on a phone)
- ``settings get|put|delete NS KEY [VALUE]`` and ``settings list NS``
- ``appops get|set [--user 0] P OP [MODE]``

A command outside these falls through to the recording (and is refused when not recorded), so
nothing is invented. Settings a recording says nothing about are treated as unset (``null``), which
is what a phone answers for a key no app wrote; a test that needs a value seeds it explicitly.

:func:`recording_from_device_folder` renders a recording from a real device folder of the test data
(``getprop.txt`` copied, ``packages.txt`` / ``packages-f.txt`` rendered into the ``pm list`` formats),
with the same rules as ``scripts/build_recordings.py``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from howsafe.errors import CorruptInputError
from howsafe.parse.numbers import strict_int

_PKG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_NS = ("global", "secure", "system")
#: Commands that change state (a crash test counts these).
WRITE_VERBS = (
    "pm disable-user",
    "pm enable",
    "pm uninstall",
    "cmd package install-existing",
    "settings put",
    "settings delete",
    "appops set",
)


@dataclass
class PackageRecord:
    """One package as ``pm`` knows it for user 0."""

    installed: bool = True
    enabled: bool = True
    system: bool = True
    path: str | None = None
    uid: int | None = None
    installer: str = "null"


@dataclass
class PhoneState:
    """What the replayed phone holds now; every write command changes it."""

    packages: dict[str, PackageRecord] = field(default_factory=dict)
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Namespaces whose ``settings list`` the recording holds (others are refused until written).
    listed: set[str] = field(default_factory=set)
    appops: dict[tuple[str, str], str] = field(default_factory=dict)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_replies(cls, replies: Mapping[str, str]) -> PhoneState:
        """Seed the state from recorded command outputs (command -> stdout)."""
        state = cls()
        full = replies.get("pm list packages -f -i -U -u") or replies.get("pm list packages -u") or ""
        for line in full.splitlines():
            rec = _parse_pm_line(line)
            if rec is not None:
                pkg, record = rec
                state.packages[pkg] = record
        installed_text = replies.get("pm list packages")
        for pkg in _ids(installed_text or ""):
            state.packages.setdefault(pkg, PackageRecord())
        if installed_text is not None:
            installed = set(_ids(installed_text))
            for pkg, record in state.packages.items():
                record.installed = pkg in installed
        for pkg in _ids(replies.get("pm list packages -d", "")):
            if pkg in state.packages:
                state.packages[pkg].enabled = False
        third = set(_ids(replies.get("pm list packages -3", "")))
        for pkg, record in state.packages.items():
            record.system = pkg not in third
        for ns in _NS:
            text = replies.get(f"settings list {ns}")
            if text is None:
                continue
            state.listed.add(ns)
            values = state.settings.setdefault(ns, {})
            for line in text.splitlines():
                key, sep, value = line.partition("=")
                if sep and key:
                    values[key] = value
        return state

    def copy(self) -> PhoneState:
        return copy.deepcopy(self)

    def facts(self) -> dict[str, object]:
        """Everything a harden step can change, as plain data (compared field by field in tests)."""
        return {
            "packages": {p: {"installed": r.installed, "enabled": r.enabled} for p, r in self.packages.items()},
            "settings": {ns: dict(sorted(v.items())) for ns, v in sorted(self.settings.items()) if v},
            "appops": {f"{p}/{op}": m for (p, op), m in sorted(self.appops.items())},
        }

    # -- answering ---------------------------------------------------------------------------

    def answer(self, command: str) -> tuple[str, str, int] | None:
        """(stdout, stderr, exit code) for a state command; None when the command is not one."""
        words = command.split()
        if not words:
            return None
        if words[:3] == ["pm", "list", "packages"]:
            return self._list(words[3:])
        if words[:2] == ["pm", "disable-user"] or words[:2] == ["pm", "enable"]:
            return self._set_enabled(words[1], _strip_user(words[2:]))
        if words[:3] == ["pm", "uninstall", "-k"]:
            return self._uninstall(_strip_user(words[3:]))
        if words[:3] == ["cmd", "package", "install-existing"] or words[:2] == ["pm", "install-existing"]:
            rest = words[3:] if words[0] == "cmd" else words[2:]
            return self._install_existing(_strip_user(rest))
        if words[0] == "settings" and len(words) >= 3:
            return self._settings(words[1:])
        if words[0] == "appops" and len(words) >= 2:
            return self._appops(words[1], _strip_user(words[2:]))
        return None

    def _list(self, args: list[str]) -> tuple[str, str, int] | None:
        flags: set[str] = set()
        filt = ""
        rest = _strip_user(args)
        if rest is None:
            return None
        for arg in rest:
            if arg.startswith("-") and len(arg) == 2:
                flags.add(arg)
            elif not filt and not arg.startswith("-"):
                filt = arg
            else:
                return None
        if not flags <= {"-d", "-e", "-s", "-3", "-u", "-f", "-i", "-U"}:
            return None
        lines = []
        for pkg, rec in self.packages.items():
            if not rec.installed and "-u" not in flags:
                continue
            if ("-d" in flags and rec.enabled) or ("-e" in flags and not rec.enabled):
                continue
            if ("-s" in flags and not rec.system) or ("-3" in flags and rec.system):
                continue
            if filt and filt not in pkg:
                continue
            line = "package:"
            if "-f" in flags and rec.path:
                line += f"{rec.path}="
            line += pkg
            if "-i" in flags:
                line += f"  installer={rec.installer}"
            if "-U" in flags and rec.uid is not None:
                line += f" uid:{rec.uid}"
            lines.append(line + "\n")
        return "".join(lines), "", 0

    def _unknown(self, verb: str, pkg: str) -> tuple[str, str, int]:
        return (
            "",
            f"Exception occurred while executing '{verb}':\n"
            f"java.lang.IllegalArgumentException: Unknown package: {pkg}\n",
            255,
        )

    def _set_enabled(self, verb: str, rest: list[str] | None) -> tuple[str, str, int] | None:
        if rest is None or len(rest) != 1 or not _PKG.match(rest[0]):
            return None
        pkg = rest[0]
        rec = self.packages.get(pkg)
        if rec is None or not rec.installed:
            return self._unknown(verb, pkg)
        rec.enabled = verb == "enable"
        state = "enabled" if rec.enabled else "disabled-user"
        return f"Package {pkg} new state: {state}\n", "", 0

    def _uninstall(self, rest: list[str] | None) -> tuple[str, str, int] | None:
        if rest is None or len(rest) != 1 or not _PKG.match(rest[0]):
            return None
        rec = self.packages.get(rest[0])
        if rec is None or not rec.installed:
            return "Failure [not installed for 0]\n", "", 1
        rec.installed = False
        rec.enabled = True  # the user's state is cleared; install-existing starts from the default
        return "Success\n", "", 0

    def _install_existing(self, rest: list[str] | None) -> tuple[str, str, int] | None:
        if rest is None or len(rest) != 1 or not _PKG.match(rest[0]):
            return None
        pkg = rest[0]
        rec = self.packages.get(pkg)
        if rec is None:
            return ("", f"android.content.pm.PackageManager$NameNotFoundException: Package {pkg} doesn't exist\n", 1)
        rec.installed = True
        return f"Package {pkg} installed for user: 0\n", "", 0

    def _settings(self, args: list[str]) -> tuple[str, str, int] | None:
        verb, ns = args[0], args[1]
        if ns not in _NS:
            return None
        values = self.settings.setdefault(ns, {})
        if verb == "list" and len(args) == 2:
            if ns not in self.listed:
                return None
            return "".join(f"{k}={v}\n" for k, v in sorted(values.items())), "", 0
        if verb == "get" and len(args) == 3:
            return f"{values.get(args[2], 'null')}\n", "", 0
        if verb == "put" and len(args) == 4:
            values[args[2]] = args[3]
            return "", "", 0
        if verb == "delete" and len(args) == 3:
            gone = values.pop(args[2], None) is not None
            return f"Deleted {1 if gone else 0} rows\n", "", 0
        return None

    def _appops(self, verb: str, rest: list[str] | None) -> tuple[str, str, int] | None:
        if rest is None or not rest or not _PKG.match(rest[0]):
            return None
        pkg = rest[0]
        if pkg not in self.packages:
            return "", f"Error: Unknown package: {pkg}\n", 255
        if verb == "get" and len(rest) == 2:
            mode = self.appops.get((pkg, rest[1]))
            return (f"{rest[1]}: {mode}\n" if mode else "No operations.\n"), "", 0
        if verb == "set" and len(rest) == 3:
            if rest[2] == "default":
                self.appops.pop((pkg, rest[1]), None)
            else:
                self.appops[(pkg, rest[1])] = rest[2]
            return "", "", 0
        return None


def is_write(command: str) -> bool:
    """True for a command that changes the phone's state."""
    return command.startswith(WRITE_VERBS)


def _strip_user(args: list[str]) -> list[str] | None:
    """``args`` without ``--user 0``; None for another user (this phone has only user 0)."""
    out: list[str] = []
    it = iter(args)
    for arg in it:
        if arg == "--user":
            if next(it, None) != "0":
                return None
            continue
        out.append(arg)
    return out


def _ids(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        rec = _parse_pm_line(line)
        if rec is not None:
            out.append(rec[0])
    return out


def _parse_pm_line(line: str) -> tuple[str, PackageRecord] | None:
    if not line.startswith("package:"):
        return None
    body = line[len("package:") :].strip()
    head, _, tail = body.partition(" ")
    path = None
    if "=" in head:
        path, _, pkg = head.rpartition("=")
    else:
        pkg = head
    if not _PKG.match(pkg):
        return None
    rec = PackageRecord(path=path or None)
    for word in tail.split():
        if word.startswith("installer="):
            rec.installer = word[len("installer=") :]
        elif word.startswith("uid:"):
            rec.uid = strict_int(word[4:].split(",")[0])
    return pkg, rec


# -- recordings from the real device folders of the test data -----------------------------------


def recording_manifest(folder: Path) -> dict[str, object]:
    """Render a replay recording (a ``manifest.json`` with inline outputs) from a device folder.

    ``getprop.txt`` is copied; ``packages.txt`` (installed ids) and ``packages-f.txt`` (APK paths)
    are rendered into the ``pm list packages`` variants collection sends, with ``installer=null``
    (preinstalled) and uids rendered as 1000 for ``android`` and 10000 + list position otherwise
    (not real values); ``-3`` is the packages whose APK sits in a ``data-app`` folder; nothing is
    disabled (factory state); ``settings list global`` holds only ``adb_enabled=1`` and
    ``development_settings_enabled=1``, true of any phone answering over adb. Anything else is not
    recorded.
    """
    try:
        getprop = (folder / "getprop.txt").read_text(encoding="utf-8")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptInputError(f"cannot read device folder {folder}: {exc}") from exc
    props = {}
    for line in getprop.splitlines():
        if line.startswith("[") and "]: [" in line:
            key, _, value = line[1:].partition("]: [")
            props[key] = value.rstrip("]")
    commands: dict[str, dict[str, object]] = {
        "getprop": {"stdout": getprop},
        "settings list global": {"stdout": "adb_enabled=1\ndevelopment_settings_enabled=1\n"},
    }
    pkg_file = folder / "packages.txt"
    if pkg_file.is_file():
        ids = _ids(pkg_file.read_text(encoding="utf-8"))
        paths: dict[str, str] = {}
        f_file = folder / "packages-f.txt"
        if f_file.is_file():
            for line in f_file.read_text(encoding="utf-8").splitlines():
                if line.startswith("package:") and "=" in line:
                    path, _, pkg = line[len("package:") :].rpartition("=")
                    paths.setdefault(pkg.strip(), path)
        uids = {pkg: (1000 if pkg == "android" else 10000 + i) for i, pkg in enumerate(ids)}
        full = "".join(
            (f"package:{paths[p]}={p}" if p in paths else f"package:{p}") + f"  installer=null uid:{uids[p]}\n"
            for p in ids
        )
        third = [p for p in ids if "/data-app/" in paths.get(p, "")]
        commands.update(
            {
                "pm list packages -f -i -U -u": {"stdout": full},
                "pm list packages -s": {"stdout": "".join(f"package:{p}\n" for p in ids if p not in third)},
                "pm list packages -3": {"stdout": "".join(f"package:{p}\n" for p in third)},
                "pm list packages -d": {"stdout": ""},
                "pm list packages": {"stdout": "".join(f"package:{p}\n" for p in ids)},
            }
        )
    return {
        "serial": f"replay-{props.get('ro.product.device') or folder.name[:20]}",
        "state": "device",
        "product": props.get("ro.product.name", ""),
        "model": props.get("ro.product.model", ""),
        "device": props.get("ro.product.device", ""),
        "provenance": {
            "device_folder": folder.name,
            "source": meta.get("source", ""),
            "rule": "see howsafe.sources.replay_state.recording_manifest",
        },
        "commands": commands,
    }


__all__ = ["PackageRecord", "PhoneState", "is_write", "recording_manifest"]
