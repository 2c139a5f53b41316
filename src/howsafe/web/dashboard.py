"""Server-rendered dashboard: login with a token, fleet overview, devices, timeline, compare.

No JavaScript and nothing from a CDN: every page is HTML and inline CSS under the same strict
Content-Security-Policy as the HTML report, rendered in the report templates' Jinja2 environment:
autoescaping, and every value cleaned of control and bidi characters by the one sanitiser. A login
turns a token into a session cookie (HttpOnly, SameSite=Strict, Secure behind TLS); every form
carries a CSRF token checked on the server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import FileSystemLoader
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from howsafe.report.templating import environment
from howsafe.score import available_profiles
from howsafe.store import queries
from howsafe.store.models import SessionRow
from howsafe.store.tokens import Principal, authenticate, principal_for_token_id
from howsafe.web.app import settings_of

router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "howsafe_session"
LOGIN_CSRF_COOKIE = "howsafe_login_csrf"
PAGE = 50

# The report pages' environment: autoescaping, and every value through the one sanitiser.
_env = environment(FileSystemLoader(str(Path(__file__).resolve().parent / "templates")), strict=False)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


class Login:
    """The logged-in user of a request: principal and the session's CSRF token."""

    def __init__(self, who: Principal, csrf: str) -> None:
        self.who = who
        self.csrf = csrf


def current_login(request: Request) -> Login | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 200:
        return None
    settings = settings_of(request)
    with Session(settings.engine) as session:
        row = session.get(SessionRow, _hash(cookie))
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
        if expires <= settings.clock():
            return None
        who = principal_for_token_id(session, row.token_id)
        return Login(who, row.csrf) if who is not None else None


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    html = _env.get_template(template).render(request_path=request.url.path, **ctx)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html.j2", status=status, status_code=status, message=message, login=None)


def _to_login() -> Response:
    return RedirectResponse("/login", status_code=303)


@router.get("/login")
def login_form(request: Request, error: str | None = None) -> Response:
    csrf = secrets.token_urlsafe(24)
    resp = page(request, "login.html.j2", login=None, csrf=csrf, error=error)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=settings_of(request).secure_cookies,
        max_age=1800,
        path="/login",
    )
    return resp


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token") or "").strip()
    csrf = str(form.get("csrf") or "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return error_page(request, 403, "The login form expired or did not come from this server; reload it.")
    settings = settings_of(request)
    with Session(settings.engine) as session, session.begin():
        who = authenticate(session, token)
        if who is None:
            resp: Response = login_form(request, error="Unknown or revoked token.")
            resp.status_code = 401
            return resp
        cookie = secrets.token_urlsafe(32)
        now = settings.clock()
        session.add(
            SessionRow(
                id_hash=_hash(cookie),
                token_id=who.token_id,
                csrf=secrets.token_urlsafe(24),
                created_at=now,
                expires_at=now + dt.timedelta(hours=settings.session_hours),
            )
        )
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    form = await request.form()
    if not hmac.compare_digest(str(form.get("csrf") or "").encode(), login.csrf.encode()):
        return error_page(request, 403, "This form did not come from this page; reload it.")
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with Session(settings_of(request).engine) as session, session.begin():
        session.execute(delete(SessionRow).where(SessionRow.id_hash == _hash(cookie)))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _bars(counts: dict[str, int] | list[tuple[str, int]]) -> list[tuple[str, int, float]]:
    items = list(counts.items()) if isinstance(counts, dict) else list(counts)
    top = max((n for _, n in items), default=0) or 1
    return [(k, n, round(100.0 * n / top, 1)) for k, n in items]


@router.get("/")
def overview(request: Request) -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    settings = settings_of(request)
    with Session(settings.engine) as session:
        s = request.app.state.summaries.get(session, login.who.org_id, today=settings.clock().date())
    grades = {p: _bars(g) for p, g in s.grades.items()}
    return page(
        request,
        "overview.html.j2",
        login=login,
        summary=s,
        grades=grades,
        patch_lag=_bars(s.patch_lag),
        vendor=_bars(s.vendor_packages),
        trackers=_bars(s.trackers),
    )


@router.get("/devices")
def device_list(
    request: Request,
    q: Annotated[str | None, Query(max_length=200)] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    profile: Annotated[str, Query(max_length=50)] = "everyday",
    grade: Annotated[str | None, Query(max_length=2)] = None,
    eol: Annotated[str | None, Query(max_length=5)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=100000)] = 1,
) -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    profiles = available_profiles()
    if profile not in profiles:
        profile = "everyday"
    clean = [(v or "").replace("\x00", "") or None for v in (q, brand, grade)]
    flt = queries.DeviceFilter(
        q=clean[0],
        brand=clean[1],
        profile=profile,
        grade=clean[2],
        end_of_support=True if eol == "yes" else (False if eol == "no" else None),
    )
    with Session(settings_of(request).engine) as session:
        rows, total = queries.list_devices(session, login.who.org_id, flt, limit=PAGE, offset=(page_no - 1) * PAGE)
    pages = max(1, (total + PAGE - 1) // PAGE)
    return page(
        request,
        "devices.html.j2",
        login=login,
        rows=rows,
        total=total,
        flt=flt,
        profiles=profiles,
        grades=queries.GRADES,
        page_no=page_no,
        pages=pages,
        eol=eol or "",
    )


def _timeline(history: list[queries.HistoryEntry]) -> dict[str, Any] | None:
    points = [(i, h.security_patch) for i, h in enumerate(history) if h.security_patch is not None]
    if not points:
        return None
    days = [p.toordinal() for _, p in points]
    lo, hi = min(days), max(days)
    span = max(hi - lo, 1)
    width, height, pad = 600, 160, 30
    n = max(len(history) - 1, 1)
    coords = [
        (pad + (width - 2 * pad) * i / n, height - pad - (height - 2 * pad) * (d - lo) / span)
        for (i, _), d in zip(points, days, strict=True)
    ]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        "dots": [(round(x, 1), round(y, 1), p.isoformat()) for (x, y), (_, p) in zip(coords, points, strict=True)],
        "low": dt.date.fromordinal(lo).isoformat(),
        "high": dt.date.fromordinal(hi).isoformat(),
    }


