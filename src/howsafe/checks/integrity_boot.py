"""Integrity checks on the boot chain and the build: boot loader lock and verified boot, SELinux,
debug or test-key builds, the build's identity, storage encryption and the Mainline module level.

Each check is one small class; its prose lives in ``checks/defs/integrity_*.toml``. Evidence comes
from the typed :class:`~howsafe.model.Integrity` record first and from raw properties and settings
second, always named in the finding.

Runtime state (``ro.boot.*``, ``ro.crypto.state``) exists only on a running phone. A firmware image
or a bare build.prop merge lacks it, so those checks answer ``not_available`` there: the absence of
a property is never turned into a finding.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.common import (
    GETPROP,
    is_static,
    prop,
    prop_evidence,
    sdk_of,
)
from howsafe.checks.registry import register
from howsafe.model import Evidence, Finding, Outcome, Severity, Snapshot, SourceKind


@register
class Bootloader(BaseCheck):
    """Unlocked boot loader / verified boot not green: the OS can be replaced without a trace."""

    id = "integrity.bootloader"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        if is_static(snap):
            return [d.not_available("a firmware image has no boot-time state (ro.boot.* is set by the boot loader)")]
        locked = snap.integrity.bootloader_locked
        vbs = (snap.integrity.verified_boot_state or prop(snap, "ro.boot.verifiedbootstate") or "").lower()
        flash = prop(snap, "ro.boot.flash.locked")
        state = (prop(snap, "ro.boot.vbmeta.device_state") or "").lower()
        warranty = prop(snap, "ro.boot.warranty_bit") or prop(snap, "ro.warranty_bit")
        ev: list[Evidence] = []
        for key in (
            "ro.boot.flash.locked",
            "ro.boot.verifiedbootstate",
            "ro.boot.vbmeta.device_state",
            "ro.boot.warranty_bit",
        ):
            if prop(snap, key) is not None:
                ev.append(prop_evidence(snap, key))
        if locked is None and flash in ("0", "1"):
            locked = flash == "1"
        if locked is not None and not any(e.key == "ro.boot.flash.locked" for e in ev):
            ev.append(Evidence(kind="integrity", key="bootloader_locked", value=str(locked).lower()))
        if snap.integrity.verified_boot_state and not any(e.key == "ro.boot.verifiedbootstate" for e in ev):
            ev.append(Evidence(kind="integrity", key="verified_boot_state", value=vbs))

        if vbs == "red":
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=Severity.CRITICAL,
                    evidence=ev,
                    summary="Verified boot is RED: the system failed verification and was booted anyway.",
                )
            ]
        if locked is False or vbs == "orange" or state == "unlocked":
            seen = ", ".join(f"{e.key}={e.value}" for e in ev)
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    summary=f"The boot loader is unlocked ({seen}): anyone holding the phone can "
                    "replace the operating system, and verified boot no longer protects it.",
                )
            ]
        if vbs == "yellow":
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=Severity.MEDIUM,
                    evidence=ev,
                    summary="Verified boot is YELLOW: the boot loader is locked with a custom key, so "
                    "the running system is not the vendor's.",
                )
            ]
        if warranty == "1":
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=Severity.MEDIUM,
                    evidence=ev,
                    summary="The Samsung warranty (Knox) bit is tripped: unofficial software was booted "
                    "on this phone at some point.",
                )
            ]
        if locked is True or vbs == "green":
            return [
                d.finding(Outcome.PASS, evidence=ev, summary="The boot loader is locked and verified boot is green.")
            ]
        return [d.not_available("neither ro.boot.flash.locked nor ro.boot.verifiedbootstate was reported")]


@register
class SELinux(BaseCheck):
    """SELinux is the sandbox's second wall; permissive means it only logs."""

    id = "integrity.selinux"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        mode = snap.integrity.selinux
        getenforce_seen = not any(m.item == "selinux" for m in snap.missing)
        boot_prop = (prop(snap, "ro.boot.selinux") or "").lower()
        if mode is not None and (getenforce_seen or mode != boot_prop):
            # Integrity.selinux may merely echo ro.boot.selinux; only getenforce is authoritative.
            ev = [Evidence(kind="integrity", key="getenforce", value=mode, source="getenforce")]
            if mode == "enforcing":
                return [d.finding(Outcome.PASS, evidence=ev, summary="SELinux is enforcing.")]
            sev = Severity.CRITICAL if mode == "disabled" else None
            return [d.finding(Outcome.FAIL, severity=sev, evidence=ev, summary=f"SELinux is {mode}.")]
        if is_static(snap):
            return [d.not_available("a firmware image does not show the running SELinux mode")]
        boot = boot_prop
        if boot == "permissive":
            build_type = prop(snap, "ro.build.type") or "user"
            ev = [prop_evidence(snap, "ro.boot.selinux")]
            if prop(snap, "ro.build.type"):
                ev.append(prop_evidence(snap, "ro.build.type"))
            if build_type == "user":
                return [
                    d.finding(
                        Outcome.FAIL,
                        severity=Severity.MEDIUM,
                        evidence=ev,
                        confidence="low",
                        summary="The boot loader asked for permissive SELinux (ro.boot.selinux=permissive). "
                        "Production ('user') builds normally ignore that request; confirm with "
                        "`adb shell getenforce`.",
                    )
                ]
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    confidence="medium",
                    summary=f"SELinux was booted permissive on a {build_type} build.",
                )
            ]
        if boot == "enforcing":
            return [
                d.finding(
                    Outcome.PASS,
                    evidence=[prop_evidence(snap, "ro.boot.selinux")],
                    confidence="medium",
                    summary="The boot loader requested enforcing SELinux (getenforce not captured).",
                )
            ]
        return [d.not_available("no getenforce output and no ro.boot.selinux property")]


