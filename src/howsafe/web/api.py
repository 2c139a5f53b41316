"""REST API under ``/api/v1``: bearer tokens, org-scoped queries, JSON errors with stable codes.

Error codes: ``unauthorized`` (401, no or unknown token), ``forbidden`` (403, role too low),
``not_found`` (404, also for another org's device), ``too_large`` (413), ``invalid_snapshot`` and
``invalid_request`` (422), ``rate_limited`` (429, with Retry-After).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from howsafe.errors import ApiError, InputError
from howsafe.parse.numbers import strict_int
from howsafe.store import queries
from howsafe.store.ingest import ingest, reaudit, unpack
from howsafe.store.tokens import ROLES, Principal, authenticate, create_token, list_tokens, revoke_token
from howsafe.web.app import settings_of

router = APIRouter()
bearer = HTTPBearer(auto_error=False, description="An API token from `howsafe server token create`.")

MAX_ID = 2**31 - 1
DeviceId = Annotated[int, Path(ge=1, le=MAX_ID, description="Device id")]
Profile = Literal["everyday", "private", "at-risk", "government"]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "No token or an unknown/revoked token",
        403: "The token's role is too low",
        404: "No such device in your org",
        413: "Upload too large",
        422: "Invalid input",
        429: "Too many uploads: wait Retry-After seconds",
    }
    return {c: {"model": ErrorBody, "description": text[c]} for c in codes}


def db_session(request: Request) -> Iterator[Session]:
    with Session(settings_of(request).engine) as session:
        yield session


def principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer":
        raise ApiError(
            401,
            "unauthorized",
            "an API token is required (Authorization: Bearer TOKEN)",
            {"WWW-Authenticate": "Bearer"},
        )
    with Session(settings_of(request).engine) as session:
        who = authenticate(session, creds.credentials)
    if who is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    return who


def require(role: str) -> Any:
    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.can(role):
            raise ApiError(403, "forbidden", f"this needs the {role} role; the token is {who.role}")
        return who

    return check


Viewer = Annotated[Principal, Depends(require("viewer"))]
Uploader = Annotated[Principal, Depends(require("uploader"))]
Admin = Annotated[Principal, Depends(require("admin"))]
DB = Annotated[Session, Depends(db_session)]


# ---- models --------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class UploadResult(BaseModel):
    snapshot_id: int
    device_id: int
    sha256: str
    created: bool = Field(description="False when this exact snapshot was already stored (idempotent upload)")
    grades: dict[str, str] = Field(description="Overall grade per threat profile")


class DeviceOut(BaseModel):
    id: int
    label: str
    brand: str | None
    model: str | None
    android: str | None
    security_patch: dt.date | None
    last_seen: dt.datetime
    end_of_support: bool
    grades: dict[str, str]


class DeviceList(BaseModel):
    total: int
    limit: int
    offset: int
    devices: list[DeviceOut]


class HistoryOut(BaseModel):
    snapshot_id: int
    uploaded_at: dt.datetime
    security_patch: dt.date | None
    android: str | None
    grades: dict[str, str]
    appeared: list[str] = Field(description="Failed findings new in this snapshot")
    fixed: list[str] = Field(description="Failed findings of the previous snapshot gone in this one")


class FindingOut(BaseModel):
    id: str
    severity: str
    area: str
    title: str


class DeviceDetailOut(BaseModel):
    device: DeviceOut
    history: list[HistoryOut]
    findings: list[FindingOut]


class Count(BaseModel):
    key: str
    devices: int


class FleetOut(BaseModel):
    devices: int
    snapshots: int
    grades: dict[str, dict[str, int]] = Field(description="profile -> grade -> devices")
    patch_lag: dict[str, int] = Field(description="age of the security patch level -> devices")
    vendor_packages: list[Count]
    trackers: list[Count]
    end_of_support: int


class TokenIn(BaseModel):
    role: Literal["viewer", "uploader", "admin"]
    name: str = Field(default="", max_length=200)


class TokenOut(BaseModel):
    id: int
    role: str
    name: str
    created_at: dt.datetime
    revoked: bool


class TokenCreated(BaseModel):
    id: int
    org: str
    role: str
    token: str = Field(description="Shown once; only its hash is stored")


class ReauditStatus(BaseModel):
    running: bool
    done: int
    total: int
    reaudited: int
    error: str | None = None


def _device_out(d: queries.DeviceRow) -> DeviceOut:
    return DeviceOut(
        id=d.id,
        label=d.label,
        brand=d.brand,
        model=d.model,
        android=d.android,
        security_patch=d.security_patch,
        last_seen=d.last_seen,
        end_of_support=d.end_of_support,
        grades=d.grades,
    )


def _text(value: str | None, name: str) -> str | None:
    if value is not None and ("\x00" in value or len(value) > 200):
        raise ApiError(422, "invalid_request", f"{name}: at most 200 characters, no NUL")
    return value or None


# ---- routes --------------------------------------------------------------------------------------


@router.get("/health", response_model=Health, tags=["server"])
def health() -> Health:
    """Liveness (no token needed)."""
    from howsafe import __version__

    return Health(status="ok", version=__version__)


@router.post(
    "/snapshots",
    response_model=UploadResult,
    status_code=201,
    tags=["snapshots"],
    responses={
        200: {"model": UploadResult, "description": "Already stored (same content hash)"},
        **_errors(401, 403, 413, 422, 429),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A snapshot written by `howsafe collect`",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def upload_snapshot(
    request: Request,
    who: Uploader,
    label: Annotated[
        str | None, Query(max_length=300, description="Device name (default: brand, model, codename)")
    ] = None,
) -> Response:
    """Upload a snapshot: validated, redacted, audited for every profile and stored (idempotent)."""
    settings = settings_of(request)
    if label is not None and "\x00" in label:
        raise ApiError(422, "invalid_request", "label: no NUL characters")
    wait = request.app.state.upload_limiter.allow(who.token_id)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"at most {settings.uploads_per_minute} uploads per minute per token",
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )
    limit = settings.max_upload_bytes
    declared = strict_int(request.headers.get("content-length"))  # a longer or odd value: the stream bound below
    if declared is not None and declared > limit:
        raise ApiError(413, "too_large", f"snapshot larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"snapshot larger than {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    fleet = settings.fleet
    assert fleet is not None
    try:
        result = await run_in_threadpool(ingest, settings.engine, fleet, org_id=who.org_id, body=body, label=label)
    except InputError as exc:
        raise ApiError(422, "invalid_snapshot", str(exc)) from exc
    out = UploadResult(
        snapshot_id=result.snapshot_id,
        device_id=result.device_id,
        sha256=result.sha256,
        created=result.created,
        grades=result.grades,
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if result.created else 200)


@router.get("/devices", response_model=DeviceList, tags=["devices"], responses=_errors(401, 403, 422))
def devices(
    who: Viewer,
    session: DB,
    q: Annotated[str | None, Query(max_length=200, description="Text in label, brand or model")] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    profile: Profile = "everyday",
    grade: Literal["A", "B", "C", "D", "E", "F", "?"] | None = None,
    end_of_support: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> DeviceList:
    """The org's devices, newest first, with each profile's grade for the newest snapshot."""
    flt = queries.DeviceFilter(
        q=_text(q, "q"), brand=_text(brand, "brand"), profile=profile, grade=grade, end_of_support=end_of_support
    )
    rows, total = queries.list_devices(session, who.org_id, flt, limit=limit, offset=offset)
    return DeviceList(total=total, limit=limit, offset=offset, devices=[_device_out(d) for d in rows])


@router.get(
    "/devices/{device_id}", response_model=DeviceDetailOut, tags=["devices"], responses=_errors(401, 403, 404, 422)
)
def device(who: Viewer, session: DB, device_id: DeviceId) -> DeviceDetailOut:
    """A device with its history: patch level and grades per snapshot, findings that appeared or were fixed."""
    detail = queries.device_detail(session, who.org_id, device_id)
    if detail is None:
        raise ApiError(404, "not_found", f"no device {device_id}")
    return DeviceDetailOut(
        device=_device_out(detail.device),
        history=[
            HistoryOut(
                snapshot_id=h.snapshot_id,
                uploaded_at=h.uploaded_at,
                security_patch=h.security_patch,
                android=h.android,
                grades=h.grades,
                appeared=h.appeared,
                fixed=h.fixed,
            )
            for h in detail.history
        ],
        findings=[FindingOut(id=i, severity=s, area=a, title=t) for i, s, a, t in detail.findings],
    )


_REPORT_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


@router.get(
    "/devices/{device_id}/report",
    tags=["devices"],
    responses={
        200: {
            "description": "The newest snapshot's report",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {},
                "text/markdown": {},
                "text/plain": {},
            },
        },
        **_errors(401, 403, 404, 422),
    },
)
def device_report(
    who: Viewer,
    session: DB,
    device_id: DeviceId,
    profile: Profile = "everyday",
    format: Literal["json", "html", "md", "text"] = "json",
) -> Response:
    """The newest snapshot's report for one profile, in any howsafe format."""
    found = queries.latest_report(session, who.org_id, device_id, profile)
    if found is None:
        raise ApiError(404, "not_found", f"no device {device_id} (or no audit for {profile})")
    return Response(render_stored(found[0], found[1], format), media_type=_REPORT_TYPES[format])


