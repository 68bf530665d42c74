"""The internal API the action server calls (regions, handovers, the phone question, check rules), as one sub-app
under /internal/ whose middleware asks every request for INTERNAL_TOKEN in the Authorization
header: a route added to it is protected without a word of its own.

The token is the actions' and no other service's; it is never read from a query string.
"""
from __future__ import annotations

import hmac
from typing import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.checks import internal_api as rules_api
from bot.handover import intake_api
from bot.handover import internal_api as handover_api
from bot.regions import internal_api as regions_api

PREFIX = "/internal/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def require_token(token: str) -> Middleware:
    if not token:
        raise ValueError("INTERNAL_TOKEN is empty; the internal API refuses to start without it")

    @web.middleware
    async def internal_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise web.HTTPUnauthorized(text="a valid internal token is required")
        return await handler(request)
    return internal_token


def internal_app(token: str, client_max_size: int) -> web.Application:
    """Mounted with `app.add_subapp(PREFIX, ...)`; its handlers read shared resources through
    `request.config_dict` (the parent app's keys)."""
    app = web.Application(middlewares=[require_token(token)], client_max_size=client_max_size)
    for feature in (regions_api.routes, handover_api.routes, intake_api.routes, rules_api.routes):
        app.add_routes(feature)
    return app
