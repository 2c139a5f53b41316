"""The allowlist of phone commands (``allowlist.toml``) and the validation of every word sent.

Nothing reaches a phone unless it is built here: a command name from the allowlist plus values
that match the allowlist's pattern for their placeholder. A hostile package id from a dump, or a
tampered knowledge file, therefore fails with :class:`UnsafeCommandError` before any phone is
touched. :func:`sh_quote` quotes for a POSIX shell (``--format sh``), always, even harmless words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from howsafe.errors import KnowledgeError
from howsafe.errors import UnsafeCommandError as UnsafeCommandError  # re-exported (defined in errors.py)

ALLOWLIST = Path(__file__).resolve().with_name("allowlist.toml")
_PLACEHOLDER = re.compile(r"^\{([a-z_]+)\}$")
#: Characters a POSIX shell treats specially; none may appear in a word sent (belt and braces).
_SHELL_SPECIAL = frozenset("\t\n\r \"#$&'()*;<>?[\\]`{|}~!\x00")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    words: tuple[str, ...]
    writes: bool


@dataclass(frozen=True)
class Allowlist:
    commands: Mapping[str, CommandSpec]
    patterns: Mapping[str, re.Pattern[str]]

    def check(self, placeholder: str, value: str) -> str:
        """``value`` if it is allowed for ``placeholder``, else UnsafeCommandError."""
        pattern = self.patterns.get(placeholder)
        if pattern is None:
            raise KnowledgeError(f"allowlist has no pattern for {{{placeholder}}}")
        if not isinstance(value, str) or not pattern.fullmatch(value) or _SHELL_SPECIAL & set(value):
            raise UnsafeCommandError(
                f"refusing to send {placeholder} {value!r} to the phone: not a valid "
                f"{placeholder} (only {pattern.pattern} is allowed)"
            )
        return value

    def valid(self, placeholder: str, value: str) -> bool:
        try:
            self.check(placeholder, value)
        except UnsafeCommandError:
            return False
        return True

    def build(self, name: str, **values: str) -> Command:
        """The command ``name`` with its placeholders filled, every value checked."""
        spec = self.commands.get(name)
        if spec is None:
            raise UnsafeCommandError(f"command {name!r} is not in the allowlist")
        words: list[str] = []
        used: set[str] = set()
        for word in spec.words:
            m = _PLACEHOLDER.match(word)
            if m is None:
                words.append(word)
                continue
            key = m.group(1)
            if key not in values:
                raise UnsafeCommandError(f"command {name!r} needs a {key}")
            words.append(self.check(key, values[key]))
            used.add(key)
        extra = set(values) - used
        if extra:
            raise UnsafeCommandError(f"command {name!r} takes no {', '.join(sorted(extra))}")
        return Command(name=name, words=tuple(words), writes=spec.writes)

    def parse(self, name: str, words: list[str] | tuple[str, ...]) -> Command:
        """Re-validate a command read back from a journal: same shape as the allowlist's, every
        placeholder value checked again (a journal is a file anyone could edit)."""
        spec = self.commands.get(name)
        if spec is None or len(words) != len(spec.words):
            raise UnsafeCommandError(f"journal command {name!r} {list(words)!r} is not in the allowlist")
        values: dict[str, str] = {}
        for want, got in zip(spec.words, words, strict=True):
            m = _PLACEHOLDER.match(want)
            if m is None:
                if want != got:
                    raise UnsafeCommandError(f"journal command {list(words)!r} is not in the allowlist")
            else:
                values[m.group(1)] = got
        return self.build(name, **values)


@dataclass(frozen=True)
class Command:
    """One allowlisted command, ready to send."""

    name: str
    words: tuple[str, ...]
    writes: bool

    @property
    def shell(self) -> str:
        """The string ``adb shell`` sends (words are validated, so plain spaces are exact)."""
        return " ".join(self.words)

    def adb_argv(self) -> list[str]:
        """The local ``adb shell ...`` argv (for display and scripts)."""
        return ["adb", "shell", *self.words]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "words": list(self.words), "adb": "adb shell " + self.shell}


def sh_quote(word: str) -> str:
    """Quote ``word`` for a POSIX shell, always in single quotes (``'`` becomes ``'\\''``)."""
    return "'" + word.replace("'", "'\\''") + "'"


@cache
def allowlist() -> Allowlist:
    """The allowlist shipped with the package."""
    try:
        raw = tomllib.loads(ALLOWLIST.read_text(encoding="utf-8"))
        commands = {
            name: CommandSpec(name=name, words=tuple(str(w) for w in spec["words"]), writes=bool(spec["writes"]))
            for name, spec in raw["commands"].items()
        }
        patterns = {name: re.compile(str(p)) for name, p in raw["patterns"].items()}
    except (OSError, KeyError, TypeError, re.error, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"harden allowlist {ALLOWLIST.name} is invalid: {exc}") from exc
    for spec in commands.values():
        for word in spec.words:
            m = _PLACEHOLDER.match(word)
            if m is None and _SHELL_SPECIAL & set(word):
                raise KnowledgeError(f"allowlist word {word!r} holds shell syntax")
            if m is not None and m.group(1) not in patterns:
                raise KnowledgeError(f"allowlist command {spec.name} uses {word} without a pattern")
    return Allowlist(commands=commands, patterns=patterns)


__all__ = ["Allowlist", "Command", "UnsafeCommandError", "allowlist", "sh_quote"]
