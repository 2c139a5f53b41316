"""Which plan level a package belongs to, from the knowledge base's removal level.

The knowledge base decides how risky disabling a package is (``kb/data/packages``, the never-list);
this module only maps its answer onto the plan's levels:

=====================  ==================  =============================================
KB removal group       plan level          offered with
=====================  ==================  =============================================
safe                   safe                ``--level safe`` and above
breaks (a feature)     advanced            ``--level advanced`` and above
expert, unknown        expert              ``--level expert`` only
never / may-not-boot   never               never
=====================  ==================  =============================================

An account-bound package (vendor account, find device) is at least ``advanced`` and needs the
owner to sign out first. An id the knowledge base knows only by a prefix rule, or not at all, is
``unknown`` and so ``expert``.
"""

from __future__ import annotations

from dataclasses import dataclass

from howsafe.harden.model import LEVEL_RANK, Level
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.removal import removal_info

#: The knowledge base's removal group -> the plan's level.
_FROM_GROUP: dict[str, Level] = {"safe": "safe", "breaks": "advanced", "expert": "expert", "never": "never"}


@dataclass(frozen=True)
class PackageLevel:
    package: str
    level: Level
    removal: str
    account_bound: bool
    breaks: str | None
    reason: str | None
    sources: tuple[str, ...]
    label: str | None


def package_level(kb: KnowledgeBase, package_id: str) -> PackageLevel:
    """The plan level of ``package_id`` (see the module docstring)."""
    info = removal_info(kb, package_id)
    reason = info.reason
    if not info.known:
        reason = reason or "the knowledge base has not reviewed this package"
    return PackageLevel(
        package_id,
        _FROM_GROUP[info.group],
        info.level,
        info.account_bound,
        info.breaks,
        reason,
        info.sources,
        info.label,
    )


def allowed_at(level: Level, wanted: Level) -> bool:
    """True when a step of ``level`` is offered for ``--level wanted`` (never is never offered)."""
    return level != "never" and LEVEL_RANK[level] <= LEVEL_RANK[wanted]


__all__ = ["PackageLevel", "allowed_at", "package_level"]