_BAD_TAGS = {"test-keys": Severity.HIGH, "dev-keys": Severity.LOW}


@register
class DebugBuild(BaseCheck):
    """A debuggable, userdebug/eng or test-keys build: the platform's own protections are relaxed."""

    id = "integrity.debug_build"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        build_type = snap.device.build_type or prop(snap, "ro.build.type")
        tags = snap.device.build_tags or prop(snap, "ro.build.tags")
        debuggable = snap.integrity.debuggable
        if debuggable is None and prop(snap, "ro.debuggable") in ("0", "1"):
            debuggable = prop(snap, "ro.debuggable") == "1"
        if build_type is None and tags is None and debuggable is None:
            return [d.not_available("ro.build.type, ro.build.tags and ro.debuggable were not reported")]
        problems: list[tuple[Severity, str, Evidence]] = []
        if debuggable:
            problems.append(
                (
                    Severity.HIGH,
                    "ro.debuggable=1: every app can be debugged and adb may run as root",
                    Evidence(kind="property", key="ro.debuggable", value="1", source=GETPROP),
                )
            )
        if build_type in ("userdebug", "eng"):
            problems.append(
                (
                    Severity.HIGH,
                    f"build type is {build_type}, a development build",
                    Evidence(kind="property", key="ro.build.type", value=build_type, source=GETPROP),
                )
            )
        for tag in (tags or "").split(","):
            tag = tag.strip()
            if tag in _BAD_TAGS:
                what = (
                    "signed with the public AOSP test keys: anyone can sign a 'system' app or update"
                    if tag == "test-keys"
                    else "signed with a builder's own keys, not the vendor's release keys"
                )
                problems.append(
                    (
                        _BAD_TAGS[tag],
                        what,
                        Evidence(kind="property", key="ro.build.tags", value=tags, source=GETPROP),
                    )
                )
        if not problems:
            ev = [
                Evidence(kind="property", key=k, value=v, source=GETPROP)
                for k, v in (
                    ("ro.build.type", build_type),
                    ("ro.build.tags", tags),
                    ("ro.debuggable", None if debuggable is None else str(int(debuggable))),
                )
                if v is not None
            ]
            return [d.finding(Outcome.PASS, evidence=ev, summary="A production build signed with release keys.")]
        worst = max(problems, key=lambda p: p[0].rank)[0]
        return [
            d.finding(
                Outcome.FAIL,
                severity=worst,
                evidence=[p[2] for p in problems],
                summary="; ".join(p[1] for p in problems) + ".",
            )
        ]


_FP_RE = re.compile(r":(?P<type>user|userdebug|eng)/(?P<tags>[\w,.-]+)$")
_CUSTOM_DISPLAY = re.compile(
    r"^(aosp|lineage|evolution|pixel|crdroid|arrow|havoc|derp|aicp|omni|"
    r"potato|statix|spark|superior|rising|voltage|bliss|ancient)_",
    re.I,
)


