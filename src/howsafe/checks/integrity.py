"""Integrity checks: is the operating system still the one the vendor signed, locked and sealed?

Each check is one small class; its prose lives in ``checks/defs/integrity_*.toml``. Evidence comes
from the typed :class:`~howsafe.model.Integrity` record first and from raw properties and settings
second, always named in the finding.

Runtime state (``ro.boot.*``, ``init.svc.*``, ``ro.crypto.state``, settings) exists only on a
running phone. A firmware image or a bare build.prop merge lacks it, so those checks answer
``not_available`` there: the absence of a property is never turned into a finding.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from howsafe.checks.base import AuditContext, load_def
from howsafe.checks.registry import register
from howsafe.errors import KnowledgeError
from howsafe.kb import KnowledgeBase
from howsafe.model import Evidence, Finding, Outcome, Package, Severity, Snapshot, SourceKind
from howsafe.parse.numbers import strict_int

GETPROP = "getprop"
# Keys only a booted phone has (build.prop files may carry other ro.boot.* defaults).
_RUNTIME_PREFIXES = (
    "init.svc.",
    "sys.boot_completed",
    "dev.bootcomplete",
    "ro.boot.verifiedbootstate",
    "ro.boot.flash.locked",
    "ro.boot.serialno",
    "ro.boottime.",
    "ro.runtime.",
    "sys.usb.state",
    "ro.crypto.state",
)


# ----------------------------------------------------------------------------------------------
# helpers shared by the check modules of this family (cloud, permissions import them)
# ----------------------------------------------------------------------------------------------


def prop(snap: Snapshot, key: str) -> str | None:
    """A property value, stripped; empty strings count as absent."""
    value = snap.properties.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def prop_evidence(snap: Snapshot, key: str) -> Evidence:
    return Evidence(kind="property", key=key, value=snap.properties.get(key), source=GETPROP)


def setting_evidence(namespace: str, key: str, value: str | None) -> Evidence:
    return Evidence(kind="setting", key=f"{namespace}/{key}", value=value, source=f"settings {namespace}")


def _has_runtime_props(snap: Snapshot) -> bool:
    return any(k.startswith(_RUNTIME_PREFIXES) for k in snap.properties)


def is_static(snap: Snapshot) -> bool:
    """True for firmware images: build properties only, no state of a running phone.

    A source may label itself FIRMWARE; a folder whose getprop holds properties but none that
    only a booted phone sets is a build.prop merge from a firmware dump and is treated the same.
    """
    if snap.source.kind is SourceKind.FIRMWARE:
        return True
    return bool(snap.properties) and not _has_runtime_props(snap)


def runtime_visible(snap: Snapshot) -> bool:
    """True when the snapshot holds properties only a booted phone has (a live getprop)."""
    return not is_static(snap) and _has_runtime_props(snap)


def package_list_partial(snap: Snapshot) -> bool:
    """True when the package list is known to be filtered or truncated (absence proves nothing)."""
    return any(m.item == "packages" for m in snap.missing)


def has_permission_data(snap: Snapshot) -> bool:
    return any(p.granted_permissions is not None for p in snap.packages or ())


def is_user_app(pkg: Package) -> bool:
    """An app the owner (or someone) installed, not part of the firmware. Unknown counts as no."""
    if pkg.system is not None:
        return not pkg.system
    return any(path.startswith("/data/app") for path in pkg.apk_paths) and not pkg.apk_paths[0].startswith(
        ("/system", "/product", "/vendor", "/odm", "/system_ext", "/apex")
    )


def sdk_of(snap: Snapshot) -> int | None:
    if snap.device.sdk is not None:
        return snap.device.sdk
    raw = prop(snap, "ro.build.version.sdk")
    return strict_int(raw, max_digits=9)


@dataclass(frozen=True)
class RootTool:
    id: str
    name: str
    source: str


def _load_toml(kb: KnowledgeBase, name: str) -> dict[str, object]:
    path = kb.find(name)
    assert path is not None
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"knowledge file {name} is invalid: {exc}") from exc


def load_kb_toml(kb: KnowledgeBase, name: str) -> dict[str, object]:
    """Read a TOML knowledge file once per knowledge base."""
    return kb.memo(f"toml:{name}", lambda: _load_toml(kb, name))


def root_tools(kb: KnowledgeBase) -> dict[str, RootTool]:
    raw = load_kb_toml(kb, "permissions/root_tools.toml")
    tools = raw.get("tool", [])
    if not isinstance(tools, list):
        raise KnowledgeError("permissions/root_tools.toml: 'tool' must be a list")
    out: dict[str, RootTool] = {}
    for t in tools:
        try:
            out[t["id"]] = RootTool(id=t["id"], name=t["name"], source=t["source"])
        except (KeyError, TypeError) as exc:
            raise KnowledgeError(f"permissions/root_tools.toml: bad entry {t!r}") from exc
    return out


def root_daemons(kb: KnowledgeBase) -> dict[str, str]:
    """Process name -> root solution, from the same data file as the root manager apps."""
    raw = load_kb_toml(kb, "permissions/root_tools.toml")
    procs = raw.get("process", [])
    if not isinstance(procs, list):
        raise KnowledgeError("permissions/root_tools.toml: 'process' must be a list")
    try:
        return {p["name"]: p["tool"] for p in procs}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError("permissions/root_tools.toml: bad process entry") from exc


# ----------------------------------------------------------------------------------------------
# the checks
# ----------------------------------------------------------------------------------------------


@register
class Bootloader:
    """Unlocked boot loader / verified boot not green: the OS can be replaced without a trace."""

    id = "integrity.bootloader"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class SELinux:
    """SELinux is the sandbox's second wall; permissive means it only logs."""

    id = "integrity.selinux"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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


