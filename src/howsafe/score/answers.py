"""The owner's questions, answered one line each from what the audit found (passes included).

1. Is my data hosted in mainland China, and what says so?
2. Which vendor analytics run, and how do I turn each off on this ROM?
3. Are contacts, call log and location backed up, and where to?
4. How far behind on security patches, and is StageFright open?
5. Is the phone fit for my profile, and why?

Nothing here judges anew: each answer restates the findings (and the verdict) it names, so the
report never says more than its checks found. A question the evidence cannot answer says so and
what would answer it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from howsafe.checks.base import AuditContext
from howsafe.model import Answer, Area, Finding, Outcome, Verdict
from howsafe.vulns.model import Assessment

_MAX_ITEMS = 6


def _by_check(findings: Iterable[Finding], *checks: str) -> list[Finding]:
    return [f for f in findings if f.check in checks]


def _failed(fs: Iterable[Finding]) -> list[Finding]:
    return [f for f in fs if f.outcome is Outcome.FAIL]


def _first_sentence(text: str) -> str:
    text = text.split(" (rule ")[0]  # the rule's provenance stays in the finding, not in the one-liner
    head, sep, _ = text.partition(". ")
    return head.rstrip(".") + "." if sep or text.endswith(".") else text


def _list(items: Sequence[str], limit: int = _MAX_ITEMS) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _evidence_text(f: Finding, limit: int = 2) -> str:
    bits = [f"{e.key}={e.value}" if e.value and len(e.value) < 40 else e.key for e in f.evidence[:limit]]
    return ", ".join(bits)


def _china(ctx: AuditContext, findings: Sequence[Finding]) -> Answer:
    q = "Is my data hosted in mainland China?"
    region = _by_check(findings, "vendor.rom_region")
    cn_rom = [f for f in _failed(region) if any(t == "jurisdiction:CN" for t in f.tags)]
    cn_net = [f for f in _failed(findings) if f.area is Area.NETWORK and any(t == "jurisdiction:CN" for t in f.tags)]
    ids = tuple(f.id for f in cn_rom + cn_net)
    if cn_rom or cn_net:
        parts = []
        if cn_rom:
            parts.append(f"{_first_sentence(cn_rom[0].summary)} (evidence: {_evidence_text(cn_rom[0])})")
        if cn_net:
            parts.append(f"the capture shows it: {cn_net[0].title} (evidence: {_evidence_text(cn_net[0], 3)})")
        return Answer(id="china", question=q, answer="Yes: " + "; ".join(parts), finding_ids=ids)
    judged = [f for f in region if f.outcome in (Outcome.PASS, Outcome.FAIL)]
    if judged:
        f = judged[0]
        net = " No capture was given to show where traffic really goes." if ctx.network is None else ""
        return Answer(
            id="china",
            question=q,
            answer=f"No China-market ROM: {_first_sentence(f.summary)} (evidence: {_evidence_text(f)}).{net}",
            finding_ids=(f.id,),
        )
    return Answer(
        id="china",
        question=q,
        answer="Cannot tell: the source has no ROM region properties and no traffic capture "
        "(give getprop output, or a capture with --capture).",
    )


def _analytics(ctx: AuditContext, findings: Sequence[Finding]) -> Answer:
    q = "Which vendor analytics run, and how do I turn them off?"
    pkg = _failed(_by_check(findings, "vendor.telemetry", "vendor.ads"))
    settings = _by_check(findings, "vendor.settings")
    on = _failed(settings)
    off = [f for f in settings if f.outcome is Outcome.PASS]
    ids = tuple(f.id for f in pkg + on + off)
    d = ctx.snapshot.device
    rom = " ".join(x for x in (d.rom, d.rom_version) if x) or "this ROM"
    parts: list[str] = []
    for f in on:
        parts.append(f"{f.title} ({_evidence_text(f, 1)}): {f.remediation.rstrip('.')} on {rom}")
    for f in off:
        parts.append(f"{f.title} ({_evidence_text(f, 1)})")
    if pkg:
        mine = {t.lower() for t in (d.brand, d.manufacturer, d.rom) if t} | (
            {"miui"} if "xiaomi" in str(d.manufacturer).lower() else set()
        )
        names = sorted(
            {e.key for f in pkg for e in f.evidence if e.kind == "package"},
            key=lambda n: (not any(t in n for t in mine), n),
        )  # the phone maker's own first
        switch = ""
        if not on:
            menus = _menus(ctx)
            switch = f"; switches on {rom}: {'; '.join(menus)}" if menus else ""
        parts.append(f"installed analytics/ad packages: {_list(names)}{switch}")
    if not parts:
        judged = [
            f
            for f in _by_check(findings, "vendor.telemetry", "vendor.ads", "vendor.settings")
            if f.outcome is Outcome.PASS
        ]
        if judged:
            return Answer(
                id="analytics",
                question=q,
                finding_ids=tuple(f.id for f in judged),
                answer="None found: " + "; ".join(_first_sentence(f.summary).rstrip(".") for f in judged[:2]) + ".",
            )
        return Answer(
            id="analytics", question=q, answer="Cannot tell: the source has no package list and no settings dump."
        )
    return Answer(id="analytics", question=q, answer="; ".join(parts) + ".", finding_ids=ids)


def _menus(ctx: AuditContext) -> list[str]:
    """Where the vendor's collection switches are, from the vendor-settings knowledge."""
    from howsafe.kb.packages import package_db
    from howsafe.kb.vendor_settings import vendor_settings

    d = ctx.snapshot.device
    family = package_db(ctx.kb).family_for_brand(d.brand or d.manufacturer)
    if family is None:
        return []
    entries = vendor_settings(ctx.kb).for_family(family.family)
    return [f"{e.title.replace(' is on', '').replace(' are on', '')}: {e.menu}" for e in entries if e.menu][:3]


