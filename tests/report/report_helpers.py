"""Real reports for the reporter tests: real device props, the real engine, small test checks.

The checks below read the snapshot the way real checks do and put device strings (property
values, package ids, app labels) into titles, summaries and evidence, so that a hostile device
exercises every place a reporter shows text.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from msgspec import structs

from conftest import DEVICES
from howsafe.checks.base import AuditContext
from howsafe.engine import Auditor
from howsafe.kb import KnowledgeBase
from howsafe.model import (
    Area,
    Chart,
    DataSource,
    Evidence,
    Finding,
    Outcome,
    Package,
    Report,
    Section,
    Severity,
    Snapshot,
    Table,
)
from howsafe.score import verdict as verdict_module
from howsafe.score.evidence import EvidenceRules, load_rules
from howsafe.sources import load_path

XIAOMI = DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"  # MIUI 10, SPL 2019-06, real package list
PIXEL = DEVICES / "google-redfin-7005429"
FIXED_NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)

HOSTILE = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "javascript:window.__pwned=1",
)
HOSTILE_ALL = " ".join(HOSTILE)


# ------------------------------------------------------------------------------------------------
# Snapshots from real device folders
# ------------------------------------------------------------------------------------------------


def snapshot_from_folder(folder: Path) -> Snapshot:
    """The snapshot the project's own loader builds from a real device folder."""
    return load_path(folder, redact=True)


def hostile_snapshot(base: Snapshot) -> Snapshot:
    """``base`` with attacker-controlled strings in props, identity, package ids and labels."""
    props = dict(base.properties)
    for key in (
        "ro.product.model",
        "ro.product.marketname",
        "ro.build.fingerprint",
        "ro.build.version.security_patch",
        "ro.boot.flash.locked",
    ):
        props[key] = HOSTILE_ALL
    evil_packages = tuple(
        Package(
            id=f"com.evil.app{i}{payload}", label=f"Free VPN {payload}", system=False, enabled=True, installer=payload
        )
        for i, payload in enumerate(HOSTILE)
    )
    device = structs.replace(
        base.device,
        model=HOSTILE[0],
        marketname=HOSTILE[1],
        brand=HOSTILE[2],
        build_fingerprint=HOSTILE_ALL,
        rom_version=HOSTILE[3],
    )
    return structs.replace(base, properties=props, device=device, packages=(*(base.packages or ()), *evil_packages))


# ------------------------------------------------------------------------------------------------
# Small checks that behave like real ones
# ------------------------------------------------------------------------------------------------

VENDOR_TELEMETRY = ("com.miui.analytics", "com.miui.msa.global", "com.miui.daemon", "com.xiaomi.joyose")


class PatchLevelCheck:
    id = "test.patch_level"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        raw = ctx.snapshot.properties.get("ro.build.version.security_patch")
        spl = ctx.snapshot.device.security_patch
        ev = (Evidence(kind="property", key="ro.build.version.security_patch", value=raw, source="getprop.txt"),)
        base: dict[str, Any] = {
            "id": self.id,
            "check": self.id,
            "area": Area.UPDATES,
            "evidence": ev,
            "remediation": "Install the latest system update, or replace a phone that no longer gets them.",
        }
        if spl is None:
            return [
                Finding(
                    **base,
                    title=f"Security patch level {raw} cannot be read",
                    severity=Severity.MEDIUM,
                    outcome=Outcome.FAIL,
                    summary=f"Value seen: {raw}",
                )
            ]
        age = (ctx.today - spl).days
        if age > 365:
            return [
                Finding(
                    **base,
                    title="Security patches are more than a year old",
                    severity=Severity.HIGH,
                    outcome=Outcome.FAIL,
                    summary=f"Patch level {spl.isoformat()} is {age} days old.",
                    tags=("exploit",),
                )
            ]
        return [
            Finding(
                **base,
                title="Security patches are recent",
                severity=Severity.INFO,
                outcome=Outcome.PASS,
            )
        ]


class BootloaderCheck:
    id = "test.bootloader"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        raw = ctx.snapshot.properties.get("ro.boot.flash.locked")
        ev = (Evidence(kind="property", key="ro.boot.flash.locked", value=raw, source="getprop.txt"),)
        if raw is None:
            outcome, sev = Outcome.NOT_AVAILABLE, Severity.INFO
        else:
            outcome, sev = (Outcome.PASS, Severity.INFO) if raw == "1" else (Outcome.FAIL, Severity.MEDIUM)
        return [
            Finding(
                id=self.id,
                check=self.id,
                area=Area.INTEGRITY,
                severity=sev,
                outcome=outcome,
                title=f"Bootloader lock state is {raw}",
                evidence=ev,
                summary="" if raw else "The device did not report its bootloader state.",
                remediation="Relock the bootloader after restoring stock firmware.",
            )
        ]


