"""The one HTTP client: every request howsafe makes goes through this module.

Two doors, both opened only by an explicit command (an audit never makes a request):

- :func:`https_fetch`, the GET of knowledge updates: HTTPS only, bounded size, one error class.
- :func:`post`, the upload of ``howsafe push`` to the fleet server the user named (http allowed, for a
  server on the local network; the caller checks the scheme and says which error class to raise).

Updating commands take a ``fetch: Fetch`` argument (``url -> bytes``) and default to
:func:`https_fetch`, so tests inject a function that serves saved real answers and no other code
path can open a connection. A non-HTTPS URL is refused before any connection; a failed or
oversized download raises :class:`~howsafe.errors.KnowledgeError` naming the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from howsafe.errors import HowsafeError, InputError, KnowledgeError

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


@dataclass(frozen=True)
class Response:
    """An HTTP answer of any status (an error status is an answer, not a transport failure)."""

    status: int
    reason: str
    body: bytes


def post(
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    timeout: float,
    error: type[HowsafeError],
    limit: int = 1024 * 1024,
) -> Response:
    """POST ``body`` to an http(s) ``url``; return the status and at most ``limit`` bytes of the body.

    A server that cannot be reached raises ``error`` ("cannot reach ..."); an error status is returned
    so that the caller can read the server's own explanation from the body.
    """
    import http.client
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise InputError(f"refusing to upload to {url}: not an http(s) URL")
    req = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - scheme checked
            return Response(status=resp.status, reason=str(resp.reason), body=resp.read(limit))
    except urllib.error.HTTPError as exc:
        return Response(status=exc.code, reason=str(exc.reason), body=exc.read(limit))
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
        raise error(f"cannot reach {url}: {getattr(exc, 'reason', None) or exc}") from exc
