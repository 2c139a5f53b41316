"""``howsafe push``: build snapshots locally (redacted) and upload them to a fleet server.

Only this command (and ``collect --push``) talks to a server, and only to the URL given, through
:func:`howsafe.http.post` (the standard library's HTTP client, so pushing needs no extra package).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

import click

from howsafe.errors import InputError, PushError
from howsafe.model import Snapshot


@dataclass(frozen=True)
class Pushed:
    snapshot_id: int
    device_id: int
    created: bool
    grades: dict[str, str]


def push_snapshot(
    snapshot: Snapshot, *, server: str, token: str, label: str | None = None, timeout: float = 120.0
) -> Pushed:
    """POST one snapshot to ``server``'s /api/v1/snapshots with a bearer token."""
    from howsafe.sources import snapshot_to_json

    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"--server must be an http(s) URL, not {server!r}")
    url = server.rstrip("/") + "/api/v1/snapshots"
    if label:
        url += "?" + urllib.parse.urlencode({"label": label})
    body = snapshot_to_json(snapshot).encode("utf-8")
    from howsafe.http import post

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "User-Agent": "howsafe-push"}
    resp = post(url, body, headers=headers, timeout=timeout, error=PushError)
    if resp.status >= 400:
        try:
            err = json.loads(resp.body[: 64 * 1024])["error"]
            detail = f"{err['code']}: {err['message']}"
        except (ValueError, KeyError, TypeError):
            detail = resp.reason
        raise PushError(f"{server} refused the upload ({resp.status} {detail})")
    try:
        data = json.loads(resp.body or b"{}")
    except ValueError as exc:
        raise PushError(f"{server} answered something that is not JSON") from exc
    ids = (data.get("snapshot_id"), data.get("device_id")) if isinstance(data, dict) else (None, None)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise PushError(f"{server} answered without the ids of a stored snapshot")
    grades = data.get("grades") or {}
    return Pushed(
        snapshot_id=int(data["snapshot_id"]),
        device_id=int(data["device_id"]),
        created=data.get("created") is True,
        grades={str(k): str(v) for k, v in grades.items()} if isinstance(grades, dict) else {},
    )


def describe(p: Pushed) -> str:
    """One line about a stored upload; the grades come from the server's answer, so they are
    sanitised like any other untrusted string."""
    from howsafe.report.sanitize import clean

    grades = ", ".join(f"{k} {v}" for k, v in sorted(p.grades.items()))
    state = "stored" if p.created else "already stored"
    return clean(f"device {p.device_id}, snapshot {p.snapshot_id} {state}; {grades}")


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--server", "server_url", required=True, envvar="HOWSAFE_SERVER", help="Fleet server URL.")
@click.option(
    "--token",
    required=True,
    envvar="HOWSAFE_TOKEN",
    help="Uploader token (or the HOWSAFE_TOKEN environment variable, which keeps it out of ps).",
)
@click.option("--label", help="Device name on the server (default: brand, model, codename). One source only.")
def push(sources: tuple[str, ...], server_url: str, token: str, label: str | None) -> int:
    """Upload SOURCES (anything `collect` reads) to a fleet server, redacted.

    Each snapshot is built and redacted here; the server audits it for every profile.
    """
    if label and len(sources) > 1:
        raise click.UsageError("--label names one device: give one SOURCE with it")
    from pathlib import Path

    from howsafe.cli.collect import summary_line
    from howsafe.report.sanitize import clean
    from howsafe.sources import load_path

    failed = 0
    for source in sources:
        snapshot = load_path(Path(source), redact=True)
        try:
            result = push_snapshot(snapshot, server=server_url, token=token, label=label)
        except PushError as exc:
            click.echo(f"howsafe: {clean(source)}: {clean(exc)}", err=True)
            failed += 1
            continue
        click.echo(f"howsafe: {clean(source)}: {summary_line(snapshot)}", err=True)
        click.echo(f"{clean(source)}: {describe(result)}")
    if failed:
        raise PushError(f"{failed} of {len(sources)} uploads failed")
    return 0
