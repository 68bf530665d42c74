"""The inbox's rules as HTTP, for the route modules that serve them (pages, JSON API, socket): the
handover number in a path, and each InboxError as the HTTP error it stands for.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from bot.staff.inbox import HandoverNotFound, HandoverTaken, InboxError, InvalidAction, NoConversations

# A handover number in a path: at most 9 digits, so no number reaches int() and the database
# that SQLite could not hold (a longer one is a handover that does not exist: 404).
HANDOVER_ID = r"{id:\d{1,9}}"

STATUS_OF: dict[type[InboxError], type[web.HTTPException]] = {
    HandoverNotFound: web.HTTPNotFound,
    NoConversations: web.HTTPForbidden,
    HandoverTaken: web.HTTPConflict,
    InvalidAction: web.HTTPBadRequest,
}


def handover_id(request: web.Request) -> int:
    """The handover number in the path (any other text in its place is a handover that does not exist)."""
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such handover") from None


def as_http(error: InboxError) -> web.HTTPException:
    return STATUS_OF.get(type(error), web.HTTPBadRequest)(text=str(error))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def inbox_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An inbox refusal that a route did not handle itself becomes its HTTP error."""
    try:
        return await handler(request)
    except InboxError as error:
        raise as_http(error) from None