@register
class BuildIdentity(BaseCheck):
    """The build's fingerprint contradicts its own properties: a custom ROM dressed as a stock one."""

    id = "integrity.build_identity"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        fp = snap.device.build_fingerprint or prop(snap, "ro.build.fingerprint")
        build_type = prop(snap, "ro.build.type") or snap.device.build_type
        if not fp or not build_type:
            return [d.not_available("no build fingerprint or build type")]
        m = _FP_RE.search(fp)
        problems: list[str] = []
        ev = [
            Evidence(kind="property", key="ro.build.fingerprint", value=fp, source=GETPROP),
            Evidence(kind="property", key="ro.build.type", value=build_type, source=GETPROP),
        ]
        if m and m.group("type") != build_type:
            problems.append(f"the fingerprint claims a '{m.group('type')}' build but ro.build.type is '{build_type}'")
        display = prop(snap, "ro.build.display.id") or ""
        if _CUSTOM_DISPLAY.match(display):
            ev.append(prop_evidence(snap, "ro.build.display.id"))
            brand = (fp.split("/", 1)[0] or "").lower()
            if brand not in ("google", "android", "generic", "aosp", ""):
                problems.append(
                    f"the display id '{display}' names a community build while the fingerprint "
                    f"claims a {fp.split('/', 1)[0]} stock build"
                )
        if not m:
            return [d.not_available("the fingerprint has no recognisable build type")]
        if not problems:
            return [d.finding(Outcome.PASS, evidence=ev, summary="The fingerprint matches the build's properties.")]
        return [
            d.finding(
                Outcome.FAIL,
                evidence=ev,
                summary="Probably a custom ROM with a spoofed stock fingerprint: "
                + "; ".join(problems)
                + ". Update and patch claims of this build cannot be taken at face value.",
            )
        ]


@register
class Encryption(BaseCheck):
    """Storage encryption off: a lost or seized phone gives up its data to anyone with a cable."""

    id = "integrity.encryption"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        static = is_static(snap)
        state = None if static else snap.integrity.encryption_state or prop(snap, "ro.crypto.state")
        if state is None:
            return [d.not_available("ro.crypto.state is set at boot and was not reported")]
        ev = [Evidence(kind="property", key="ro.crypto.state", value=state, source=GETPROP)]
        ctype = snap.integrity.encryption_type or prop(snap, "ro.crypto.type")
        if ctype:
            ev.append(Evidence(kind="property", key="ro.crypto.type", value=ctype, source=GETPROP))
        if state == "encrypted":
            kind = {"file": "file-based", "block": "full-disk"}.get(ctype or "", "")
            return [
                d.finding(
                    Outcome.PASS,
                    evidence=ev,
                    summary=f"Storage is encrypted{' (' + kind + ')' if kind else ''}.",
                )
            ]
        if state == "unencrypted":
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    summary="Storage is not encrypted (ro.crypto.state=unencrypted).",
                )
            ]
        return [d.not_available(f"ro.crypto.state has an unexpected value {state!r}")]


_DATE_RE = re.compile(r"(20[0-9][0-9])-([0-9][0-9])(?:-([0-9][0-9]))?")


def _mainline_date(snap: Snapshot) -> tuple[dt.date, Evidence] | None:
    candidates: list[tuple[str, Evidence]] = []
    if snap.device.mainline_version:
        candidates.append(
            (
                snap.device.mainline_version,
                Evidence(kind="device", key="mainline_version", value=snap.device.mainline_version),
            )
        )
    for pid in ("com.google.android.modulemetadata", "com.google.android.go.modulemetadata"):
        pkg = snap.package(pid)
        if pkg is not None and pkg.version_name:
            candidates.append((pkg.version_name, Evidence(kind="package", key=pid, value=pkg.version_name)))
    for text, ev in candidates:
        m = _DATE_RE.search(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)), ev
            except ValueError:
                continue
    return None


@register
class Mainline(BaseCheck):
    """The Google Play system update (Mainline) level: patched modules arrive outside vendor OTAs."""

    id = "integrity.mainline"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        snap = ctx.snapshot
        sdk = sdk_of(snap)
        if sdk is not None and sdk < 29:
            return [d.not_applicable(f"Mainline modules exist from Android 10 (API 29); this is API {sdk}.")]
        found = _mainline_date(snap)
        if found is None:
            return [d.not_available("the Google Play system update level was not reported")]
        date, ev = found
        from_device = not any(m.item == "dumpsys.package" for m in snap.missing) and snap.source.kind is not (
            SourceKind.FIRMWARE
        )
        if is_static(snap) and not from_device:
            return [
                d.finding(
                    Outcome.NOT_AVAILABLE,
                    evidence=[ev],
                    summary=f"The firmware image ships Mainline level {date.isoformat()}; a phone running it "
                    "updates these modules through Google Play, so its current level is not in this source.",
                )
            ]
        age_days = (ctx.today - date).days
        if age_days > 365:
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=[ev],
                    summary=f"The Google Play system update is from {date.isoformat()}, over a year old.",
                )
            ]
        if age_days > 120:
            return [
                d.finding(
                    Outcome.FAIL,
                    severity=Severity.LOW,
                    evidence=[ev],
                    summary=f"The Google Play system update is from {date.isoformat()} ({age_days // 30} months old).",
                )
            ]
        return [
            d.finding(
                Outcome.PASS,
                evidence=[ev],
                summary=f"The Google Play system update is recent ({date.isoformat()}).",
            )
        ]
