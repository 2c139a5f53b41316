"""``howsafe iocs``: list, add and update indicator-of-compromise collections.

Collection names, patterns, malware names and error messages come from STIX2 files someone else
wrote (or from the network): every text line passes through the sanitiser. JSON is left verbatim.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from howsafe.errors import KnowledgeError
from howsafe.iocs import IocType, load_indicator_set, store_dir
from howsafe.iocs.store import add_to_store
from howsafe.report.sanitize import clean


def _say(line: str, *, err: bool = False) -> None:
    click.echo(clean(line), err=err)


@click.group()
def iocs() -> None:
    """Manage STIX2 indicator collections (MVT-compatible).

    Stored collections and the files in $MVT_STIX2 are matched by every `howsafe audit`.
    """


@iocs.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(fmt: str) -> int:
    """Show the collections an audit will use, with indicator counts per type."""
    iset = load_indicator_set()
    if iset is None:
        if fmt == "json":
            click.echo(json.dumps({"store": str(store_dir()), "collections": [], "errors": []}))
        else:
            _say(f"No indicator collections (store: {store_dir()}).")
            click.echo("Run `howsafe iocs update` (downloads mvt-indicators) or `howsafe iocs add FILE`.")
        return 0
    counts = iset.counts()
    unsupported = iset.all_unsupported()
    rows = []
    for c in iset.all_collections():
        per_type = {t.value: counts[(c.path, t)] for t in IocType if counts[(c.path, t)]}
        cant = [u for u in unsupported if u.source == c.path]
        rows.append(
            {
                "name": c.name,
                "path": c.path,
                "malware": list(c.malware),
                "indicators": sum(per_type.values()),
                "by_type": per_type,
                "unsupported": [{"pattern": u.pattern, "reason": u.reason} for u in cant],
            }
        )
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "store": str(store_dir()),
                    "collections": rows,
                    "errors": [{"path": e.path, "error": e.message} for e in iset.errors],
                    "skipped_patterns": iset.skipped_patterns,
                },
                indent=2,
            )
        )
        return 0
    for r in rows:
        by_type: dict[str, int] = r["by_type"]  # type: ignore[assignment]
        types = ", ".join(f"{k} {v}" for k, v in sorted(by_type.items()))
        _say(f"{r['name']}: {r['indicators']} indicators ({types})")
        cant_list: list[dict[str, str]] = r["unsupported"]  # type: ignore[assignment]
        if cant_list:
            _say(
                f"  {len(cant_list)} pattern(s) howsafe cannot evaluate, not matched: "
                + "; ".join(f"{u['pattern'][:80]} ({u['reason']})" for u in cant_list[:3])
                + (" ..." if len(cant_list) > 3 else "")
            )
    for e in iset.errors:
        _say(f"could not read {e.path}: {e.message}", err=True)
    _say(f"{len(iset)} indicators in {len(rows)} collections.")
    return 0


@iocs.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def add_cmd(paths: tuple[Path, ...]) -> int:
    """Validate and store STIX2 bundle FILEs (or every bundle in a DIR).

    Every bundle is checked before any is stored. Bundles are kept by content: two bundles
    naming the same malware are both kept.
    """
    stored = add_to_store(paths)
    for s in stored:
        state = "already stored as" if s.already else "stored as"
        _say(f"{s.name}: {s.indicators} indicators from {s.source}, {state} {s.file}")
        if s.unsupported:
            _say(
                f"  {len(s.unsupported)} pattern(s) howsafe cannot evaluate (kept, not matched): "
                + "; ".join(f"{u.pattern[:80]} ({u.reason})" for u in s.unsupported[:3])
                + (" ..." if len(s.unsupported) > 3 else "")
            )
    _say(f"{len(stored)} collection(s) in {store_dir()}.")
    return 0


@iocs.command("update")
def update_cmd() -> int:
    """Download the public mvt-indicators collections (uses the network).

    A collection that cannot be downloaded or read keeps its previous copy; the command then ends
    with exit code 2 (like a failed `kb update`), after storing every collection it could.
    """
    from howsafe.iocs.update import update

    result = update()
    _say(f"Updated {len(result.updated)} collection(s) in {store_dir()}.")
    for name, why in result.failed:
        _say(f"could not update {name}: {why}", err=True)
    if result.failed:
        total = len(result.updated) + len(result.failed)
        raise KnowledgeError(f"{len(result.failed)} of {total} indicator collection(s) could not be updated")
    return 0