class VendorTelemetryCheck:
    id = "test.vendor_telemetry"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        if ctx.snapshot.packages is None:
            return [
                Finding(
                    id=self.id,
                    check=self.id,
                    area=Area.VENDOR,
                    title="Vendor telemetry packages",
                    severity=Severity.INFO,
                    outcome=Outcome.NOT_AVAILABLE,
                    summary="Not available: the package list.",
                )
            ]
        out = []
        for pid in VENDOR_TELEMETRY:
            if ctx.snapshot.package(pid) is not None:
                out.append(
                    Finding(
                        id=f"{self.id}:{pid}",
                        check=self.id,
                        area=Area.VENDOR,
                        severity=Severity.MEDIUM,
                        outcome=Outcome.FAIL,
                        title=f"Vendor telemetry package {pid} is installed",
                        summary="It reports device usage to the vendor.",
                        tags=("telemetry",),
                        evidence=(Evidence(kind="package", key=pid, value="installed", source="packages.txt"),),
                        remediation="Disable the vendor's analytics packages (reversible with `howsafe undo`).",
                        references=("https://source.android.com/docs/security/bulletin", "javascript:alert(1)"),
                    )
                )
        return out


class AppLabelCheck:
    """Flags user apps whose label is shown to the user: device strings in title and evidence."""

    id = "test.app_labels"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        return [
            Finding(
                id=f"{self.id}:{p.id}",
                check=self.id,
                area=Area.APPS,
                severity=Severity.MEDIUM,
                outcome=Outcome.FAIL,
                title=f"Sideloaded app “{p.label}” can install other apps",
                summary=f"{p.id} was installed by {p.installer}.",
                evidence=(
                    Evidence(kind="package", key=p.id, value=p.label, source="packages.txt"),
                    Evidence(kind="installer", key=p.id, value=p.installer, source="dumpsys package"),
                ),
                remediation=f"Uninstall {p.label} unless you trust it.",
                references=(p.installer or "",),
            )
            for p in ctx.snapshot.packages or ()
            if p.label and p.system is False
        ]


class NoCaptureCheck:
    id = "test.network"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        return [
            Finding(
                id=self.id,
                check=self.id,
                area=Area.NETWORK,
                title="Where the phone sends data",
                severity=Severity.INFO,
                outcome=Outcome.NOT_AVAILABLE,
                summary="Not available: no traffic capture was given (use --capture).",
            )
        ]


class BrokenCheck:
    id = "test.broken"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        raise ValueError(f"cannot parse {ctx.snapshot.device.model}")


CHECKS = (
    PatchLevelCheck(),
    BootloaderCheck(),
    VendorTelemetryCheck(),
    AppLabelCheck(),
    NoCaptureCheck(),
    BrokenCheck(),
)


def _sources(kb: KnowledgeBase) -> Sequence[DataSource]:
    return [
        DataSource(
            name="Android Security Bulletins",
            version="test",
            covers_until="2019-03",
            licence="CC BY 4.0",
            note="vulnerability data",
        )
    ]


def _packages_section(ctx: AuditContext) -> Section | None:
    pkgs = ctx.snapshot.packages
    if not pkgs:
        return None
    prefixes = Counter(".".join(p.id.split(".")[:2]) for p in pkgs)
    labelled = [p for p in pkgs if p.label]
    return Section(
        id="packages",
        title="Installed packages by vendor prefix",
        summary=f"{len(pkgs)} packages on {ctx.snapshot.device.model}.",
        charts=(
            Chart(
                title="Packages per prefix",
                unit="packages",
                items=tuple((k, float(v)) for k, v in prefixes.most_common(8)),
            ),
            *((Chart(title="Labelled apps", items=tuple((p.label or "", 1.0) for p in labelled)),) if labelled else ()),
        ),
        tables=(
            Table(
                title="Apps with a label",
                columns=("Package", "Label"),
                rows=tuple((p.id, p.label or "") for p in labelled),
            ),
        )
        if labelled
        else (),
    )


def audit(snapshot: Snapshot, profile: str = "everyday") -> Report:
    """Run the real engine with the test checks, a fixed clock and test knowledge providers.

    The test section and data source are given to the Auditor, so reports do not depend on which
    domain modules other tests happened to import.
    """
    # one small check per area stands in for each area's real checks, so each area needs one
    # judged check here; the real minimums are tested in tests/test_evidence_rules.py
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(verdict_module, "load_rules", _one_check_per_area)
        auditor = Auditor(
            KnowledgeBase.default(),
            checks=list(CHECKS),
            clock=lambda: FIXED_NOW,
            sections=[_packages_section],
            data_sources=[_sources],
        )
        return auditor.run(auditor.context(snapshot), profile)


def _one_check_per_area() -> EvidenceRules:
    real = load_rules()
    return structs.replace(
        real, areas={a: structs.replace(r, key_checks=(), min_judged=1) for a, r in real.areas.items()}
    )


class EchoCheck:
    """Puts ``ctx.options['text']`` into every text field of a failed finding (for fuzzing)."""

    id = "test.echo"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        text = ctx.options["text"]
        return [
            Finding(
                id=f"{self.id}:{text}",
                check=self.id,
                area=Area.APPS,
                severity=Severity.MEDIUM,
                outcome=Outcome.FAIL,
                title=text,
                summary=text,
                remediation=text,
                references=(text,),
                evidence=(Evidence(kind="package", key=text, value=text, source=text),),
            )
        ]


def audit_echo(snapshot: Snapshot, text: str) -> Report:
    """A report whose only finding carries ``text`` everywhere a device string can appear."""
    auditor = Auditor(KnowledgeBase.default(), checks=[EchoCheck()], clock=lambda: FIXED_NOW)
    return auditor.run(auditor.context(snapshot, options={"text": text}), "everyday")
