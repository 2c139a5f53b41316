"""The one HTTP fetch: HTTPS only, bounded size, one error class. Used only by explicit updates.

Updating commands take a ``fetch: Fetch`` argument (``url -> bytes``) and default to
:func:`https_fetch`, so tests inject a function that serves saved real answers and no other code
path can open a connection. A non-HTTPS URL is refused before any connection; a failed or
oversized download raises :class:`~howsafe.errors.KnowledgeError` naming the URL.
"""

from __future__ import annotations

from collections.abc import Callable

from howsafe.errors import InputError, KnowledgeError

Fetch = Callable[[str], bytes]
MAX_DOWNLOAD = 256 * 1024 * 1024


def https_fetch(
    url: str, *, timeout: float = 60.0, limit: int = MAX_DOWNLOAD, user_agent: str = "howsafe-update"
) -> bytes:  # pragma: no cover - network
    """GET ``url`` over HTTPS and return at most ``limit`` bytes (more is an error)."""
    import http.client
    import urllib.error
    import urllib.request

    if not url.startswith("https://"):
        raise InputError(f"refusing non-HTTPS download {url}")
    req = urllib.request.Request(url, headers={"User-Agent": user_agent})  # noqa: S310 - https only
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - https only
            data: bytes = resp.read(limit + 1)
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
        raise KnowledgeError(f"download of {url} failed: {getattr(exc, 'reason', None) or exc}") from exc
    if len(data) > limit:
        raise KnowledgeError(f"download of {url} exceeds {limit} bytes")
    return data
