"""Build a hardening plan for one phone and one threat profile from its audit.

Inputs: the Snapshot, the knowledge base (package roles and removal levels, vendor settings keys)
and the findings of an audit for the profile. Output: a :class:`~howsafe.harden.model.Plan` whose
steps are ordered by how much each lowers the risk for the profile (the penalty the profile gives
the finding the step fixes, :func:`howsafe.score.verdict.finding_penalty`).

Steps:

- **package**: a telemetry / analytics / advertising package that is installed and enabled.
  ``pm disable-user --user 0`` (undo ``pm enable --user 0``); at ``--level expert`` an expert-level
  package is removed for user 0 only, keeping its APK and data (``pm uninstall -k --user 0``, undo
  ``cmd package install-existing --user 0``). Levels come from :mod:`howsafe.harden.levels`.
- **setting**: an OEM collection switch of this vendor family (``kb/data/vendor_settings``) that
  is on, or whose value the source does not show: ``settings put`` with its "off" value; undo puts
  the previous value back, or ``settings delete`` when there was none.
- **account**: cloud backups and accounts to review (no phone command: only the owner can).
- **unfixable**: firmware past its end of support: the honest answer is a new phone or a
  maintained ROM, with the trade-offs.

Every id and settings key is checked against the allowlist while the plan is built; a value that
could carry shell syntax is left out with a note, never sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from howsafe import __version__
from howsafe.harden.commands import Allowlist, UnsafeCommandError, allowlist
from howsafe.harden.levels import allowed_at, package_level
from howsafe.harden.model import LEVEL_RANK, HeldBack, Level, Plan, Step
from howsafe.kb.base import KnowledgeBase
from howsafe.kb.packages import package_db
from howsafe.kb.rom_market import hosting_for_rom, rom_market
from howsafe.kb.vendor_settings import SettingEntry, vendor_settings
from howsafe.model import Finding, Outcome, Severity, Snapshot
from howsafe.parse.numbers import strict_int
from howsafe.score.profile import Profile
from howsafe.score.verdict import finding_penalty

#: Package roles a plan proposes to disable (what collects or shows ads), with the check naming them.
#: Cloud apps (photos, drive, the vendor cloud) are not disabled: the owner may keep data there;
#: they become "accounts and backups to review" steps instead.
ROLE_CHECK = {
    "telemetry": "vendor.telemetry",
    "analytics": "vendor.telemetry",
    "ads": "vendor.ads",
}
_NOTHING_NAMED = "nothing the knowledge base names (removal level safe)"
_EOL_CHECKS = ("updates.device_eol", "updates.android_eol")
_UPDATE_DETAIL = ("updates.spl_age", "updates.open_cves", "updates.stagefright")


def device_title(snapshot: Snapshot) -> str:
    d = snapshot.device
    title = d.display_name()
    rom = " ".join(x for x in (d.rom, d.rom_version) if x)
    android = f"Android {d.android_release}" if d.android_release else ""
    extra = ", ".join(x for x in (rom, android) if x)
    return f"{title} ({extra})" if extra else title


def build_plan(
    snapshot: Snapshot,
    kb: KnowledgeBase,
    profile: Profile,
    findings: Sequence[Finding],
    *,
    level: Level = "safe",
    now: dt.datetime | None = None,
) -> Plan:
    """The plan for ``snapshot`` at ``level`` (see the module docstring)."""
    if level not in ("safe", "advanced", "expert"):
        raise ValueError(f"unknown level {level!r}")
    allow = allowlist()
    notes: list[str] = []
    steps: list[Step] = []
    held: list[HeldBack] = []
    by_id = {f.id: f for f in findings}
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check, []).append(f)

    _package_steps(snapshot, kb, profile, by_check, level, allow, steps, held, notes)
    _setting_steps(snapshot, kb, profile, findings, allow, steps, notes)
    _account_steps(profile, findings, steps)
    _unfixable_steps(profile, by_id, steps)

    kind_order = {"package": 1, "setting": 0, "account": 2, "unfixable": 3}
    steps.sort(
        key=lambda s: (
            s.kind == "unfixable",
            -s.impact,
            LEVEL_RANK[s.level],
            kind_order[s.kind],
            -len(s.collects),
            s.target,
        )
    )
    held.sort(key=lambda h: (LEVEL_RANK[h.level], h.package))
    return Plan(
        device=device_title(snapshot),
        profile=profile.id,
        level=level,
        steps=tuple(steps),
        held_back=tuple(held),
        notes=tuple(notes),
        generated_at=now or dt.datetime.now(dt.UTC),
        tool=f"howsafe {__version__}",
    )


def _impact(profile: Profile, finding: Finding | None, severity: Severity, tags: tuple[str, ...]) -> float:
    if finding is not None and finding.outcome is Outcome.FAIL:
        return finding_penalty(finding, profile)
    return profile.severity_penalty.get(severity, 0.0) * profile.weight_for_tags(tags) * 0.5


def _package_steps(
    snapshot: Snapshot,
    kb: KnowledgeBase,
    profile: Profile,
    by_check: dict[str, list[Finding]],
    level: Level,
    allow: Allowlist,
    steps: list[Step],
    held: list[HeldBack],
    notes: list[str],
) -> None:
    if snapshot.packages is None:
        notes.append(
            "The source has no package list, so no package step could be planned "
            "(read the phone with `howsafe harden --adb`, or a dump that holds `pm list packages`)."
        )
        return
    db = package_db(kb)
    market = rom_market(kb, snapshot)
    for pkg in snapshot.packages:
        if pkg.enabled is False or pkg.installed is False:
            continue
        info = db.exact.get(pkg.id)
        if info is None or info.role not in ROLE_CHECK:
            continue
        if not allow.valid("package", pkg.id):
            notes.append(f"Left out a package id that is not a valid Android package name: {pkg.id!r}.")
            continue
        lv = package_level(kb, pkg.id)
        why_level = lv.reason or (f"stops: {lv.breaks}" if lv.breaks else f"removal level: {lv.removal}")
        if not allowed_at(lv.level, level):
            held.append(HeldBack(package=pkg.id, level=lv.level, reason=why_level, source=lv.sources, label=lv.label))
            continue
        check = ROLE_CHECK[info.role]
        finding = next(
            (
                f
                for f in by_check.get(check, ())
                if f.outcome is Outcome.FAIL and any(e.key == pkg.id for e in f.evidence)
            ),
            None,
        )
        tags = (info.role, *(f"jurisdiction:{j}" for j in info.jurisdiction))
        impact = _impact(profile, finding, Severity.MEDIUM, tags)
        uninstall = lv.level == "expert"
        if uninstall:
            action = (allow.build("uninstall_keep", package=pkg.id),)
            undo = (allow.build("install_existing", package=pkg.id),)
        else:
            action = (allow.build("disable", package=pkg.id),)
            undo = (allow.build("enable", package=pkg.id),)
        what = info.label or pkg.label or pkg.id
        reason = f"{info.description}"
        hosted = hosting_for_rom(kb, info.hosted, market, info.family)
        if hosted:
            reason += f" Hosted: {hosted}."
        requires = None
        if lv.account_bound:
            requires = "sign out of the vendor account on the phone first (Settings > Accounts)"
        steps.append(
            Step(
                id=f"package:{pkg.id}",
                kind="package",
                target=pkg.id,
                level=lv.level,
                title=f"{'Remove for this user' if uninstall else 'Disable'} {what} ({info.role})",
                reason=reason,
                source=info.sources,
                op="uninstall" if uninstall else "disable",
                action=action,
                undo=undo,
                breaks=lv.breaks or (_NOTHING_NAMED if lv.level == "safe" else None),
                collects=info.data,
                removal=lv.removal,
                requires=requires,
                account_types=_account_types(pkg.id) if lv.account_bound else (),
                label=info.label,
                impact=impact,
                finding_ids=(finding.id,) if finding else (),
            )
        )


#: Android account types of vendor accounts, by package-id prefix (``dumpsys account`` lists
#: ``Account {name=..., type=...}``): an account-bound step is refused while one is signed in.
_ACCOUNT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("com.xiaomi.", ("com.xiaomi",)),
    ("com.miui.", ("com.xiaomi",)),
    ("com.samsung.", ("com.osp.app.signin",)),
    ("com.sec.", ("com.osp.app.signin",)),
    ("com.osp.", ("com.osp.app.signin",)),
    ("com.huawei.", ("com.huawei.hwid",)),
    ("com.hihonor.", ("com.hihonor.id",)),
    ("com.heytap.", ("com.heytap",)),
    ("com.oppo.", ("com.oppo",)),
    ("com.google.", ("com.google",)),
)


def _account_types(package_id: str) -> tuple[str, ...]:
    for prefix, types in _ACCOUNT_TYPES:
        if package_id.startswith(prefix):
            return types
    return ()


def _off_value(entry: SettingEntry, current: str | None) -> tuple[str | None, int | None]:
    """(value to write, bits to clear) that switch ``entry`` off."""
    if entry.off_values:
        return entry.off_values[0], None
    if entry.on_bits is not None:
        base = (strict_int(current.strip(), signed=True) or 0) if current is not None else 0
        return str(base & ~entry.on_bits), entry.on_bits
    return None, None


def _setting_steps(
    snapshot: Snapshot,
    kb: KnowledgeBase,
    profile: Profile,
    findings: Sequence[Finding],
    allow: Allowlist,
    steps: list[Step],
    notes: list[str],
) -> None:
    family = package_db(kb).family_for_brand(snapshot.device.brand or snapshot.device.manufacturer)
    if family is None:
        return
    entries = vendor_settings(kb).for_family(family.family)
    market = rom_market(kb, snapshot)
    has_settings = any(snapshot.settings.values())
    for entry in entries:
        current = snapshot.setting(entry.namespace, entry.key)
        state = entry.state(current)
        if state == "off":
            continue
        value, bits = _off_value(entry, current)
        if value is None:
            continue
        try:
            action = (allow.build("settings_put", namespace=entry.namespace, key=entry.key, value=value),)
            if current is None:
                undo = (allow.build("settings_delete", namespace=entry.namespace, key=entry.key),)
            else:
                undo = (allow.build("settings_put", namespace=entry.namespace, key=entry.key, value=current),)
        except UnsafeCommandError as exc:
            notes.append(f"Left out setting {entry.id}: {exc}.")
            continue
        finding = next(
            (
                f
                for f in findings
                if f.check == "vendor.settings"
                and f.outcome is Outcome.FAIL
                and any(e.key == f"{entry.namespace}/{entry.key}" for e in f.evidence)
            ),
            None,
        )
        seen = (
            f"it is on ({entry.namespace}/{entry.key}={current})"
            if state == "on"
            else "the source does not show its value"
            if current is None or not has_settings
            else f"its value {current!r} is not a known off value"
        )
        hosted = hosting_for_rom(kb, entry.hosted, market, family.family)
        steps.append(
            Step(
                id=f"setting:{entry.namespace}/{entry.key}",
                kind="setting",
                target=f"{entry.namespace}/{entry.key}",
                level="safe",
                title=f"Switch off: {entry.title.removesuffix(' is on').removesuffix(' are on')}",
                reason=f"{entry.what} Planned because {seen}." + (f" Hosted: {hosted}." if hosted else ""),
                source=entry.sources,
                op="setting",
                action=action,
                undo=undo,
                breaks="nothing: it is an opt-in switch the vendor offers in Settings",
                menu=entry.menu or None,
                impact=_impact(profile, finding, Severity.MEDIUM, (entry.role,)),
                finding_ids=(finding.id,) if finding else (),
                namespace=entry.namespace,
                key=entry.key,
                value=value,
                clear_bits=bits,
            )
        )


def _account_steps(profile: Profile, findings: Sequence[Finding], steps: list[Step]) -> None:
    for f in findings:
        if not f.check.startswith("cloud.") or f.outcome is not Outcome.FAIL:
            continue
        steps.append(
            Step(
                id=f"account:{f.id}",
                kind="account",
                target=f.id,
                level="safe",
                title=f"Review: {f.title}",
                reason=f.summary or f.why,
                source=f.references or (f"howsafe check {f.check}",),
                menu=f.remediation or None,
                impact=finding_penalty(f, profile),
                finding_ids=(f.id,),
                breaks="only what you choose to switch off (sync or backup of that data)",
            )
        )


def _unfixable_steps(profile: Profile, by_id: dict[str, Finding], steps: list[Step]) -> None:
    eol = [by_id[c] for c in _EOL_CHECKS if c in by_id and by_id[c].outcome is Outcome.FAIL]
    if not eol:
        return
    detail = [by_id[c] for c in _UPDATE_DETAIL if c in by_id and by_id[c].outcome is Outcome.FAIL]
    reason = " ".join(f.summary for f in (*eol, *detail) if f.summary)
    sources: list[str] = []
    for f in (*eol, *detail):
        sources.extend(r for r in f.references if r not in sources)
    steps.append(
        Step(
            id="unfixable:firmware",
            kind="unfixable",
            target="firmware",
            level="safe",
            title="Security holes in this firmware cannot be fixed from the phone",
            reason=reason,
            source=tuple(sources) or tuple(f"howsafe check {f.check}" for f in eol),
            menu=(
                "The honest answer is a phone that still gets security updates, or a maintained ROM "
                "(for example LineageOS, where it supports this model). Trade-offs of a ROM: unlocking the "
                "bootloader erases the phone, some banking and payment apps refuse unlocked phones, and "
                "vendor features (camera processing, cloud services) may be missing. Disabling packages "
                "does not close firmware holes."
            ),
            impact=sum(finding_penalty(f, profile) for f in eol),
            finding_ids=tuple(f.id for f in (*eol, *detail)),
        )
    )


__all__ = ["ROLE_CHECK", "build_plan", "device_title"]
