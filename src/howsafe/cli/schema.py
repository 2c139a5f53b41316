"""``howsafe schema``: publish the JSON Schemas of the Snapshot and the Report."""

from __future__ import annotations

import json

import click

from howsafe.model import Report, Snapshot


@click.command()
@click.argument("which", type=click.Choice(["all", "snapshot", "report"]), default="all")
def schema(which: str) -> None:
    """Print the JSON Schema of the Snapshot, the Report, or both (default)."""
    schemas = {
        "snapshot": Snapshot.model_json_schema(mode="serialization"),
        "report": Report.model_json_schema(mode="serialization"),
    }
    out = schemas if which == "all" else schemas[which]
    click.echo(json.dumps(out, indent=2, sort_keys=True))
