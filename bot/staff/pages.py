"""The staff inbox pages (Dutch, server-rendered with Jinja2 autoescaping, a little JavaScript for
live updates): login, the queue, a handover with its live chat, contact details, and the admin's
sessions and audit log. Every rule lives in bot.staff.inbox and bot.staff.auth.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.appkeys import SETTINGS
from bot.gateway.rate_limit import LimiterUnavailable
from bot.regions.keys import REGIONS
from bot.regions.office_hours import DUTCH_TIME
from bot.staff.auth import LOGIN, LoginThrottled, log_in, public, set_session_cookie, staff_only
from bot.staff.inbox import HandoverTaken, InvalidAction
from bot.staff.inbox_http import HANDOVER_ID, as_http, handover_id
from bot.staff.keys import ACCOUNTS, AUDIT, INBOX, STAFF_SESSIONS
from bot.staff.labels import LABELS
from bot.staff.refusals import page_reason
from bot.staff.scope import HANDOVER_ROLES
from bot.staff.sessions import COOKIE

routes = web.RouteTableDef()
HERE = Path(__file__).parent
LOGIN_CSRF_COOKIE = "staff_login_csrf"
# The login limiter's store (Redis) is down: no login goes unthrottled, and nobody's data is at fault.
LOGIN_UNAVAILABLE = ("Inloggen lukt nu even niet door een storing aan onze kant; er is niets mis met je "
                     "gegevens. Probeer het over een paar minuten opnieuw. Lukt het dan nog niet, laat het "
                     "de beheerder weten.")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def dutch_time(moment: datetime, pattern: str = "%d-%m %H:%M") -> str:
    """Stored in UTC (SQLite hands it back without a zone); staff read Dutch local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(DUTCH_TIME).strftime(pattern)


def setup_templates(app: web.Application) -> None:
    environment = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                                       autoescape=True)
    environment.filters["dutch_time"] = dutch_time
    app.router.add_static("/staff/static", HERE / "static")


def render_page(name: str, request: web.Request, status: int = 200, **context: Any) -> web.Response:
    context.setdefault("login", request.get(LOGIN))
    context.setdefault("handover_roles", HANDOVER_ROLES)  # the menu shows the inbox to them only
    response = aiohttp_jinja2.render_template(name, request, {**LABELS, **context}, status=status)
    response.headers["Content-Security-Policy"] = CSP
    return response



@routes.get("/staff/login")
@public
async def login_page(request: web.Request) -> web.Response:
    return _login_form(request)


def _login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    # No session yet: the form's CSRF token is a double-submit cookie.
    csrf = secrets.token_urlsafe(24)
    response = render_page("login.html", request, status=status, csrf=csrf, error=error, login=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict", path="/staff/login")
    return response


@routes.post("/staff/login")
@public
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("csrf", "")).encode(), expected.encode()):
        raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")
    try:
        result = await log_in(request, str(form.get("email", "")), str(form.get("password", "")),
                              str(form.get("totp", "")))
    except LoginThrottled:
        return _login_form(request, "Te veel pogingen. Wacht een minuut en probeer het opnieuw.", 429)
    except LimiterUnavailable:
        return _login_form(request, LOGIN_UNAVAILABLE, 503)
    if result is None:
        return _login_form(request, "E-mailadres, wachtwoord of code klopt niet.", 401)
    response = web.HTTPSeeOther("/staff/")
    set_session_cookie(request, response, result[0])
    raise response


@routes.post("/staff/logout")
@staff_only(page=True)
async def logout(request: web.Request) -> web.Response:
    login = request[LOGIN]
    await request.app[STAFF_SESSIONS].revoke(login.session_id)
    await request.app[AUDIT].record(login.user.id, "logout")
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(COOKIE, path="/")
    raise response


@routes.get("/staff")
@public
async def staff_root(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/staff/")


@routes.get("/staff/")
@staff_only(page=True)
async def home(request: web.Request) -> web.Response:
    user = request[LOGIN].user
    if user.role == "admin":
        raise web.HTTPSeeOther("/staff/admin")
    if user.role not in HANDOVER_ROLES:
        raise web.HTTPSeeOther("/staff/editor")
    names = {r.id: r.name for r in request.app[REGIONS].regions.values()}
    return render_page("queue.html", request, handovers=await request.app[INBOX].queue(user), region_names=names)


@routes.get(f"/staff/handovers/{HANDOVER_ID}")
@staff_only(page=True)
async def handover(request: web.Request) -> web.Response:
    return await _show_handover(request)


async def _show_handover(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    detail = await request.app[INBOX].open_detail(request[LOGIN].user, handover_id(request))
    return render_page("handover.html", request, status=status, h=detail.handover, d=detail, error=error,
                       retention_days=request.app[SETTINGS].retention_days)


@routes.get(f"/staff/handovers/{HANDOVER_ID}/contact")
@staff_only(page=True)
async def contact(request: web.Request) -> web.Response:
    found, phone = await request.app[INBOX].contact_details(request[LOGIN].user, handover_id(request))
    return render_page("contact.html", request, h=found, phone=phone)


async def _act(request: web.Request, action: Any) -> web.Response:
    """Runs a form action, then shows the handover again (with the reason when it was refused)."""
    try:
        await action
    except (HandoverTaken, InvalidAction) as refused:
        return await _show_handover(request, error=page_reason(str(refused)), status=as_http(refused).status)
    raise web.HTTPSeeOther(f"/staff/handovers/{handover_id(request)}")


@routes.post(f"/staff/handovers/{HANDOVER_ID}/claim")
@staff_only(page=True)
async def claim(request: web.Request) -> web.Response:
    return await _act(request, request.app[INBOX].claim(request[LOGIN].user, handover_id(request)))


@routes.post(f"/staff/handovers/{HANDOVER_ID}/messages")
@staff_only(page=True)
async def send(request: web.Request) -> web.Response:
    text = (await request.post()).get("text")
    return await _act(request, request.app[INBOX].send(request[LOGIN].user, handover_id(request), text))


@routes.post(f"/staff/handovers/{HANDOVER_ID}/end")
@staff_only(page=True)
async def end(request: web.Request) -> web.Response:
    return await _act(request, request.app[INBOX].end_chat(request[LOGIN].user, handover_id(request)))


@routes.post(f"/staff/handovers/{HANDOVER_ID}/close")
@staff_only(page=True)
async def close(request: web.Request) -> web.Response:
    outcome = (await request.post()).get("outcome")
    return await _act(request, request.app[INBOX].close(request[LOGIN].user, handover_id(request), outcome))


@routes.get("/staff/admin")
@staff_only("admin", page=True)
async def admin(request: web.Request) -> web.Response:
    users = await request.app[ACCOUNTS].all()
    return render_page("admin.html", request, sessions=await request.app[STAFF_SESSIONS].active(),
                   users=users, emails={u.id: u.email for u in users},
                   audit=await request.app[AUDIT].recent())


@routes.post("/staff/admin/sessions/{session}/revoke")
@staff_only("admin", page=True)
async def revoke(request: web.Request) -> web.Response:
    if await request.app[STAFF_SESSIONS].revoke(request.match_info["session"]):
        await request.app[AUDIT].record(request[LOGIN].user.id, "session_revoked")
    raise web.HTTPSeeOther("/staff/admin")
