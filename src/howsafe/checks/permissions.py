"""App permission and special-access checks: which apps can reach which personal data.

The permission groups and what each exposes are data (``kb/data/permissions/*.toml``, with AOSP
references); this module only matches them against the snapshot. Every finding lists the apps as
evidence. Preinstalled apps are part of the firmware and are reported by the vendor checks; here a
finding is about apps that were added to the phone, so system apps are counted but not blamed.

Sideloading: an app whose installer is null, the platform package installer, a browser or a file
manager came from outside a store. Preinstalled OEM apps that live in ``/data/app`` with a null
installer (Xiaomi/POCO do this) are not sideloaded: they are recognised by the system flag or by
the vendor package knowledge base.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck, CheckDef
from howsafe.checks.common import has_permission_data, is_user_app
from howsafe.checks.registry import register
from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.kb.packages import PackageDB, package_db
from howsafe.kb.permissions import PermissionGroup as PermissionGroup  # re-exported
from howsafe.kb.permissions import SpecialPermission as SpecialPermission  # re-exported
from howsafe.kb.permissions import installers as installers  # re-exported
from howsafe.kb.permissions import permission_groups as permission_groups  # re-exported
from howsafe.kb.permissions import special_permissions as special_permissions  # re-exported
from howsafe.model import Evidence, Finding, Outcome, Package, Severity, Snapshot, SourceKind

log = logging.getLogger(__name__)

DUMPSYS = "dumpsys package"
_MAX_LISTED = 12


def _listing(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_MAX_LISTED])
    return shown + (f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else "")


def holders(snap: Snapshot, permissions: Sequence[str]) -> list[tuple[Package, list[str]]]:
    """Packages holding any of ``permissions`` (granted), with the ones they hold."""
    wanted = set(permissions)
    out: list[tuple[Package, list[str]]] = []
    for pkg in snap.packages or ():
        if not pkg.granted_permissions:
            continue
        held = sorted(wanted.intersection(pkg.granted_permissions))
        if held:
            out.append((pkg, held))
    return out


class _PermissionGroupCheck(BaseCheck):
    """Apps (not part of the firmware) holding a dangerous permission group."""

    requires = ("permissions",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        group = permission_groups(ctx.kb).get(self.id)
        if group is None:
            raise KnowledgeError(f"no permission group for {self.id} in permissions/dangerous.toml")
        snap = ctx.snapshot
        found = holders(snap, group.permissions)
        users = sorted(((p, held) for p, held in found if is_user_app(p)), key=lambda item: item[0].id)
        system = [p for p, _ in found if not is_user_app(p)]
        if not users:
            return [
                d.finding(
                    Outcome.PASS,
                    references=[group.source],
                    summary=f"No app you installed can read {group.data}"
                    f"{f'; {len(system)} preinstalled app(s) can' if system else ''}.",
                )
            ]
        ev = [
            Evidence(
                kind="permission",
                key=p.id,
                value=", ".join(h.rsplit(".", 1)[-1] for h in held),
                source=DUMPSYS,
            )
            for p, held in users
        ]
        ids = [p.id for p, _ in users]
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                references=[group.source],
                tags=("permission",),
                summary=f"{len(ids)} installed app(s) can read {group.data}: {_listing(ids)}"
                f"{f' (plus {len(system)} preinstalled)' if system else ''}.",
            )
        ]


@register
class ContactsPermission(_PermissionGroupCheck):
    id = "apps.perm_contacts"


@register
class CallLogPermission(_PermissionGroupCheck):
    id = "apps.perm_call_log"


@register
class SmsPermission(_PermissionGroupCheck):
    id = "apps.perm_sms"


@register
class LocationPermission(_PermissionGroupCheck):
    id = "apps.perm_location"


@register
class BackgroundLocationPermission(_PermissionGroupCheck):
    id = "apps.perm_background_location"


@register
class MicrophonePermission(_PermissionGroupCheck):
    id = "apps.perm_microphone"


@register
class CameraPermission(_PermissionGroupCheck):
    id = "apps.perm_camera"


@register
class BodySensorsPermission(_PermissionGroupCheck):
    id = "apps.perm_body_sensors"


# ----------------------------------------------------------------------------------------------
# special access
# ----------------------------------------------------------------------------------------------


def _component_package(component: str) -> str:
    return component.split("/", 1)[0].strip()


def _component_check(d: CheckDef, snap: Snapshot, components: tuple[str, ...] | None, what: str) -> Finding:
    """Shared logic for accessibility services, device admins and notification listeners."""
    if components is None:
        return d.not_available(f"the source did not list {what}")
    comps = [c for c in components if c.strip()]
    if not comps:
        return d.finding(Outcome.PASS, summary=f"No {what} enabled.")
    third: list[str] = []
    pre: list[str] = []
    for comp in comps:
        pkg = snap.package(_component_package(comp))
        # Unknown packages (no list, or not in it) are treated as added apps: the safer reading.
        (pre if pkg is not None and not is_user_app(pkg) else third).append(comp)
    ev = [
        Evidence(kind="component", key=c, value="preinstalled" if c in pre else "installed app", source="dumpsys")
        for c in comps
    ]
    if not third:
        return d.finding(Outcome.PASS, evidence=ev, summary=f"Only preinstalled {what}: {_listing(pre)}.")
    # without a package list "installed app" is the cautious reading, not a certainty
    return d.finding(
        Outcome.FAIL,
        evidence=ev,
        confidence="high" if snap.packages is not None else "medium",
        summary=f"{len(third)} {what} from installed apps: {_listing(third)}"
        f"{f' (plus {len(pre)} preinstalled)' if pre else ''}.",
    )


@register
class AccessibilityServices(BaseCheck):
    id = "apps.special_accessibility"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        snap = ctx.snapshot
        return [_component_check(self.defn, snap, snap.special_access.accessibility_services, "accessibility services")]


@register
class DeviceAdmins(BaseCheck):
    id = "apps.special_device_admin"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        snap = ctx.snapshot
        return [_component_check(self.defn, snap, snap.special_access.device_admins, "device administrators")]


@register
class NotificationListeners(BaseCheck):
    id = "apps.special_notification_listener"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        snap = ctx.snapshot
        return [_component_check(self.defn, snap, snap.special_access.notification_listeners, "notification listeners")]


class _SpecialPermissionCheck(BaseCheck):
    requires = ("permissions",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        special = special_permissions(ctx.kb).get(self.id)
        if special is None:
            raise KnowledgeError(f"no special permission for {self.id} in permissions/special.toml")
        snap = ctx.snapshot
        users = sorted(p.id for p, _ in holders(snap, [special.permission]) if is_user_app(p))
        if not users:
            return [
                d.finding(
                    Outcome.PASS,
                    references=[special.source],
                    summary=f"No installed app holds {special.permission.rsplit('.', 1)[-1]}.",
                )
            ]
        ev = [Evidence(kind="permission", key=a, value=special.permission, source=DUMPSYS) for a in users]
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                confidence="medium",
                references=[special.source],
                summary=f"{len(users)} installed app(s) may {special.data}: {_listing(users)}. "
                "Whether the user allowed it is an app-op not shown in this source.",
            )
        ]


@register
class OverlayPermission(_SpecialPermissionCheck):
    id = "apps.special_overlay"


@register
class UsageAccessPermission(_SpecialPermissionCheck):
    id = "apps.special_usage_access"


@register
class DefaultApps(BaseCheck):
    """Default SMS / dialer apps see every message and call; a third-party one deserves a look."""

    id = "apps.special_default_apps"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        sa = snap.special_access
        if sa.default_sms is None and sa.default_dialer is None:
            return [d.not_available("the default SMS and phone apps were not reported")]
        ev: list[Evidence] = []
        third: list[str] = []
        for role, value in (("default SMS app", sa.default_sms), ("default phone app", sa.default_dialer)):
            if not value:
                continue
            pid = _component_package(value)
            ev.append(Evidence(kind="role", key=role, value=pid, source="settings/dumpsys"))
            pkg = snap.package(pid)
            if pkg is not None and is_user_app(pkg):
                third.append(f"{role}: {pid}")
        if third:
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    summary="An installed app handles all your messages or calls: " + "; ".join(third) + ".",
                )
            ]
        return [
            d.finding(
                Outcome.PASS,
                evidence=ev,
                summary="No app installed by the user is the default SMS or phone app.",
            )
        ]


# ----------------------------------------------------------------------------------------------
# sideloaded apps
# ----------------------------------------------------------------------------------------------


def installer_known(snap: Snapshot) -> bool:
    """Whether a missing installer means "null" (installed from a file) rather than "not collected".

    Parsers fold ``installer=null`` into ``None``; a live collection and androidqf always ask for the
    installer, ``dumpsys package`` prints it whenever it is set, and any non-null installer shows
    the list was taken with ``-i``.
    """
    if snap.source.kind in (SourceKind.ADB, SourceKind.ANDROIDQF):
        return True
    if not any(m.item == "dumpsys.package" for m in snap.missing) and has_permission_data(snap):
        return True
    return any(p.installer is not None for p in snap.packages or ())


def _vendor_db(kb: KnowledgeBase) -> PackageDB | None:
    """The vendor package knowledge, or None (logged once) when it cannot be loaded."""
    try:
        return package_db(kb)
    except KnowledgeError as exc:
        log.warning("vendor package knowledge unavailable, preinstalled apps cannot be excluded: %s", exc)
        return None


def _known_vendor_app(db: PackageDB, package_id: str) -> str | None:
    """The vendor name when the package knowledge base knows this id as an OEM/preinstalled app.

    A bare prefix match on an app-like id is too weak: anyone can name a package ``com.miui.x``.
    """
    info = db.lookup(package_id)
    if info is None or info.family == "thirdparty" or info.vendor in ("", "unknown"):
        return None
    if info.matched_by == "prefix" and info.role == "user-app":
        return None
    return info.vendor


@register
class Sideloaded(BaseCheck):
    """Apps that did not come from an app store."""

    id = "apps.sideload"
    requires = ("packages",)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        pkgs = snap.packages
        assert pkgs is not None  # required
        if not installer_known(snap):
            return [d.not_available("the package list does not say who installed each app (pm list packages -i)")]
        _stores, side = installers(ctx.kb)
        db = _vendor_db(ctx.kb)
        hits: list[tuple[str, str]] = []
        skipped_oem: list[str] = []
        for pkg in pkgs:
            if not is_user_app(pkg):
                continue
            inst = (pkg.installer or "").strip()
            if inst in ("", "null"):
                how = "no installer recorded (APK file or adb)"
            elif inst in side:
                how = f"installed by {side[inst]} ({inst})"
            else:
                continue
            vendor = _known_vendor_app(db, pkg.id) if db is not None else None
            if vendor is not None and inst in ("", "null"):
                skipped_oem.append(pkg.id)
                continue
            hits.append((pkg.id, how))
        note = (
            f" {len(skipped_oem)} preinstalled vendor app(s) without installer were not counted." if skipped_oem else ""
        )
        if db is None:
            note += " The vendor package knowledge could not be loaded, so preinstalled apps may be listed."
        if not hits:
            return [d.finding(Outcome.PASS, summary=f"Every installed app came from an app store.{note}")]
        ev = [Evidence(kind="package", key=pid, value=how, source="pm list packages -i") for pid, how in hits]
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                severity=Severity.MEDIUM,
                summary=f"{len(hits)} app(s) were installed from outside an app store: "
                f"{_listing([h[0] for h in hits])}.{note}",
            )
        ]
