"""The ASGI application: settings, shared state, error handling and security headers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from howsafe import __version__
from howsafe.errors import ApiError
from howsafe.store.ingest import FleetAuditor
from howsafe.web.limits import RateLimiter

log = logging.getLogger(__name__)

API = "/api/v1"
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024


@dataclass
class ServerSettings:
    """What ``howsafe serve`` configures."""

    engine: Engine
    fleet: FleetAuditor | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    uploads_per_minute: int = 60
    secure_cookies: bool = False
    session_hours: int = 12
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def create_app(settings: ServerSettings) -> FastAPI:
    """The server: API under /api/v1 (OpenAPI at /api/v1/openapi.json) and the dashboard at /."""
    if settings.fleet is None:
        settings.fleet = FleetAuditor()
    app = FastAPI(
        title="howsafe fleet server",
        version=__version__,
        description="Upload Android snapshots, audited by howsafe for every threat profile; "
        "read devices, their history, reports and a fleet summary. Bearer tokens.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.upload_limiter = RateLimiter(settings.uploads_per_minute)
    from howsafe.store.queries import SummaryCache

    app.state.summaries = SummaryCache()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
        return error_response(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        if not request.url.path.startswith(API):
            from howsafe.web.dashboard import error_page

            return error_page(request, exc.status_code, str(exc.detail))
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    from howsafe.web import api, dashboard

    app.include_router(api.router, prefix=API)
    app.include_router(dashboard.router)
    return app


def settings_of(request: Request) -> ServerSettings:
    settings: Any = request.app.state.settings
    assert isinstance(settings, ServerSettings)
    return settings
