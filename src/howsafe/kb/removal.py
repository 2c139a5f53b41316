"""How risky is it to disable a package? Removal levels, the never-list, and advice grouped by level.

This is the one place that decides what howsafe may call "safe to disable". Checks use
:func:`disable_advice` to write remediation prose; ``howsafe harden`` uses :func:`removal_info`,
:func:`is_never` and :func:`group_packages` to build a plan. The rules (docs/removal-levels.md):

- a package's level comes from its exact knowledge-base entry (or the user's own UAD import);
  an id known only by a prefix rule, or not at all, is ``unknown`` and grouped with ``expert``;
- an id on the never-list (``kb/data/removal/never.json``) is ``never``, whatever else says;
- an account-bound package (vendor account, find device) is never in the ``safe`` group: it needs
  "sign out first", so it is grouped under ``breaks`` at least;
- "safe" is said only of the ``safe`` group.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Literal

import msgspec

from howsafe.errors import KnowledgeError
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.package_schema import REMOVAL_RANK, RemovalLevel
from howsafe.kb.packages import PackageInfo, package_db
from howsafe.kb.schema import KbModel, KbRecord, first_error, validate

Group = Literal["safe", "breaks", "expert", "never"]
GROUPS: tuple[Group, ...] = ("safe", "breaks", "expert", "never")
NEVER_FILE = "removal/never.json"

DISABLE_COMMAND = "adb shell pm disable-user --user 0 PACKAGE"
ENABLE_COMMAND = "adb shell pm enable PACKAGE"

_GROUP_OF: dict[str, Group] = {
    "safe": "safe",
    "breaks": "breaks",
    "expert": "expert",
    "unknown": "expert",
    "never": "never",
}


class NeverEntry(KbModel, frozen=True, kw_only=True):
    """One package that must never be disabled, and why."""

    label: Annotated[str, msgspec.Meta(min_length=2)]
    reason: Annotated[str, msgspec.Meta(min_length=10)]
    sources: Annotated[tuple[str, ...], msgspec.Meta(min_length=1)]


class NeverFile(KbModel, frozen=True, kw_only=True):
    """``kb/data/removal/never.json``."""

    schema_version: Literal[1] = 1
    notes: str = ""
    sources: dict[str, str]
    packages: dict[str, NeverEntry]


class RemovalInfo(KbRecord, frozen=True):
    """What disabling one package risks, as data a plan or a remediation can act on."""

    package: str
    level: RemovalLevel
    account_bound: bool = False
    breaks: str | None = None
    label: str | None = None
    known: bool = False
    reason: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def group(self) -> Group:
        """safe / breaks / expert / never; account-bound packages are never ``safe``."""
        group = _GROUP_OF[self.level]
        if group == "safe" and self.account_bound:
            return "breaks"
        return group

    @property
    def safe(self) -> bool:
        """True only for the ``safe`` group: nothing the owner uses stops working."""
        return self.group == "safe"

    @property
    def never(self) -> bool:
        return self.group == "never"

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "level": self.level,
            "group": self.group,
            "account_bound": self.account_bound,
            "breaks": self.breaks,
            "label": self.label,
            "known": self.known,
            "reason": self.reason,
            "sources": list(self.sources),
        }


class RemovalGroups(KbRecord, frozen=True):
    """Packages sorted into the four removal groups (each tuple keeps the caller's order)."""

    safe: tuple[RemovalInfo, ...] = ()
    breaks: tuple[RemovalInfo, ...] = ()
    expert: tuple[RemovalInfo, ...] = ()
    never: tuple[RemovalInfo, ...] = ()

    def items(self) -> list[tuple[Group, tuple[RemovalInfo, ...]]]:
        """Non-empty groups, from least to most risky."""
        pairs: list[tuple[Group, tuple[RemovalInfo, ...]]] = [
            ("safe", self.safe),
            ("breaks", self.breaks),
            ("expert", self.expert),
            ("never", self.never),
        ]
        return [(g, infos) for g, infos in pairs if infos]

    def all(self) -> tuple[RemovalInfo, ...]:
        return self.safe + self.breaks + self.expert + self.never


def parse_never_file(raw: bytes | str, name: str = NEVER_FILE) -> NeverFile:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise KnowledgeError(f"{name} is invalid: {exc}") from exc
    try:
        doc = validate(parsed, NeverFile)
    except msgspec.ValidationError as exc:
        raise KnowledgeError(f"{name} is invalid: {first_error(exc, parsed, NeverFile)}") from exc
    for pid, entry in doc.packages.items():
        for key in entry.sources:
            if key not in doc.sources and not key.startswith("https://"):
                raise KnowledgeError(f"{name} {pid}: unknown source reference {key!r}")
    return doc


def never_list(kb: KnowledgeBase) -> Mapping[str, NeverEntry]:
    """Packages that must never be disabled (id -> label, reason, sources)."""

    def load() -> Mapping[str, NeverEntry]:
        path = kb.find(NEVER_FILE)
        assert path is not None  # required=True raises instead
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise KnowledgeError(f"cannot read {NEVER_FILE}: {exc.strerror or exc}") from exc
        return parse_never_file(raw).packages

    return kb.memo("howsafe.kb.removal.never", load)


def is_never(kb: KnowledgeBase, package_id: str) -> bool:
    """True when disabling ``package_id`` is never proposed (never-list or a ``never`` entry)."""
    return removal_info(kb, package_id).never


def _from_info(package_id: str, info: PackageInfo | None) -> RemovalInfo:
    if info is None or info.matched_by == "prefix":
        return RemovalInfo(package=package_id, level="unknown", label=info.label if info else None)
    level: RemovalLevel = info.removal if info.removal in REMOVAL_RANK else "unknown"  # type: ignore[assignment]
    return RemovalInfo(
        package=package_id,
        level=level,
        account_bound=info.account_bound,
        breaks=info.breaks,
        label=info.label,
        known=True,
        reason=info.override_reason,
        sources=info.sources,
    )


def removal_info(kb: KnowledgeBase, package_id: str) -> RemovalInfo:
    """The removal level of one package id (``unknown`` when nothing exact is known)."""
    pid = package_id.strip()
    never = never_list(kb).get(pid)
    base = _from_info(pid, package_db(kb).lookup(pid))
    if never is None:
        return base
    return RemovalInfo(
        package=pid,
        level="never",
        account_bound=base.account_bound,
        breaks=base.breaks,
        label=base.label or never.label,
        known=True,
        reason=never.reason,
        sources=base.sources or never.sources,
    )


def group_packages(kb: KnowledgeBase, package_ids: Iterable[str]) -> RemovalGroups:
    """Sort ``package_ids`` (duplicates dropped, order kept) into the removal groups."""
    buckets: dict[Group, list[RemovalInfo]] = {g: [] for g in GROUPS}
    for pid in dict.fromkeys(p.strip() for p in package_ids):
        info = removal_info(kb, pid)
        buckets[info.group].append(info)
    return RemovalGroups(
        safe=tuple(buckets["safe"]),
        breaks=tuple(buckets["breaks"]),
        expert=tuple(buckets["expert"]),
        never=tuple(buckets["never"]),
    )


def _breaks_item(info: RemovalInfo) -> str:
    notes: list[str] = []
    if info.account_bound:
        notes.append("sign out of the account first")
    if info.breaks:
        notes.append(f"stops: {info.breaks}")
    return f"{info.package} ({'; '.join(notes)})" if notes else info.package


def _expert_item(info: RemovalInfo) -> str:
    notes: list[str] = []
    if info.account_bound:
        notes.append("sign out of the account first")
    if info.breaks:
        notes.append(f"stops: {info.breaks}")
    if not info.known:
        notes.append("level not reviewed")
    return f"{info.package} ({'; '.join(notes)})" if notes else info.package


def advice_for_groups(groups: RemovalGroups) -> str:
    """Remediation prose generated from the levels actually present (docs/removal-levels.md)."""
    parts: list[str] = []
    for group, infos in groups.items():
        if group == "safe":
            parts.append(
                "Safe to disable (nothing else on the phone depends on them; only a package's own "
                "feature, named in brackets, stops): "
                + ", ".join(f"{i.package} ({i.breaks})" if i.breaks else i.package for i in infos)
                + f"; run `{DISABLE_COMMAND}`, undo with `{ENABLE_COMMAND}`."
            )
        elif group == "breaks":
            parts.append(
                "Disabling these stops a named feature; decide per package: "
                + "; ".join(_breaks_item(i) for i in infos)
                + "."
            )
        elif group == "expert":
            parts.append(
                "Expert level, leave enabled unless you can recover the phone over adb "
                "(system functions may fail in ways that are hard to trace): "
                + "; ".join(_expert_item(i) for i in infos)
                + "."
            )
        else:
            parts.append(
                "Never disable (the phone may stop booting, calling or installing apps); use the "
                "settings switch or sign out instead: " + ", ".join(i.package for i in infos) + "."
            )
    return " ".join(parts)


def disable_advice(kb: KnowledgeBase, package_ids: Iterable[str]) -> str:
    """Grouped remediation prose for disabling ``package_ids`` (empty string for no ids)."""
    return advice_for_groups(group_packages(kb, package_ids))


def level_label(info: RemovalInfo) -> str:
    """Short words for an evidence line: ``removal: breaks (sign out first)``."""
    extra = " (sign out first)" if info.account_bound else ""
    return f"removal: {info.level}{extra}"


__all__ = [
    "DISABLE_COMMAND",
    "ENABLE_COMMAND",
    "GROUPS",
    "NEVER_FILE",
    "Group",
    "NeverEntry",
    "RemovalGroups",
    "RemovalInfo",
    "advice_for_groups",
    "disable_advice",
    "group_packages",
    "is_never",
    "level_label",
    "never_list",
    "parse_never_file",
    "removal_info",
]