def render_stored(report_blob: bytes, snapshot_blob: bytes, fmt: str) -> str:
    from howsafe.model import Report, Snapshot, from_json
    from howsafe.report import render

    report = from_json(unpack(report_blob), Report)
    snapshot = from_json(unpack(snapshot_blob), Snapshot)
    return render(report, fmt, snapshot=snapshot)


@router.get("/fleet", response_model=FleetOut, tags=["fleet"], responses=_errors(401, 403))
def fleet(request: Request, who: Viewer, session: DB) -> FleetOut:
    """Fleet summary: grades per profile, patch lag, common risky vendor packages and trackers, end of support."""
    s = request.app.state.summaries.get(session, who.org_id, today=settings_of(request).clock().date())
    return FleetOut(
        devices=s.devices,
        snapshots=s.snapshots,
        grades=s.grades,
        patch_lag=s.patch_lag,
        vendor_packages=[Count(key=k, devices=n) for k, n in s.vendor_packages],
        trackers=[Count(key=k, devices=n) for k, n in s.trackers],
        end_of_support=s.end_of_support,
    )


@router.get("/tokens", response_model=list[TokenOut], tags=["tokens"], responses=_errors(401, 403))
def tokens(who: Admin, session: DB) -> list[TokenOut]:
    """The org's tokens (never their secrets)."""
    return [
        TokenOut(
            id=t.id, role=t.role, name=t.name, created_at=queries.utc(t.created_at), revoked=t.revoked_at is not None
        )
        for t in list_tokens(session, who.org_id)
    ]


