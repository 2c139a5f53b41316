"""Integrity checks for root: su/magisk binaries and daemons, and root manager apps.

The root tools and daemons are knowledge (``kb/data/permissions/root_tools.toml``), never a Python list.
"""

from __future__ import annotations

from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.common import (
    package_list_partial,
)
from howsafe.checks.registry import register
from howsafe.kb.root_tools import RootTool, root_daemons, root_tools
from howsafe.model import Evidence, Finding, Outcome


@register
class RootBinaries(BaseCheck):
    """su / magisk binaries on the file system (androidqf-style probe) and root daemons running."""

    id = "integrity.root_binaries"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        found = snap.integrity.root_binaries
        daemons = root_daemons(ctx.kb)
        running = sorted({p.name for p in snap.processes or () if p.name.rsplit("/", 1)[-1] in daemons})
        if found is None and snap.processes is None:
            return [d.not_available("the source neither probed for su/magisk binaries nor listed processes")]
        ev = [Evidence(kind="file", key=path, source="root binary probe") for path in found or ()]
        ev += [
            Evidence(kind="process", key=name, value=daemons[name.rsplit("/", 1)[-1]], source="ps -A")
            for name in running
        ]
        if ev:
            parts = []
            if found:
                parts.append(f"root binaries found: {', '.join(found)}")
            if running:
                parts.append(f"root daemons running: {', '.join(running)}")
            return [d.finding(Outcome.FAIL, evidence=ev, summary="; ".join(parts).capitalize() + ".")]
        if found is None:
            return [
                d.finding(
                    Outcome.PASS,
                    confidence="medium",
                    summary="No root daemon is running (the file system was not probed for su).",
                )
            ]
        return [d.finding(Outcome.PASS, summary="No su or magisk binary was found and no root daemon runs.")]


@register
class RootApps(BaseCheck):
    """Installed root managers (Magisk, KernelSU, APatch, SuperSU ...), from a data list with sources."""

    id = "integrity.root_apps"
    requires = ("packages",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        pkgs = snap.packages
        assert pkgs is not None  # required
        tools = root_tools(ctx.kb)
        hits = [(p, tools[p.id]) for p in pkgs if p.id in tools]
        # Magisk can hide itself under a random package id but keeps its label.
        hits += [
            (p, RootTool(p.id, "Magisk (renamed)", tools["com.topjohnwu.magisk"].source))
            for p in pkgs
            if p.id not in tools and (p.label or "").strip().lower() == "magisk" and "com.topjohnwu.magisk" in tools
        ]
        if not hits:
            if package_list_partial(snap):
                return [d.not_available("the package list is partial, so an absent root manager proves nothing")]
            return [d.finding(Outcome.PASS, summary=f"None of {len(tools)} known root managers is installed.")]
        ev = [Evidence(kind="package", key=p.id, value=t.name) for p, t in hits]
        names = ", ".join(f"{t.name} ({p.id})" for p, t in hits)
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                summary=f"Root manager installed: {names}.",
                references=[t.source for _, t in hits],
            )
        ]
