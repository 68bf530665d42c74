"""Cross-cutting concerns of the web app: security headers on every response, and errors that
never leak internals."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    # No page here uses these; a script that got in somehow cannot either.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    # A page of ours never shares its window with one of another site (window.opener).
    "Cross-Origin-Opener-Policy": "same-origin",
}
# For responses that set no policy of their own (pages that do, like the widget, also decide
# who may frame them).
DEFAULT_FRAMING = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}
# With an https PUBLIC_URL: browsers use https only, for a year, subdomains too.
HSTS = "max-age=31536000; includeSubDomains"
# aiohttp would name itself and Python with their versions.
SERVER = "exit-support"


def security_headers(https: bool) -> ResponseHook:
    """An on_response_prepare hook, not a middleware: it also reaches what a middleware never sees
    returned, the redirects and refusals raised as HTTPException, 500s and websocket upgrades."""
    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "Content-Security-Policy" not in response.headers:
            response.headers.update(DEFAULT_FRAMING)
        if https:
            response.headers["Strict-Transport-Security"] = HSTS
        response.headers["Server"] = SERVER

    return add_headers


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        # The traceback names code, not user data; the request body is never logged.
        log.exception("unhandled_error route=%s", _route(request))
        return web.json_response({"error": "internal error"}, status=500)


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


# Polled every few seconds by `make run` and by load balancers: noise unless they fail.
QUIET_ROUTES = frozenset({"/healthz", "/readyz"})


class RouteAccessLogger(AbstractAccessLogger):
    """Logs the route template, never the path or query: paths can carry a sender id."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        route = _route(request) if isinstance(request, web.Request) else "unmatched"
        if route in QUIET_ROUTES and response.status < 500:
            return
        self.logger.info("%s %s %s %.0fms", request.method, route, response.status, time * 1000)