@router.post("/tokens", response_model=TokenCreated, status_code=201, tags=["tokens"], responses=_errors(401, 403, 422))
def new_token(who: Admin, session: DB, body: TokenIn) -> TokenCreated:
    """A new token for the caller's org; its secret is in this response only."""
    if "\x00" in body.name:
        raise ApiError(422, "invalid_request", "name: no NUL characters")
    with session.begin():
        made = create_token(session, org=who.org_name, role=body.role, name=body.name)
    return TokenCreated(id=made.id, org=made.org, role=made.role, token=made.secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["tokens"], responses=_errors(401, 403, 404, 422))
def delete_token(who: Admin, session: DB, token_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Revoke one of the org's tokens."""
    with session.begin():
        ok = revoke_token(session, token_id, org_id=who.org_id)
    if not ok:
        raise ApiError(404, "not_found", f"no live token {token_id} in your org")
    return Response(status_code=204)


# ---- background re-audit ---------------------------------------------------------------------------

_reaudit_lock = threading.Lock()
_reaudit_state: dict[str, Any] = {"running": False, "done": 0, "total": 0, "reaudited": 0, "error": None}


def _status() -> ReauditStatus:
    with _reaudit_lock:
        return ReauditStatus(**_reaudit_state)


@router.get("/reaudit", response_model=ReauditStatus, tags=["server"], responses=_errors(401, 403))
def reaudit_status(who: Admin) -> ReauditStatus:
    """Progress of the background re-audit."""
    return _status()


@router.post("/reaudit", response_model=ReauditStatus, status_code=202, tags=["server"], responses=_errors(401, 403))
def reaudit_start(request: Request, who: Admin) -> ReauditStatus:
    """Re-audit stored snapshots whose knowledge version is outdated, in the background.

    It runs over the whole server's store (knowledge is shared), one transaction per snapshot.
    """
    settings = settings_of(request)
    with _reaudit_lock:
        if _reaudit_state["running"]:
            return ReauditStatus(**_reaudit_state)
        _reaudit_state.update(running=True, done=0, total=0, reaudited=0, error=None)

    def progress(done: int, total: int) -> None:
        with _reaudit_lock:
            _reaudit_state.update(done=done, total=total)

    def work() -> None:
        fleet = settings.fleet
        assert fleet is not None
        try:
            redone, total = reaudit(settings.engine, fleet, progress=progress)
            with _reaudit_lock:
                _reaudit_state.update(reaudited=redone, total=total, done=total)
        except Exception as exc:  # reported through the status endpoint, and logged
            import logging

            logging.getLogger(__name__).exception("re-audit failed")
            with _reaudit_lock:
                _reaudit_state.update(error=f"{type(exc).__name__}: {exc}")
        finally:
            with _reaudit_lock:
                _reaudit_state["running"] = False

    threading.Thread(target=work, name="howsafe-reaudit", daemon=True).start()
    return _status()


__all__ = ["ROLES", "router"]
