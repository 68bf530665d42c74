"""Staff authentication for the inbox pages, the staff JSON API and the staff socket: login with
password and TOTP (rate-limited), the session cookie, role checks and CSRF on every unsafe request.

Never logs e-mail addresses, passwords, codes or tokens.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Awaitable, Callable

from aiohttp import web

from bot.appkeys import ACCOUNTS, AUDIT, LOGIN_LIMITER, SETTINGS, STAFF_SESSIONS
from bot.staff.sessions import COOKIE, Login

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN = web.RequestKey("staff_login", Login)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginThrottled(Exception):
    pass


async def log_in(request: web.Request, email: str, password: str, code: str) -> tuple[str, Login] | None:
    """(cookie token, login) for right credentials; None for wrong ones. Attempts are limited per
    e-mail address and per client address, whether right or wrong."""
    limiter = request.app[LOGIN_LIMITER]
    account_key = "login:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    client_key = "login-client:" + (request.remote or "unknown")
    if not (await limiter.allow(account_key) and await limiter.allow(client_key)):
        await request.app[AUDIT].record(None, "login_throttled")
        raise LoginThrottled()
    user = await request.app[ACCOUNTS].verify(email, password, code)
    if user is None:
        await request.app[AUDIT].record(None, "login_failed")
        return None
    token, _ = await request.app[STAFF_SESSIONS].start(user.id)
    login = await request.app[STAFF_SESSIONS].load(token)
    assert login is not None
    await request.app[AUDIT].record(user.id, "login")
    return token, login


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SETTINGS].secure_cookies)


async def current_login(request: web.Request) -> Login | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    return await request.app[STAFF_SESSIONS].load(token)


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
