"""Updates checks: patch age, end of support (Android, model, kernel), open CVEs, StageFright.

The knowledge (bulletin DB, lifecycle dates) lives in ``howsafe.vulns``; these checks only turn
its answers into findings. Every report also states how current the vulnerability data is
(the open-CVE check declares those ``data_sources``) and carries an open-CVE section with a chart
by severity. The assessment is computed once per audit (``ctx.facts.vulns``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import ClassVar

from howsafe.checks.base import AuditContext, BaseCheck
from howsafe.checks.registry import register
from howsafe.kb.lifecycle import load_lifecycle
from howsafe.model import Chart, Evidence, Finding, Outcome, Section, Severity, Table
from howsafe.parse.numbers import strict_int
from howsafe.vulns import db as vdb
from howsafe.vulns import lifecycle as lc
from howsafe.vulns.match import build_date_of, data_line, one_line
from howsafe.vulns.model import FIRST_BULLETIN, PRE_BULLETIN_LEVEL, UNRATED, Assessment, MatchStatus, OpenVuln
from howsafe.vulns.versions import normalise_release

STAGEFRIGHT_FIXED = dt.date(2015, 10, 1)
MAX_EVIDENCE = 60
_SPL_SOURCE = "ro.build.version.security_patch"


def _spl_evidence(ctx: AuditContext) -> Evidence:
    spl = ctx.snapshot.device.security_patch
    return Evidence(kind="property", key=_SPL_SOURCE, value=spl.isoformat() if spl else None, source=_prop_source(ctx))


def _prop_source(ctx: AuditContext) -> str:
    """Where properties came from, as other getprop evidence names it."""
    return "firmware build.prop" if ctx.snapshot.source.kind.value == "firmware" else "getprop"


def _release_evidence(ctx: AuditContext) -> Evidence:
    return Evidence(kind="property", key="ro.build.version.release", value=ctx.snapshot.device.android_release)


@register
class SplAge(BaseCheck):
    """How many monthly bulletins the phone's patch level is behind, and how many days old it is."""

    id = "updates.spl_age"
    requires = ("patch_level",)

    def _pre_bulletin(self, ctx: AuditContext) -> Finding:
        summary, ev = _pre_bulletin_summary(ctx)
        return self.defn.finding(
            Outcome.FAIL,
            summary=summary,
            evidence=ev,
            severity=Severity.CRITICAL,
            title="No security patch level: this build predates the monthly security bulletins",
            tags=["exploit"],
        )

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        spl = ctx.snapshot.device.security_patch
        from howsafe.vulns.match import bulletins_behind

        if spl is None:  # required: a pre-bulletin build (Android <= 5.1.1 without a patch level)
            return [self._pre_bulletin(ctx)]

        days = max(0, (ctx.today - spl).days)
        behind = bulletins_behind(spl, ctx.today)
        summary = (
            f"Security patch level {spl.isoformat()}: {days} days old, "
            f"{behind} monthly bulletin{'s' if behind != 1 else ''} behind."
        )
        ev = [_spl_evidence(ctx)]
        vendor = ctx.snapshot.device.vendor_security_patch
        if vendor is not None:
            ev.append(
                Evidence(
                    kind="property",
                    key="ro.vendor.build.security_patch",
                    value=vendor.isoformat(),
                    source=_prop_source(ctx),
                )
            )
            if vendor < spl:
                summary += (
                    f" The vendor partition reports an older level ({vendor.isoformat()}): chip-maker and"
                    " kernel fixes ship there, so vendor, kernel and chip vulnerabilities are counted against"
                    " that older level."
                )
        if days <= 90:
            return [d.finding(Outcome.PASS, summary=summary, evidence=ev)]
        sev = Severity.MEDIUM if days <= 180 else Severity.HIGH if days <= 365 * 2 else Severity.CRITICAL
        age = f"{days // 365} year{'s' if days >= 730 else ''}" if days >= 365 else f"{days // 30} months"
        title = f"Security patches are {age} behind"
        return [d.finding(Outcome.FAIL, summary=summary, evidence=ev, severity=sev, title=title)]