@register
class RootBinaries:
    """su / magisk binaries on the file system (androidqf-style probe) and root daemons running."""

    id = "integrity.root_binaries"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class RootApps:
    """Installed root managers (Magisk, KernelSU, APatch, SuperSU ...), from a data list with sources."""

    id = "integrity.root_apps"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
        snap = ctx.snapshot
        pkgs = snap.packages
        if pkgs is None:
            return [d.not_available("no package list")]
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


_BAD_TAGS = {"test-keys": Severity.HIGH, "dev-keys": Severity.LOW}


@register
class DebugBuild:
    """A debuggable, userdebug/eng or test-keys build: the platform's own protections are relaxed."""

    id = "integrity.debug_build"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class BuildIdentity:
    """The build's fingerprint contradicts its own properties: a custom ROM dressed as a stock one."""

    id = "integrity.build_identity"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class Encryption:
    """Storage encryption off: a lost or seized phone gives up its data to anyone with a cable."""

    id = "integrity.encryption"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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


def _usb_config(snap: Snapshot) -> tuple[str | None, str | None]:
    for key in ("sys.usb.config", "persist.sys.usb.config"):
        if prop(snap, key):
            return key, prop(snap, key)
    return None, None


@register
class Adb:
    """USB debugging on: a computer the owner once trusted (or a charging kiosk) can run commands."""

    id = "integrity.adb"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class AdbWifi:
    """adb reachable over the network (legacy `adb tcpip` or Android 11 wireless debugging)."""

    id = "integrity.adb_wifi"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class DeveloperOptions:
    """Developer options on: many security-relevant switches become one tap away."""

    id = "integrity.developer_options"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
        value = ctx.snapshot.setting("global", "development_settings_enabled")
        if value is None:
            return [d.not_available("the global setting development_settings_enabled was not captured")]
        ev = [setting_evidence("global", "development_settings_enabled", value)]
        if value.strip() == "1":
            return [d.finding(Outcome.FAIL, evidence=ev, summary="Developer options are on.")]
        return [d.finding(Outcome.PASS, evidence=ev, summary="Developer options are off.")]


@register
class UnknownSources:
    """Apps may be installed from outside a store (globally before Android 8, per app since)."""

    id = "integrity.unknown_sources"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class ScreenLock:
    """No screen lock: anyone holding the phone is its owner. Rarely visible to adb."""

    id = "integrity.screen_lock"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class PlayProtect:
    """Google Play Protect / the package verifier scans apps before and after install."""

    id = "integrity.play_protect"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
class Mainline:
    """The Google Play system update (Mainline) level: patched modules arrive outside vendor OTAs."""

    id = "integrity.mainline"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = load_def(self.id)
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
