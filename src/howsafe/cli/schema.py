"""``howsafe schema``: publish the JSON Schemas of the Snapshot and the Report."""

from __future__ import annotations

import json

import click

from howsafe.model import Report, Snapshot, json_schema


@click.command()
@click.argument("which", type=click.Choice(["all", "snapshot", "report"]), default="all")
def schema(which: str) -> None:
    """Print the JSON Schema of the Snapshot, the Report, or both (default)."""
    schemas = {
        "snapshot": json_schema(Snapshot),
        "report": json_schema(Report),
    }
    out = schemas if which == "all" else schemas[which]
    click.echo(json.dumps(out, indent=2, sort_keys=True))
