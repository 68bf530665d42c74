"""Staff authentication for the inbox pages, the staff JSON API and the staff socket: login with
password and TOTP (rate-limited, bot/staff/login_limits.py), the session cookie, role checks and
CSRF on every unsafe request.

Never logs e-mail addresses, client addresses, passwords, codes or tokens.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
from typing import Awaitable, Callable

from aiohttp import web

from bot.appkeys import ACCOUNTS, AUDIT, LOGIN_ACCOUNT_LIMITER, LOGIN_LIMITER, SETTINGS, STAFF_SESSIONS
from bot.handover.escalation import send_to_staff_group
from bot.staff.login_limits import TOTP_LOCKED, LoginLimits, TotpLock
from bot.staff.sessions import COOKIE, Login

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN = web.RequestKey("staff_login", Login)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# inbox.js marks the requests it makes by itself (refreshing the queue on a handover event,
# reloading after a dropped socket): they do not count as activity for the idle timeout.
AUTOMATIC_HEADER = "X-Automatic-Refresh"
AUTOMATIC_QUERY = "auto"
# No account name, no address: the group may be read on a phone's lock screen.
TOTP_BURST_NOTICE = ("Let op: vijf foute inlogcodes na een goed wachtwoord bij één medewerkersaccount. "
                     "Codes voor dat account zijn een uur geblokkeerd. Kijk in het auditlog (Beheer).")
# Alerts are sent in the background: the answer to the attacker must not take longer.
_alerts: set[asyncio.Task] = set()


class LoginThrottled(Exception):
    pass


async def log_in(request: web.Request, email: str, password: str, code: str) -> tuple[str, Login] | None:
    """(cookie token, login) for right credentials; None for wrong ones (whichever part was wrong).
    Raises LoginThrottled when this address tried too often, or when a wrong attempt finds the
    account's own bucket empty. Every attempt is audited with the account its e-mail names."""
    app = request.app
    limits = LoginLimits(app[LOGIN_LIMITER], app[LOGIN_ACCOUNT_LIMITER])
    if not await limits.address_allows(email, request.remote or "unknown"):
        await app[AUDIT].record(await app[ACCOUNTS].id_of(email), "login_throttled", detail="address")
        raise LoginThrottled()
    account_open = await limits.account_allows(email)
    detail = "" if account_open else "throttled: account"
    checked = await app[ACCOUNTS].check_password(email, password)
    user, lock = checked.user, TotpLock(app[AUDIT])
    if user is None:
        await app[AUDIT].record(checked.account_id, "login_failed", detail=detail)
    elif await lock.locked(user.id):
        await app[AUDIT].record(user.id, TOTP_LOCKED, detail=detail)
    elif not await app[ACCOUNTS].accept_totp(user, code):
        if await lock.failed(user.id, detail):
            task = asyncio.create_task(send_to_staff_group(app, TOTP_BURST_NOTICE))
            _alerts.add(task)
            task.add_done_callback(_alerts.discard)
    else:
        # Right password and code: in, even when others emptied the account's bucket.
        token, _ = await app[STAFF_SESSIONS].start(user.id)
        login = await app[STAFF_SESSIONS].load(token)
        assert login is not None
        await app[AUDIT].record(user.id, "login")
        return token, login
    if not account_open:
        raise LoginThrottled()
    return None


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SETTINGS].secure_cookies)


def session_token(request: web.Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return token if token and len(token) <= 100 else None


def is_automatic(request: web.Request) -> bool:
    return request.headers.get(AUTOMATIC_HEADER) == "1" or request.query.get(AUTOMATIC_QUERY) == "1"


async def current_login(request: web.Request, touch: bool | None = None) -> Login | None:
    """`touch`: whether this request counts as the staff member's activity (default: unless
    inbox.js marked it automatic)."""
    token = session_token(request)
    if token is None:
        return None
    return await request.app[STAFF_SESSIONS].load(token, touch=not is_automatic(request) if touch is None else touch)


async def _csrf_ok(request: web.Request, login: Login) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = str((await request.post()).get(CSRF_FIELD, ""))
    return given is not None and hmac.compare_digest(given.encode(), login.csrf_token.encode())


def staff_only(*roles: str, page: bool) -> Callable[[Handler], Handler]:
    """Only a logged-in staff member with one of `roles` (any role when none given); every unsafe
    request must carry the session's CSRF token. Pages send strangers to the login page."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            login = await current_login(request)
            if login is None:
                if page:
                    raise web.HTTPSeeOther("/staff/login")
                raise web.HTTPUnauthorized(text="log in first", content_type="text/plain")
            if request.method in UNSAFE_METHODS and not await _csrf_ok(request, login):
                raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")
            if roles and login.user.role not in roles:
                raise web.HTTPForbidden(text="your role has no access here")
            request[LOGIN] = login
            return await handler(request)
        return wrapper
    return decorate