def _pre_bulletin_summary(ctx: AuditContext) -> tuple[str, list[Evidence]]:
    """What a pre-bulletin build means, with its build date as the bound."""
    from howsafe.vulns.match import bulletins_behind

    a = ctx.facts.vulns
    dev = a.device
    behind = bulletins_behind(PRE_BULLETIN_LEVEL, ctx.today)
    ev = [_release_evidence(ctx), _spl_evidence(ctx)]
    raw_date = ctx.snapshot.properties.get("ro.build.date.utc")
    built = ""
    if dev.build_date is not None:
        ev.append(Evidence(kind="property", key="ro.build.date.utc", value=raw_date, source=_prop_source(ctx)))
        built = f" It was built on {dev.build_date.isoformat()} (ro.build.date.utc)"
        built += (
            ", before the first monthly bulletin: no fix published since can be in it."
            if dev.build_date < FIRST_BULLETIN
            else ": nothing on the phone shows which later fixes, if any, were applied."
        )
    summary = (
        f"Android {dev.release} reports no security patch level: the build predates the monthly Android "
        "Security Bulletins (ro.build.version.security_patch arrived with the 2015-10 patches), so it is "
        f"treated as unpatched since before 2015-08-01: {behind} monthly bulletins behind, StageFright "
        f"included.{built}"
    )
    return summary, ev


@register
class AndroidEol(BaseCheck):
    id = "updates.android_eol"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        release = normalise_release(dev.android_release, dev.sdk)
        if release is None:
            return [d.not_available("the Android version is not reported")]
        st = lc.android_eol(load_lifecycle(ctx.kb), release, ctx.today)
        ev = [_release_evidence(ctx)]
        if st is None or st.ended is None:
            return [d.not_available(f"no end-of-life data for Android {release}")]
        when = f" on {st.eol.isoformat()}" if st.eol else ""
        if st.ended:
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    references=["https://endoflife.date/android"],
                    summary=f"Android {release} reached end of security support{when} "
                    f"(source: {st.source}); bulletins no longer list it.",
                )
            ]
        until = f" until at least {st.eol.isoformat()}" if st.eol else ""
        return [d.finding(Outcome.PASS, evidence=ev, summary=f"Android {release} is supported{until}.")]


@register
class DeviceEol(BaseCheck):
    id = "updates.device_eol"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        if not (dev.model or dev.marketname):
            return [d.not_available("the model is not reported")]
        st = lc.device_eol(load_lifecycle(ctx.kb), ctx.snapshot, ctx.today)
        ev = [Evidence(kind="property", key="ro.product.model", value=dev.model)]
        if dev.marketname:
            ev.append(Evidence(kind="property", key="ro.product.marketname", value=dev.marketname))
        name = dev.display_name()
        if st is None or st.ended is None:
            return [
                d.not_available(
                    f"end of updates for {name} is unknown: no published support date names "
                    "this model in the bundled data"
                )
            ]
        # Cite the one product page the date was read from, not every vendor's page: a Samsung finding
        # must not name the Pixel list as its source.
        refs = (f"https://{st.source}",) if st.source.startswith("endoflife.date/") else ()
        when = f" on {st.eol.isoformat()}" if st.eol else ""
        if st.ended:
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    summary=f"{st.subject}: security updates ended{when} (source: {st.source}).",
                    references=refs,
                )
            ]
        until = f" until {st.eol.isoformat()}" if st.eol else ""
        return [
            d.finding(
                Outcome.PASS,
                evidence=ev,
                summary=f"{st.subject}: security updates announced{until} (source: {st.source}).",
                references=refs,
            )
        ]


@register
class KernelEol(BaseCheck):
    id = "updates.kernel_eol"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        if not dev.kernel_version:
            return [d.not_available("the kernel version is not reported (/proc/version)")]
        st = lc.kernel_eol(load_lifecycle(ctx.kb), dev.kernel_version, dev.android_release, ctx.today)
        ev = [Evidence(kind="property", key="kernel_version", value=dev.kernel_version)]
        if st is None or st.ended is None:
            return [d.not_available(f"no lifetime data for kernel {dev.kernel_version}")]
        when = f" on {st.eol.isoformat()}" if st.eol else ""
        if st.ended:
            note = f" ({st.note})" if st.note else ""
            return [
                d.finding(
                    Outcome.FAIL,
                    evidence=ev,
                    summary=f"{st.subject} reached end of life{when}{note}; source: {st.source}.",
                )
            ]
        return [d.finding(Outcome.PASS, evidence=ev, summary=f"{st.subject} is maintained until {st.eol}.")]


def _cve_evidence(vulns: Sequence[OpenVuln]) -> list[Evidence]:
    out = []
    for v in vulns[:MAX_EVIDENCE]:
        e = v.entry
        bits = [e.severity_label, e.type or "?", e.component, f"fixed in SPL {e.spl.isoformat()}", e.url]
        if v.status is MatchStatus.POSSIBLE:
            bits.append(v.reason)
        out.append(Evidence(kind="cve", key=e.cve, value="; ".join(b for b in bits if b), source=e.bulletin))
    if len(vulns) > MAX_EVIDENCE:
        out.append(
            Evidence(
                kind="note",
                key="more",
                value=f"{len(vulns) - MAX_EVIDENCE} more: run `howsafe vulns` for the full list",
            )
        )
    return out


