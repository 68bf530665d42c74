"""Staff authentication for the inbox pages, the staff JSON API and the staff socket: login with
password and TOTP (rate-limited, bot/staff/login_limits.py), the session cookie, and the
`staff_access` middleware that guards every route under /staff/ and /api/v1/staff/: a logged-in
staff member, the session's CSRF token on every unsafe request, and the roles a route declares
with `staff_only`. A new route there is protected without a word; only `public` routes (the
login forms) and the static files are open.

Never logs e-mail addresses, client addresses, passwords, codes or tokens.
"""
from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

from bot.appkeys import SETTINGS, STAFF_GROUP
from bot.staff.keys import ACCOUNTS, AUDIT, LOGIN_ACCOUNT_LIMITER, LOGIN_LIMITER, STAFF_SESSIONS
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
            task = asyncio.create_task(app[STAFF_GROUP].send(TOTP_BURST_NOTICE))
            _alerts.add(task)
            task.add_done_callback(_alerts.discard)
    else:
        # Right password and code: in, even when others emptied the account's bucket.
        token, _ = await app[STAFF_SESSIONS].start(user.id)
        login = await app[STAFF_SESSIONS].load(token)
        if login is None:  # disabled between the password check and now
            await app[AUDIT].record(user.id, "login_failed", detail=detail)
            return None
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


# Every route under these paths is staff-only unless it is declared `public`.
PAGE_PREFIX = "/staff"
API_PREFIX = "/api/v1/staff/"
_ACCESS = "staff_access"


@dataclass(frozen=True)
class Access:
    """What a staff route asks of a request (declared on the handler, read by `staff_access`)."""
    public: bool = False
    roles: frozenset[str] = frozenset()  # empty: any staff role
    page: bool | None = None  # strangers are sent to the login page; None: pages do, the API does not
    activity: bool = True  # the request counts as the staff member's activity (idle timeout)


def staff_only(*roles: str, page: bool | None = None, activity: bool = True) -> Callable[[Handler], Handler]:
    """Declares who may use a staff route: one of `roles` (any staff role when none given).
    `page`: whether a stranger is sent to the login page (default: yes under /staff/, a 401 on
    the API); `activity=False`: requests that do not keep the session awake (the socket)."""
    def declare(handler: Handler) -> Handler:
        setattr(handler, _ACCESS, Access(roles=frozenset(roles), page=page, activity=activity))
        return handler
    return declare


def public(handler: Handler) -> Handler:
    """A staff route anybody may use (the login forms, which check their own CSRF cookie)."""
    setattr(handler, _ACCESS, Access(public=True))
    return handler


def _is_staff_route(path: str) -> bool:
    return path == PAGE_PREFIX or path.startswith((PAGE_PREFIX + "/", API_PREFIX))


@web.middleware
async def staff_access(request: web.Request, handler: Handler) -> web.StreamResponse:
    resource = request.match_info.route.resource
    # The matched route's template, not the raw path: "/staff/%2e%2e/x" cannot slip past.
    if resource is None or not _is_staff_route(resource.canonical) or isinstance(resource, web.StaticResource):
        return await handler(request)  # not staff, unmatched (404/405), or the pages' stylesheets and scripts
    access: Access = getattr(request.match_info.handler, _ACCESS, None) or Access()
    if access.public:
        return await handler(request)
    login = await current_login(request, touch=None if access.activity else False)
    if login is None:
        page = access.page if access.page is not None else not resource.canonical.startswith(API_PREFIX)
        if page:
            raise web.HTTPSeeOther("/staff/login")
        raise web.HTTPUnauthorized(text="log in first", content_type="text/plain")
    if request.method in UNSAFE_METHODS and not await _csrf_ok(request, login):
        raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")
    if access.roles and login.user.role not in access.roles:
        raise web.HTTPForbidden(text="your role has no access here")
    request[LOGIN] = login
    return await handler(request)
