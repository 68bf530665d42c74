"""Errors on the staff pages as a Dutch page in the inbox's style, never a bare English text:
a handover that is gone (the user deleted the conversation), a claim a colleague beat you to.

The JSON API, the socket and the static files keep their plain answers; redirects pass.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from bot.staff.pages import render_page
from bot.staff.refusals import page_reason

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PLAIN_PREFIXES = ("/staff/ws", "/staff/static")
TITLES = {400: "Dat ging niet", 403: "Geen toegang", 404: "Niet gevonden", 409: "Dat kan nu niet"}


@web.middleware
async def staff_error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if (error.status not in TITLES or not request.path.startswith("/staff")
                or request.path.startswith(PLAIN_PREFIXES)):
            raise
        message = page_reason(error.text or "")
        back = "/staff/" if "/handovers/" in request.path or request.path == "/staff" else request.path
        return render_page("error.html", request, status=error.status, title=TITLES[error.status],
                           message=message, back=back)
