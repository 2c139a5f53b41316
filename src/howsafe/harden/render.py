"""A plan as text, JSON, Markdown, HTML or a reviewed POSIX shell script (and its undo script).

Device strings (labels, ids, values) are untrusted: text goes through the report layer's
``clean`` (no control or bidi characters), Markdown through ``md_escape``, HTML through
``html.escape``; the shell script quotes every argument with :func:`~howsafe.harden.commands.sh_quote`
and sends each phone command as ONE quoted argument of ``adb shell`` (whose words were validated
against the allowlist, so the phone's shell sees no syntax either).
"""

from __future__ import annotations

import html
import json
import re

from howsafe.harden.commands import Command, sh_quote
from howsafe.harden.model import Plan, Step
from howsafe.report.sanitize import clean, md_escape

FORMATS = ("text", "json", "md", "html", "sh")
_PLAIN = re.compile(r"[A-Za-z0-9_.:,+@%/=-]+")
_KIND_HEAD = {
    "package": "Packages to disable",
    "setting": "Settings to switch off",
    "account": "Accounts and backups to review",
    "unfixable": "What cannot be fixed on this phone",
}


def render_plan(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(plan.to_json(), indent=1, ensure_ascii=False) + "\n"
    if fmt == "md":
        return _markdown(plan)
    if fmt == "html":
        return _html(plan)
    if fmt == "sh":
        return shell_script(plan)
    return _text(plan)


def _adb(c: Command) -> str:
    return "adb shell " + c.shell


def _text(plan: Plan) -> str:
    out: list[str] = [
        f"howsafe harden plan: {clean(plan.device)}",
        f"profile {clean(plan.profile)}, level {plan.level}; dry run: nothing is changed without --apply",
        "",
    ]
    n = 0
    for kind, head in _KIND_HEAD.items():
        steps = [s for s in plan.steps if s.kind == kind]
        if not steps:
            continue
        out.append(f"{head}:")
        for s in steps:
            n += 1
            tag = f"[{s.level}] " if s.action else ""
            out.append(f" {n}. {tag}{clean(s.title)}")
            out.append(f"    why: {clean(s.reason)}")
            if s.collects:
                out.append(f"    collects: {clean(', '.join(s.collects))}")
            if s.breaks:
                out.append(f"    stops working: {clean(s.breaks)}")
            if s.removal:
                out.append(f"    removal level in the knowledge base: {clean(s.removal)}")
            if s.requires:
                out.append(f"    first: {clean(s.requires)}")
            if s.menu:
                label = "where" if kind == "setting" else "what to do"
                out.append(f"    {label}: {clean(s.menu)}")
            for c in s.action:
                out.append(f"    do:   {clean(_adb(c))}")
            for c in s.undo:
                out.append(f"    undo: {clean(_adb(c))}")
            out.append(f"    source: {clean('; '.join(s.source))}")
        out.append("")
    if not plan.steps:
        out.append("Nothing to do at this level for this source.")
        out.append("")
    if plan.held_back:
        out.append("Not offered at this level:")
        for h in plan.held_back:
            out.append(f" - [{h.level}] {clean(h.package)}: {clean(h.reason)}")
        out.append("")
    for note in plan.notes:
        out.append(f"note: {clean(note)}")
    if plan.phone_steps:
        out.append(
            "Apply with: howsafe harden --adb --apply --level " + plan.level + "   (undo any time: howsafe undo --adb)"
        )
    return "\n".join(out).rstrip() + "\n"


def _markdown(plan: Plan) -> str:
    out = [
        f"# howsafe harden plan: {md_escape(plan.device)}",
        "",
        f"Profile **{md_escape(plan.profile)}**, level **{md_escape(plan.level)}**. "
        "Dry run: nothing is changed without `--apply`.",
        "",
    ]
    for kind, head in _KIND_HEAD.items():
        steps = [s for s in plan.steps if s.kind == kind]
        if not steps:
            continue
        out += [f"## {head}", ""]
        for s in steps:
            tag = f" (level {md_escape(s.level)})" if s.action else ""
            out.append(f"- **{md_escape(s.title)}**{tag}")
            out.append(f"  - why: {md_escape(s.reason)}")
            if s.breaks:
                out.append(f"  - stops working: {md_escape(s.breaks)}")
            if s.requires:
                out.append(f"  - first: {md_escape(s.requires)}")
            if s.menu:
                out.append(f"  - where: {md_escape(s.menu)}")
            for c in s.action:
                out.append(f"  - do: {md_escape(_adb(c))}")
            for c in s.undo:
                out.append(f"  - undo: {md_escape(_adb(c))}")
            out.append(f"  - source: {md_escape('; '.join(s.source))}")
        out.append("")
    if plan.held_back:
        out += ["## Not offered at this level", ""]
        out += [f"- {md_escape(h.package)} ({md_escape(h.level)}): {md_escape(h.reason)}" for h in plan.held_back]
        out.append("")
    out += [f"> {md_escape(n)}" for n in plan.notes]
    return "\n".join(out).rstrip() + "\n"


def _e(value: object) -> str:
    """HTML text: the shared sanitiser first (control/bidi characters, line breaks), then escaping."""
    return html.escape(clean(value))


def _html(plan: Plan) -> str:
    e = _e
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>howsafe harden plan: {e(plan.device)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "code{background:#f3f3f3;padding:0 .2em}.lv{font-weight:bold}</style></head><body>",
        f"<h1>howsafe harden plan: {e(plan.device)}</h1>",
        f"<p>Profile <b>{e(plan.profile)}</b>, level <b>{e(plan.level)}</b>. Dry run: nothing is changed "
        "without <code>--apply</code>.</p>",
    ]
    for kind, head in _KIND_HEAD.items():
        steps = [s for s in plan.steps if s.kind == kind]
        if not steps:
            continue
        parts.append(f"<h2>{e(head)}</h2><ol>")
        for s in steps:
            parts.append(_html_step(s))
        parts.append("</ol>")
    if plan.held_back:
        parts.append("<h2>Not offered at this level</h2><ul>")
        parts += [f"<li><code>{e(h.package)}</code> ({e(h.level)}): {e(h.reason)}</li>" for h in plan.held_back]
        parts.append("</ul>")
    parts += [f"<p>{e(n)}</p>" for n in plan.notes]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _html_step(s: Step) -> str:
    e = _e
    tag = f'<span class="lv">[{e(s.level)}]</span> ' if s.action else ""
    rows = [f"<li>{tag}{e(s.title)}<ul>", f"<li>why: {e(s.reason)}</li>"]
    if s.breaks:
        rows.append(f"<li>stops working: {e(s.breaks)}</li>")
    if s.requires:
        rows.append(f"<li>first: {e(s.requires)}</li>")
    if s.menu:
        rows.append(f"<li>where: {e(s.menu)}</li>")
    rows += [f"<li>do: <code>{e(_adb(c))}</code></li>" for c in s.action]
    rows += [f"<li>undo: <code>{e(_adb(c))}</code></li>" for c in s.undo]
    rows.append(f"<li>source: {e('; '.join(s.source))}</li></ul></li>")
    return "".join(rows)


def _sh_line(c: Command) -> str:
    # adb joins its arguments and the phone's shell parses them again: send the validated
    # command as one argument, every word quoted for the phone, the whole quoted for this shell.
    # Allowlisted words hold no shell syntax and stay readable; any other word is quoted for the phone.
    remote = " ".join(w if _PLAIN.fullmatch(w) else sh_quote(w) for w in c.words)
    return f"adb_shell {sh_quote(remote)}"


_SH_HEAD = """#!/bin/sh
# {title}
# Written by {tool} for {device} (profile {profile}, level {level}).
# Review every line before running it. Choose the phone with ANDROID_SERIAL when several are attached.
set -eu
adb_shell() {{ adb shell "$1"; }}
"""


def shell_script(plan: Plan, *, undo: bool = False) -> str:
    """The plan's phone commands as a POSIX shell script (or, with ``undo``, their inverses in
    reverse order). Comment lines carry no device text except through ``clean``."""
    title = (
        "Undo script: restores what the hardening script changed, in reverse order"
        if undo
        else "Hardening script: disables/switches off what the plan lists; its undo script reverts it"
    )
    head = _SH_HEAD.format(
        title=title,
        tool=_comment(plan.tool or "howsafe"),
        device=_comment(plan.device),
        profile=_comment(plan.profile),
        level=_comment(plan.level),
    )
    lines = [head]
    steps = list(reversed(plan.phone_steps)) if undo else list(plan.phone_steps)
    for s in steps:
        lines.append(f"# [{s.level}] {_comment(s.title)}")
        for c in reversed(s.undo) if undo else s.action:
            lines.append(_sh_line(c))
    if not steps:
        lines.append("# nothing to do")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return clean(text).replace("\n", " ")


__all__ = ["FORMATS", "render_plan", "shell_script"]
