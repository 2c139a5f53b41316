"""``howsafe kb update``: download newer vulnerability and end-of-support data (the networked command).

Writes into the user cache folder; bundled data is never modified. ``--from-file`` imports files
downloaded elsewhere (OSV's Android all.zip, endoflife.date product JSON) without any network use.
"""

from __future__ import annotations

from pathlib import Path

import click

from howsafe.kb import user_cache_dir


@click.command()
@click.option(
    "--from-file",
    "from_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import this OSV export (zip/JSON) or endoflife.date product file instead of downloading. Repeatable.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Store here instead of the user cache folder.",
)
def update(from_files: tuple[Path, ...], cache_dir: Path | None) -> int:
    """Download OSV's Android vulnerability export and endoflife.date support dates, verify them,
    and store them for later audits (which stay offline).

    Without --from-file this command connects over HTTPS to osv-vulnerabilities.storage.googleapis.com
    (Android vulnerabilities), endoflife.date (support dates) and reports.exodus-privacy.eu.org
    (the εxodus tracker list).
    """
    from howsafe.report.sanitize import clean
    from howsafe.vulns.update import http_fetch, update_kb

    dest = cache_dir or user_cache_dir()
    result = update_kb(dest, None if from_files else http_fetch, from_files=list(from_files))
    if result.vulns_covers_until:
        click.echo(
            f"vulnerabilities: {result.osv_entries} OSV entries merged; data now covers up to "
            f"{result.vulns_covers_until.isoformat()}"
        )
    for name in result.written:
        click.echo(f"updated {clean(dest / name)}")
    for msg in result.messages:
        click.echo(clean(msg))
    return 0