def _label_rank(label: str) -> float:
    """Order of severity groups: rated ones by rank, "unrated" between medium and low."""
    return 1.5 if label == UNRATED else Severity(label).rank


def _levels_evidence(ctx: AuditContext, a: Assessment) -> list[Evidence]:
    ev = [_spl_evidence(ctx)]
    if a.device.vendor_spl is not None:
        ev.append(
            Evidence(
                kind="property",
                key="ro.vendor.build.security_patch",
                value=a.device.vendor_spl.isoformat(),
                source=_prop_source(ctx),
            )
        )
    return ev


def _vendor_level_note(a: Assessment) -> str:
    dev = a.device
    if dev.spl is None or dev.vendor_level is None or dev.vendor_level >= dev.spl:
        return ""
    return (
        f" Vendor, kernel and chip fixes are counted against the vendor partition's level "
        f"{dev.vendor_level.isoformat()} (platform level {dev.spl.isoformat()}): they ship in the vendor image."
    )


def _components(vulns: Sequence[OpenVuln]) -> str:
    counts = Counter(v.entry.vendor or v.entry.kind.value for v in vulns)
    return ", ".join(f"{k} {n}" for k, n in counts.most_common(6))


def open_cve_section(ctx: AuditContext) -> Section | None:
    """The open-CVE table and a chart of counts by severity (None when nothing to show)."""
    a = ctx.facts.vulns
    if a.device.level is None or not a.open:
        return None
    rows = tuple(
        (
            v.entry.cve,
            v.entry.severity_label,
            v.entry.type,
            v.entry.vendor or v.entry.kind.value,
            v.entry.component,
            v.entry.spl.isoformat(),
            v.status.value,
            v.entry.url,
        )
        for v in a.open
    )
    chart = Chart(
        title="Open vulnerabilities by severity",
        unit="CVEs",
        items=tuple((sev, float(n)) for sev, n in a.counts.items()),
    )
    by_kind = Counter(v.entry.vendor or v.entry.kind.value for v in a.affected)
    chart2 = Chart(
        title="Open vulnerabilities by component",
        unit="CVEs",
        items=tuple((k, float(n)) for k, n in by_kind.most_common(8)),
    )
    return Section(
        id="updates.open_cves",
        title="Open vulnerabilities",
        summary=(f"{one_line(a)}. {data_line(a)}"),
        tables=(
            Table(
                title="Open CVEs",
                columns=(
                    "CVE",
                    "Severity",
                    "Type",
                    "Component group",
                    "Component",
                    "Fixed in SPL",
                    "Status",
                    "Bulletin",
                ),
                rows=rows,
            ),
        ),
        charts=(chart, chart2),
    )


@register
class OpenCves(BaseCheck):
    """One finding per severity group of open CVEs, plus one for the 'possibly affected' ones."""

    id = "updates.open_cves"
    requires = ("patch_level",)
    requires_why: ClassVar[dict[str, str]] = {
        "patch_level": "the phone reports no security patch level, so fixed CVEs cannot be told from open ones"
    }
    sections = (open_cve_section,)
    data_sources = (vdb.data_source, lc.data_source)

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        db = vdb.load_db(ctx.kb)
        month = db.covers_until.strftime("%Y-%m")
        if dev.security_patch is not None and dev.security_patch >= db.covers_until:
            return [
                d.not_available(
                    f"the vulnerability data covers bulletins up to {month} and this phone's patch level "
                    f"{dev.security_patch.isoformat()} is newer; run `howsafe kb update` to check "
                    "later bulletins"
                )
            ]
        a = ctx.facts.vulns
        release = a.device.release
        eol = lc.android_eol(load_lifecycle(ctx.kb), release, ctx.today) if release else None
        eol_note = ""
        if eol is not None and eol.ended and eol.eol is not None and eol.eol <= db.covers_until:
            eol_note = (
                f" Android {release} left security support on {eol.eol.isoformat()}: later bulletins do "
                "not list it, so flaws found since then are missing from this count."
            )
        stale = f" {data_line(a)}"
        levels = _levels_evidence(ctx, a)
        vendor_note = _vendor_level_note(a)
        groups: dict[str, list[OpenVuln]] = defaultdict(list)
        for v in a.affected:
            groups[v.entry.severity_label].append(v)
        out: list[Finding] = []
        headline = one_line(a)
        for label in sorted(groups, key=lambda lb: -_label_rank(lb)):
            vulns = groups[label]
            rated = label != UNRATED
            sev = vulns[0].entry.severity if rated else Severity.MEDIUM
            rce = any(v.entry.type == "RCE" for v in vulns)
            tags = ["exploit"] if rated and sev is Severity.CRITICAL and rce else []
            plural = "ies" if len(vulns) != 1 else "y"
            title = (
                f"{len(vulns)} {label} vulnerabilit{plural} open"
                if rated
                else f"{len(vulns)} vulnerabilit{plural} open whose severity the data does not state"
            )
            group = label.capitalize() if rated else "Severity not stated by the source"
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject=label,
                    severity=sev,
                    confidence="high" if rated else "medium",
                    tags=tags,
                    title=title,
                    summary=(
                        f"{headline}. {group}: {len(vulns)} ({_components(vulns)}).{vendor_note}{eol_note}{stale}"
                    ),
                    evidence=[*levels, *_cve_evidence(vulns)],
                )
            )
        if a.possible:
            vulns = list(a.possible)
            out.append(
                d.finding(
                    Outcome.FAIL,
                    subject="possible",
                    severity=Severity.LOW,
                    confidence="low",
                    title=f"{len(vulns)} vulnerabilities possibly open (depends on the phone's chips/parts)",
                    summary=(
                        f"{len(vulns)} CVEs in vendor components ({_components(vulns)}) apply only if the "
                        f"phone contains that vendor's part; its properties do not say.{stale}"
                    ),
                    evidence=_cve_evidence(vulns),
                )
            )
        if not out:
            spl_text = dev.security_patch.isoformat() if dev.security_patch else "(none reported)"
            summary = f"No CVE published after patch level {spl_text} applies.{eol_note}{stale}"
            if eol_note:
                return [d.finding(Outcome.NOT_AVAILABLE, summary=summary, evidence=[_spl_evidence(ctx)])]
            return [d.finding(Outcome.PASS, summary=summary, evidence=[_spl_evidence(ctx)])]
        return out


