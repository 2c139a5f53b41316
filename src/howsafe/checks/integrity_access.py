"""Integrity checks on the ways into the phone: USB and wireless debugging, developer options,
installs from unknown sources, the screen lock and Play Protect.

Settings and ``init.svc.*`` exist only on a running phone; without them these checks answer
``not_available`` rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.common import (
    has_permission_data,
    is_static,
    is_user_app,
    package_list_partial,
    prop,
    prop_evidence,
    runtime_visible,
    sdk_of,
    setting_evidence,
)
from howsafe.checks.registry import register
from howsafe.model import Evidence, Finding, Outcome, Severity, Snapshot
from howsafe.parse.numbers import strict_int


def _usb_config(snap: Snapshot) -> tuple[str | None, str | None]:
    for key in ("sys.usb.config", "persist.sys.usb.config"):
        if prop(snap, key):
            return key, prop(snap, key)
    return None, None


@register
class Adb(BaseCheck):
    """USB debugging on: a computer the owner once trusted (or a charging kiosk) can run commands."""

    id = "integrity.adb"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        value = snap.setting("global", "adb_enabled")
        if value is not None:
            ev = [setting_evidence("global", "adb_enabled", value)]
            if value.strip() == "1":
                return [d.finding(Outcome.FAIL, evidence=ev, summary="USB debugging is on (adb_enabled=1).")]
            return [d.finding(Outcome.PASS, evidence=ev, summary="USB debugging is off.")]
        if not runtime_visible(snap):
            return [d.not_available("no settings and no runtime properties (adb_enabled, init.svc.adbd)")]
        adbd = prop(snap, "init.svc.adbd")
        key, cfg = _usb_config(snap)
        ev = []
        if adbd:
            ev.append(prop_evidence(snap, "init.svc.adbd"))
        if key:
            ev.append(prop_evidence(snap, key))
        usb_adb = cfg is not None and "adb" in cfg.split(",")
        if adbd == "running" or usb_adb:
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    confidence="medium",
                    summary="The adb daemon was running / the USB configuration includes adb when this "
                    "was captured: USB debugging was on.",
                )
            ]
        if adbd in ("stopped", "stopping") and cfg is not None and not usb_adb:
            return [d.finding(Outcome.PASS, evidence=ev, confidence="medium", summary="The adb daemon was stopped.")]
        return [d.not_available("adb_enabled setting not captured and adb properties inconclusive")]


@register
class AdbWifi(BaseCheck):
    """adb reachable over the network (legacy `adb tcpip` or Android 11 wireless debugging)."""

    id = "integrity.adb_wifi"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        ev: list[Evidence] = []
        ports: list[str] = []
        if not is_static(snap):
            for key in ("service.adb.tcp.port", "persist.adb.tcp.port"):
                value = prop(snap, key)
                if value is not None:
                    ev.append(prop_evidence(snap, key))
                    if (strict_int(value, max_digits=9) or 0) > 0:
                        ports.append(value)
        wifi = snap.setting("global", "adb_wifi_enabled")
        if wifi is not None:
            ev.append(setting_evidence("global", "adb_wifi_enabled", wifi))
        adbd = prop(snap, "init.svc.adbd")
        if ports:
            listening = adbd == "running"
            if adbd:
                ev.append(prop_evidence(snap, "init.svc.adbd"))
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    confidence="medium",
                    summary=f"adb is set to listen on TCP port {', '.join(sorted(set(ports)))}"
                    f"{' and the daemon was running' if listening else ''}: any device on the same "
                    "network can try to connect.",
                )
            ]
        if wifi is not None and wifi.strip() == "1":
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=Severity.LOW,
                    evidence=ev,
                    summary="Wireless debugging is on (adb_wifi_enabled=1); new computers need pairing.",
                )
            ]
        sdk = sdk_of(snap)
        if wifi is not None or (runtime_visible(snap) and sdk is not None and sdk < 30):
            return [d.finding(Outcome.PASS, evidence=ev, summary="adb does not listen on the network.")]
        if runtime_visible(snap):
            return [
                d.not_available(
                    "adb over TCP is not configured (no service.adb.tcp.port) but the wireless "
                    "debugging setting (adb_wifi_enabled) was not captured"
                )
            ]
        return [d.not_available("no runtime properties or settings")]


@register
class DeveloperOptions(BaseCheck):
    """Developer options on: many security-relevant switches become one tap away."""

    id = "integrity.developer_options"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        value = ctx.snapshot.setting("global", "development_settings_enabled")
        if value is None:
            return [d.not_available("the global setting development_settings_enabled was not captured")]
        ev = [setting_evidence("global", "development_settings_enabled", value)]
        if value.strip() == "1":
            return [d.finding(Outcome.FAIL, evidence=ev, summary="Developer options are on.")]
        return [d.finding(Outcome.PASS, evidence=ev, summary="Developer options are off.")]


@register
class UnknownSources(BaseCheck):
    """Apps may be installed from outside a store (globally before Android 8, per app since)."""

    id = "integrity.unknown_sources"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        sdk = sdk_of(snap)
        if sdk is None or sdk < 26:
            for ns in ("secure", "global"):
                value = snap.setting(ns, "install_non_market_apps")
                if value is None:
                    continue
                ev = [setting_evidence(ns, "install_non_market_apps", value)]
                if value.strip() == "1":
                    return [
                        d.finding(
                            Outcome.FAIL,
                            evidence=ev,
                            summary="Installing apps from unknown sources is allowed for every app.",
                        )
                    ]
                return [d.finding(Outcome.PASS, evidence=ev, summary="Installing from unknown sources is off.")]
            if sdk is not None:
                return [d.not_available("the setting install_non_market_apps was not captured")]
        if not has_permission_data(snap):
            return [d.not_available("no per-app permission data (dumpsys package)")]
        perm = "android.permission.REQUEST_INSTALL_PACKAGES"
        apps = sorted(
            p.id
            for p in snap.packages or ()
            if p.granted_permissions and perm in p.granted_permissions and is_user_app(p)
        )
        if not apps:
            return [d.finding(Outcome.PASS, summary="No user-installed app holds REQUEST_INSTALL_PACKAGES.")]
        ev = [Evidence(kind="permission", key=a, value=perm, source="dumpsys package") for a in apps]
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                confidence="medium",
                summary=f"{len(apps)} user-installed app(s) may install other apps: {', '.join(apps[:10])}"
                f"{' …' if len(apps) > 10 else ''}. Whether each was allowed is an app-op not "
                "shown in this source.",
            )
        ]


_NO_LOCK_QUALITY = {"0"}


@register
class ScreenLock(BaseCheck):
    """No screen lock: anyone holding the phone is its owner. Rarely visible to adb."""

    id = "integrity.screen_lock"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        disabled = snap.setting("secure", "lockscreen.disabled")
        if disabled is not None and disabled.strip() == "1":
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=[setting_evidence("secure", "lockscreen.disabled", disabled)],
                    summary="The lock screen is disabled.",
                )
            ]
        quality = snap.setting("secure", "lockscreen.password_type")
        if quality is not None:
            ev = [setting_evidence("secure", "lockscreen.password_type", quality)]
            if quality.strip() in _NO_LOCK_QUALITY:
                return [d.finding(Outcome.FAIL, evidence=ev, summary="No PIN, pattern or password is set.")]
            return [d.finding(Outcome.PASS, evidence=ev, summary="A PIN, pattern or password is set.")]
        return [
            d.not_available(
                "lock screen credentials live in locksettings.db, which adb cannot read; no lock setting was captured"
            )
        ]


@register
class PlayProtect(BaseCheck):
    """Google Play Protect / the package verifier scans apps before and after install."""

    id = "integrity.play_protect"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        enable = snap.setting("global", "package_verifier_enable")
        adb_inst = snap.setting("global", "verifier_verify_adb_installs")
        consent = snap.setting("global", "package_verifier_user_consent")
        ev = [
            setting_evidence("global", k, v)
            for k, v in (
                ("package_verifier_enable", enable),
                ("verifier_verify_adb_installs", adb_inst),
                ("package_verifier_user_consent", consent),
            )
            if v is not None
        ]
        if not ev:
            if (
                snap.packages is not None
                and not package_list_partial(snap)
                and snap.package("com.android.vending") is None
                and snap.package("com.google.android.gms") is None
            ):
                return [d.not_applicable("No Google Play services on this phone, so no Play Protect.")]
            return [d.not_available("the package verifier settings were not captured")]
        problems: list[tuple[Severity, str]] = []
        if enable is not None and enable.strip() == "0":
            problems.append((Severity.MEDIUM, "the package verifier is off (package_verifier_enable=0)"))
        if consent is not None and consent.strip() == "-1":
            problems.append((Severity.MEDIUM, "Play Protect scanning was declined (package_verifier_user_consent=-1)"))
        if adb_inst is not None and adb_inst.strip() == "0":
            problems.append((Severity.LOW, "apps installed over adb are not verified (verifier_verify_adb_installs=0)"))
        if problems:
            worst = max(problems, key=lambda p: p[0].rank)[0]
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=worst,
                    evidence=ev,
                    summary="; ".join(p[1] for p in problems).capitalize() + ".",
                )
            ]
        return [d.finding(Outcome.PASS, evidence=ev, summary="The package verifier is on.")]