@router.get("/devices/{device_id}")
def device_page(request: Request, device_id: int) -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    if not 1 <= device_id < 2**31:
        return error_page(request, 404, "No such device.")
    with Session(settings_of(request).engine) as session:
        detail = queries.device_detail(session, login.who.org_id, device_id)
    if detail is None:
        return error_page(request, 404, "No such device.")
    return page(
        request,
        "device.html.j2",
        login=login,
        d=detail.device,
        detail=detail,
        history=list(reversed(detail.history)),
        timeline=_timeline(detail.history),
        profiles=available_profiles(),
    )


@router.get("/devices/{device_id}/report")
def device_report_page(request: Request, device_id: int, profile: str = "everyday") -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    if profile not in available_profiles() or not 1 <= device_id < 2**31:
        return error_page(request, 404, "No such report.")
    with Session(settings_of(request).engine) as session:
        found = queries.latest_report(session, login.who.org_id, device_id, profile)
    if found is None:
        return error_page(request, 404, "No such report.")
    from howsafe.web.api import render_stored

    return HTMLResponse(render_stored(found[0], found[1], "html"))


@router.get("/compare")
def compare_page(request: Request, id: Annotated[list[int] | None, Query()] = None) -> Response:
    login = current_login(request)
    if login is None:
        return _to_login()
    ids = [i for i in (id or []) if 1 <= i < 2**31][:10]
    with Session(settings_of(request).engine) as session:
        details = queries.compare_devices(session, login.who.org_id, ids)
        choices, _ = queries.list_devices(session, login.who.org_id, limit=200)
    finding_ids = sorted({f[0] for d in details for f in d.findings})
    titles = {f[0]: f[3] for d in details for f in d.findings}
    has = [{f[0] for f in d.findings} for d in details]
    return page(
        request,
        "compare.html.j2",
        login=login,
        details=details,
        finding_ids=finding_ids,
        titles=titles,
        has=has,
        profiles=available_profiles(),
        choices=choices,
        selected=set(ids),
    )


def purge_expired_sessions(session: Session, now: dt.datetime) -> int:
    rows = session.execute(select(SessionRow.id_hash).where(SessionRow.expires_at < now)).all()
    if rows:
        session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    return len(rows)
