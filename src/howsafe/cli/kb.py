"""``howsafe kb``: query the knowledge base (lookup), import a user's UAD list, update (lazy).

``kb update`` lives in ``howsafe.cli.kb_update`` and is added lazily, so this group works (and
``--help`` stays fast) whether or not that module is installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from howsafe.cli import LazyGroup
from howsafe.kb import KnowledgeBase

_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lookup": ("howsafe.cli.kb:lookup", "What is this package? Vendor, role, data, domains, removal safety."),
    "import-uad": ("howsafe.cli.kb:import_uad", "Import your own copy of the UAD NG list for lookups."),
    "update": ("howsafe.cli.kb_update:update", "Download newer knowledge (the only networked command)."),
}


class _KbGroup(LazyGroup):
    """Lists only subcommands whose module is installed (``update`` comes from another module)."""

    def _present(self) -> dict[str, tuple[str, str]]:
        out = {}
        for name, (target, help_text) in self.lazy.items():
            mod = target.split(":")[0]
            try:
                found = importlib.util.find_spec(mod) is not None
            except (ImportError, ValueError):
                found = False
            if found:
                out[name] = (target, help_text)
        return out

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._present())

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in sorted(self._present().items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_KbGroup, lazy=_SUBCOMMANDS)
def kb() -> None:
    """Query and update the knowledge base."""


@click.command()
@click.argument("packages", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='json: one document {"schema": ..., "packages": [one object per id: id, role, vendor, data, ...]}.',
)
def lookup(packages: tuple[str, ...], fmt: str) -> int:
    """Tell what each PACKAGE id is: vendor, role, data handled, domains, removal safety, sources.

    Unknown ids are reported with role "unknown".
    """
    from howsafe.kb.packages import lookup as kb_lookup
    from howsafe.kb.removal import removal_info
    from howsafe.report.formats import render_as

    knowledge = KnowledgeBase.default()
    out: list[dict[str, object]] = []
    for pid in packages:
        pid = pid.strip().removeprefix("package:")
        info = kb_lookup(knowledge, pid)
        unknown: dict[str, object] = {"id": pid, "role": "unknown", "matched_by": None}
        obj = info.to_json() if info else unknown
        if info is not None:
            rem = removal_info(knowledge, pid)  # the never-list wins over a family entry
            obj["removal"] = rem.level
            obj["removal_group"] = rem.group
            if rem.level == "never" and info.removal != "never":
                obj["never_reason"] = rem.reason
        else:
            rem = removal_info(knowledge, pid)
            if rem.level == "never":  # on the never-list only: still say what it is and why
                obj = {
                    "id": pid,
                    "vendor": "Android platform",
                    "family": "",
                    "label": rem.label,
                    "role": "system-critical",
                    "data": [],
                    "domains": [],
                    "removal": "never",
                    "removal_group": "never",
                    "breaks": None,
                    "account_bound": False,
                    "never_reason": rem.reason,
                    "jurisdiction": [],
                    "hosted": None,
                    "description": rem.reason or "",
                    "sources": list(rem.sources),
                    "confidence": "high",
                    "matched_by": "never-list",
                }
        out.append(obj)
    from howsafe.report.interface import RenderOptions

    click.echo(render_as("kb", fmt, out, RenderOptions()), nl=False)
    return 0


@click.command("import-uad")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_uad(file: Path) -> int:
    """Validate FILE (your copy of UAD NG's uad_lists.json) and use it in lookups.

    The list is GPL-3.0 and is never bundled with howsafe; the converted copy stays in your user
    data folder and lookups mark what comes from it as "UAD (user import)".
    """
    from howsafe.kb.uad_import import import_uad as do_import
    from howsafe.report.sanitize import clean

    result = do_import(file)
    msg = f"imported {result.imported} packages from {file.name} into {result.path}"
    if result.skipped:
        msg += f" ({result.skipped} invalid entries skipped)"
    click.echo(clean(msg))
    return 0