@register
class StageFright(BaseCheck):
    id = "updates.stagefright"

    def run(self, ctx: AuditContext) -> Sequence[Finding]:
        d = self.defn
        dev = ctx.snapshot.device
        release = normalise_release(dev.android_release, dev.sdk)
        if release is None:
            return [d.not_available("the Android version is not reported")]
        major_minor = tuple(strict_int(x, max_digits=9) or 0 for x in release.replace("12L", "12.1").split(".")[:2])
        if major_minor >= (6, 0):
            return [d.not_applicable(f"Android {release} shipped with the StageFright fixes.")]
        spl = dev.security_patch
        if spl is not None and spl >= STAGEFRIGHT_FIXED:
            return [
                d.finding(
                    Outcome.PASS,
                    evidence=[_spl_evidence(ctx)],
                    summary=f"Patch level {spl.isoformat()} includes the 2015-08/09/10 StageFright fixes.",
                )
            ]
        db = vdb.load_db(ctx.kb)
        cves = db.named.get("StageFright", ())
        entries = [e for c in cves for e in db.by_cve(c)][: len(cves)]
        ev = [_release_evidence(ctx), _spl_evidence(ctx)]
        ev += [
            Evidence(
                kind="cve",
                key=e.cve,
                value=f"{e.severity.value}; fixed in bulletin {e.bulletin}",
                source=e.bulletin,
            )
            for e in entries
        ]
        if spl is None:
            built = build_date_of(ctx.snapshot)
            if built is not None:
                ev.append(
                    Evidence(
                        kind="property",
                        key="ro.build.date.utc",
                        value=ctx.snapshot.properties.get("ro.build.date.utc"),
                        source=_prop_source(ctx),
                    )
                )
            if built is not None and built < FIRST_BULLETIN:
                summary = (
                    f"StageFright is open: Android {release} built on {built.isoformat()} (ro.build.date.utc), "
                    f"before the 2015-08 bulletin that brought the first StageFright fixes ({', '.join(cves)}); "
                    "with no security patch level nothing can have added them since."
                )
                return [d.finding(Outcome.FAIL, summary=summary, evidence=ev, tags=["exploit"])]
            when = f" built on {built.isoformat()}" if built else ""
            summary = (
                f"StageFright is probably open: Android {release}{when} reports no security patch level, so "
                f"nothing shows the 2015 StageFright fixes ({', '.join(cves)}) were applied."
            )
            return [d.finding(Outcome.FAIL, summary=summary, evidence=ev, confidence="medium", tags=["exploit"])]
        summary = (
            f"Android {release} with patch level {spl.isoformat()} (before 2015-10-01) lacks StageFright "
            f"fixes ({', '.join(cves)})."
        )
        return [d.finding(Outcome.FAIL, summary=summary, evidence=ev, tags=["exploit"])]
