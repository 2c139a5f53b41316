"""Cloud backup and sync: is a copy of contacts, call history, messages or location leaving the phone?

The services, their packages, the settings that show whether they are on and the data they copy
are knowledge (``kb/data/cloud/services.toml``, each with a source). A finding is raised only on
evidence that a service is *on* (``dumpsys backup``, a setting, an active device administrator).
That a vendor's cloud app is merely installed is reported by ``vendor.cloud``; here it gives
``not_available`` with the package named, so the reader knows what to check by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec.structs import replace

from howsafe.checks.base import AuditContext, BaseCheck, CheckDef
from howsafe.checks.common import package_list_partial, setting_evidence
from howsafe.checks.registry import register
from howsafe.errors import KnowledgeError
from howsafe.kb.cloud import CloudService as CloudService  # re-exported
from howsafe.kb.cloud import SettingSwitch as SettingSwitch  # re-exported
from howsafe.kb.cloud import cloud_services as cloud_services  # re-exported
from howsafe.model import Evidence, Finding, Outcome, Snapshot


def _tags(service: CloudService, snap: Snapshot, china_rom: bool) -> tuple[str, ...]:
    j = service.jurisdiction_for(snap, china_rom)
    return ("cloud", f"jurisdiction:{j}") if j else ("cloud",)


def _service_state(d: CheckDef, snap: Snapshot, service: CloudService, china_rom: bool) -> Finding | None:
    """A finding from settings or device admins when they show the state; None when they do not."""
    for sw in service.settings:
        value = snap.setting(sw.namespace, sw.key)
        if value is None:
            continue
        ev = [setting_evidence(sw.namespace, sw.key, value)]
        if value.strip() == sw.on:
            return d.finding(
                Outcome.FAIL,
                evidence=ev,
                tags=_tags(service, snap, china_rom),
                subject=service.id,
                references=[service.source],
                summary=f"{service.name} is on: it copies {', '.join(service.data)} to {service.vendor}'s servers.",
            )
        if value.strip() == sw.off:
            return d.finding(
                Outcome.PASS,
                evidence=ev,
                subject=service.id,
                summary=f"{service.name} is off ({sw.key}={value.strip()}).",
            )
    admins = snap.special_access.device_admins
    if service.device_admin_prefixes and admins is not None:
        active = [a for a in admins if a.startswith(service.device_admin_prefixes)]
        if active:
            ev = [
                Evidence(
                    kind="component",
                    key=a,
                    value="active device administrator",
                    source="dumpsys device_policy",
                )
                for a in active
            ]
            return d.finding(
                Outcome.FAIL,
                evidence=ev,
                tags=_tags(service, snap, china_rom),
                subject=service.id,
                references=[service.source],
                summary=f"{service.name} is active: {service.vendor} can locate, lock and erase "
                "this phone on request from the signed-in account.",
            )
    return None


def _vendor_findings(ctx: AuditContext, d: CheckDef) -> list[Finding]:
    check_id = d.id
    snap = ctx.snapshot
    services = [s for s in cloud_services(ctx.kb) if s.check == check_id]
    out: list[Finding] = []
    installed_any = False
    for service in services:
        state = _service_state(d, snap, service, ctx.facts.china_rom)
        if state is not None:
            out.append(state)
            installed_any = True
            continue
        if snap.packages is None:
            continue
        present = [p for p in (snap.package(pid) for pid in service.packages) if p is not None]
        if not present:
            continue
        installed_any = True
        ev = [
            Evidence(
                kind="package",
                key=p.id,
                value="disabled" if p.enabled is False else ("enabled" if p.enabled else "installed"),
                source="package list",
            )
            for p in present
        ]
        if all(p.enabled is False for p in present):
            out.append(
                d.finding(
                    Outcome.PASS,
                    evidence=ev,
                    subject=service.id,
                    summary=f"{service.name} is installed but disabled.",
                )
            )
            continue
        ids = ", ".join(p.id for p in present)
        if service.kind == "find_device":
            what = (
                f"{service.name} is installed ({ids}); once an account is signed in it lets "
                f"{service.vendor} locate, lock and erase the phone on request, but whether it is "
                "switched on is not visible in this source. Check it in Settings."
            )
        else:
            what = (
                f"{service.name} is installed ({ids}); once you sign in it can copy "
                f"{', '.join(service.data)} to {service.vendor}'s servers, but whether it is signed in "
                "and syncing is not visible in this source. Check it in Settings."
            )
        out.append(
            d.finding(
                Outcome.NOT_AVAILABLE,
                evidence=ev,
                subject=service.id,
                references=[service.source],
                summary=what,
            )
        )
    if out:
        return out
    if snap.packages is None and not installed_any:
        return [d.not_available("no package list and no backup/sync settings")]
    if package_list_partial(snap):
        return [d.not_available("the package list is partial, so an absent service proves nothing")]
    names = ", ".join(s.name for s in services)
    return [d.not_applicable(f"Not installed: {names}.")]


@register
class GoogleBackup(BaseCheck):
    """Google's device backup (contacts, call history, SMS, settings, app data)."""

    id = "cloud.google_backup"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        service = next((s for s in cloud_services(ctx.kb) if s.id == "google_backup"), None)
        if service is None:
            raise KnowledgeError("cloud/services.toml has no google_backup entry")
        b = snap.backup
        if b.enabled is not None:
            if b.source == "settings secure":  # read from the secure settings, not from dumpsys
                ev = [setting_evidence("secure", "backup_enabled", str(int(b.enabled)))]
                if b.transport:
                    ev.append(setting_evidence("secure", "backup_transport", b.transport))
            else:
                src = b.source or "dumpsys backup"
                ev = [Evidence(kind="dumpsys", key="backup.enabled", value=str(b.enabled).lower(), source=src)]
                if b.transport:
                    ev.append(Evidence(kind="dumpsys", key="backup.transport", value=b.transport, source=src))
            if not b.enabled:
                return [d.finding(Outcome.PASS, evidence=ev, summary="Device backup is off.")]
            if b.transport and "localtransport" in b.transport.lower():
                # AOSP's LocalTransport writes backups to the phone itself (a developer tool)
                return [d.finding(Outcome.PASS, evidence=ev, summary="Backups go to the on-device local transport.")]
            to_google = b.transport is None or b.transport in service.transports or "google" in b.transport.lower()
            if to_google:
                return [
                    d.finding(
                        Outcome.FAIL,
                        evidence=ev,
                        tags=_tags(service, snap, ctx.facts.china_rom),
                        references=[service.source],
                        confidence="high" if b.transport else "medium",
                        summary=f"Device backup is on{' to Google' if b.transport else ''}: "
                        f"{', '.join(service.data)} are copied to Google's servers.",
                    )
                ]
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    tags=("cloud",),
                    confidence="medium",
                    summary=f"Device backup is on, through the transport {b.transport}.",
                )
            ]
        state = _service_state(d, snap, service, ctx.facts.china_rom)
        if state is not None:
            return [replace(state, id=self.id)]
        return [d.not_available("neither `dumpsys backup` nor the backup_enabled setting was captured")]


class _VendorCloud(BaseCheck):
    """One vendor's cloud/find-device services, all described by ``kb/data/cloud/services.toml``."""

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        return _vendor_findings(ctx, self.defn)


@register
class XiaomiCloud(_VendorCloud):
    id = "cloud.xiaomi"


@register
class SamsungCloud(_VendorCloud):
    id = "cloud.samsung"


@register
class HuaweiCloud(_VendorCloud):
    id = "cloud.huawei"


@register
class OtherOemCloud(_VendorCloud):
    """HeyTap / OPPO / realme / OnePlus and vivo clouds."""

    id = "cloud.other_oem"


@register
class FindDevice(_VendorCloud):
    """Find-device services: useful when the phone is lost, and a standing remote locate/erase channel."""

    id = "cloud.find_device"