_PERSONAL = ("contact", "call", "location")


def _backup(ctx: AuditContext, findings: Sequence[Finding]) -> Answer:
    q = "Are my contacts, call log and location backed up, and where?"
    from howsafe.checks.cloud import cloud_services

    services = {s.id: s for s in cloud_services(ctx.kb)}
    cloud = [f for f in findings if f.check.startswith("cloud.")]
    parts: list[str] = []
    ids: list[str] = []
    copied = False
    for f in cloud:
        if f.outcome is Outcome.FAIL:
            state = "ON"
        elif f.outcome is Outcome.PASS:
            state = "off"
        elif f.outcome is Outcome.NOT_AVAILABLE and f.evidence:
            state = "installed, sign-in not visible"
        else:
            continue
        sid = f.id.split(":", 1)[1] if ":" in f.id else f.check.removeprefix("cloud.")
        svc = services.get(sid)
        if svc is None:
            parts.append(f"{f.title} ({state})")
            ids.append(f.id)
            continue
        personal = [d for d in svc.data if any(w in d.lower() for w in _PERSONAL)]
        where = svc.jurisdiction_for(ctx.snapshot)
        what = f"copies {', '.join(personal)}" if personal else "none of contacts, call log or location"
        to = f" to {svc.vendor}" + (f" ({where})" if where else "") if personal else ""
        parts.append(f"{svc.name}: {state} ({what}{to}; evidence: {_evidence_text(f, 1) or f.check})")
        ids.append(f.id)
        copied = copied or (state == "ON" and bool(personal))
    if not parts:
        absent = [f for f in cloud if f.outcome is Outcome.NOT_APPLICABLE]
        if absent and ctx.snapshot.packages:
            return Answer(
                id="backup",
                question=q,
                finding_ids=tuple(f.id for f in absent),
                answer="No known cloud backup or sync service is installed (the package list "
                f"was compared with {len(absent)} vendors' backup and find-device services).",
            )
        return Answer(
            id="backup",
            question=q,
            answer="Cannot tell: the source has neither `dumpsys backup`, the backup settings nor a package list.",
        )
    lead = "Yes: " if copied else "Not shown to be on: " if all("ON" not in p for p in parts) else ""
    return Answer(id="backup", question=q, answer=lead + "; ".join(parts) + ".", finding_ids=tuple(ids))


def _patches(ctx: AuditContext, findings: Sequence[Finding]) -> Answer:
    q = "How far behind on security patches, and is StageFright open?"
    age = _by_check(findings, "updates.spl_age")
    cves = [f for f in findings if f.check == "updates.open_cves"]
    sf = _by_check(findings, "updates.stagefright")
    parts: list[str] = []
    ids: list[str] = []
    pre = ctx.facts.vulns.device.pre_bulletin
    if age and age[0].outcome in (Outcome.PASS, Outcome.FAIL):
        if pre:
            from howsafe.vulns.match import bulletins_behind
            from howsafe.vulns.model import PRE_BULLETIN_LEVEL

            parts.append(
                "No security patch level: the build predates the monthly bulletins, treated as unpatched "
                f"since before 2015-08-01 ({bulletins_behind(PRE_BULLETIN_LEVEL, ctx.today)} monthly bulletins behind)"
            )
        else:
            parts.append(_first_sentence(age[0].summary))
        ids.append(age[0].id)
    else:
        parts.append("Unknown: the phone reports no security patch level (ro.build.version.security_patch)")
    failed = _failed(cves)
    if failed:
        parts.append(_cve_count(ctx.facts.vulns))
        ids += [f.id for f in failed]
    elif cves and cves[0].outcome is Outcome.PASS:
        parts.append("no known open CVE in the bulletin data")
        ids.append(cves[0].id)
    elif cves:
        parts.append(_first_sentence(cves[0].summary.removeprefix("Not available: ")))
    if sf:
        f = sf[0]
        ids.append(f.id)
        if f.outcome is Outcome.FAIL:
            parts.append("StageFright: OPEN" + (" (probably)" if f.confidence != "high" else ""))
        elif f.outcome is Outcome.PASS:
            parts.append("StageFright: fixed (" + _first_sentence(f.summary).rstrip(".") + ")")
        elif f.outcome is Outcome.NOT_APPLICABLE:
            parts.append("StageFright: not open (" + f.summary.rstrip(".") + ")")
        else:
            parts.append("StageFright: unknown (the Android version is not reported)")
    return Answer(
        id="patches", question=q, answer="; ".join(p.rstrip(".") for p in parts if p) + ".", finding_ids=tuple(ids)
    )


def _cve_count(a: Assessment) -> str:
    total = len(a.affected)
    crit = a.counts.get("critical", 0)
    high = a.counts.get("high", 0)
    through = a.coverage.through if a.coverage else f"{a.covers_until:%Y-%m}"
    return (
        f"{total} known vulnerabilities open ({crit} critical, {high} high; bulletins through {through}"
        + ("; some months missing or partial in the data" if a.coverage and not a.coverage.complete else "")
        + ")"
    )


def _profile(verdict: Verdict) -> Answer:
    q = "Is it fit for my profile?"
    why = _first_sentence(verdict.explanation) if verdict.explanation else ""
    answer = verdict.headline + (f". Why: {why}" if why else ".")
    return Answer(id="profile", question=q, answer=answer)


def answer_questions(ctx: AuditContext, findings: Sequence[Finding], verdict: Verdict) -> tuple[Answer, ...]:
    """The five answers, in the order the owner asks them."""
    return (
        _china(ctx, findings),
        _analytics(ctx, findings),
        _backup(ctx, findings),
        _patches(ctx, findings),
        _profile(verdict),
    )
