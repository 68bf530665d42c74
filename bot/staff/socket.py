"""The staff inbox's live socket: queue events (new, claimed, escalated, ended, closed; no text)
for the regions the user may see, and, for one opened handover, its relayed messages.

Same session and scope as the pages; watching a handover's messages is audit-logged like a view.
The socket lives only as long as its session: before each event it forwards, at least every
RECHECK_SECONDS, and at once when a revocation is published, it loads the session again and
closes when the session is gone (logout, revoked, timed out, account disabled or reset).
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.appkeys import HUB
from bot.handover.keys import HANDOVERS
from bot.staff.keys import INBOX, STAFF_SESSIONS
from bot.db.models import StaffUser
from bot.handover.handovers import Handovers
from bot.staff.json_shapes import message_json
from bot.staff.auth import LOGIN, session_token, staff_only
from bot.staff.inbox import InboxError
from bot.staff.inbox_http import as_http
from bot.staff.scope import HANDOVER_ROLES, visible_regions
from bot.staff.sessions import ACCESS_CHANGED, Login, StaffSessions

routes = web.RouteTableDef()
# A slow or stuck browser must not hold events for everyone: it misses them and reloads.
QUEUE_SIZE = 100
# The longest a socket streams without asking whether its session still lives (the idle and
# absolute timeouts pass while nothing happens).
RECHECK_SECONDS = 30.0
# Close codes the page acts on (inbox.js reloads, and lands on the login page or the new scope).
SESSION_ENDED = 4401
ACCESS_NARROWED = 4403  # role or regions changed: reload to see what is visible now
# Handover ids are small positive integers; anything else is not found (not a database error).
HANDOVER_ID = re.compile(r"\d{1,9}")


@dataclass
class _Watch:
    """One open socket: whose session, what it may see, and what waits to be sent."""
    token: str
    login: Login
    regions: frozenset[str]
    handover_id: int | None
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, event: dict[str, Any]) -> None:
        if event.get("kind") == ACCESS_CHANGED:
            if not (event.get("session_id") == self.login.session_id
                    or event.get("staff_user_id") == self.login.user.id):
                return
        elif event.get("region_id") not in self.regions:
            return
        elif event.get("kind") == "message" and event.get("handover_id") != self.handover_id:
            return
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(event)


@routes.get("/staff/ws")
# Opening the socket is part of loading a page, which counted already (or was automatic).
@staff_only(*HANDOVER_ROLES, page=False, activity=False)
async def staff_socket(request: web.Request) -> web.WebSocketResponse:
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="cross-site socket refused")
    login = request[LOGIN]
    watch = _Watch(session_token(request) or "", login, visible_regions(login.user),
                   await _watched_handover(request, login.user))

    async def on_event(event: dict[str, Any]) -> None:
        watch.offer(event)

    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=1024)
    await socket.prepare(request)
    unsubscribe = request.app[HUB].subscribe(on_event)
    sender = asyncio.create_task(_forward(watch, socket, request.app[HANDOVERS], request.app[STAFF_SESSIONS]))
    receiver = asyncio.create_task(_until_the_page_leaves(socket))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        unsubscribe()
        for task in (sender, receiver):
            task.cancel()
        results = await asyncio.gather(sender, receiver, return_exceptions=True)
    # Closed here, with nobody else reading: the page gets the close frame and answers it.
    code = results[0]
    if isinstance(code, int):
        await socket.close(code=code, message=b"session ended" if code == SESSION_ENDED else b"reload")
    else:
        await socket.close()
    return socket


async def _until_the_page_leaves(socket: web.WebSocketResponse) -> None:
    async for frame in socket:
        if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            break  # the page only listens


async def _watched_handover(request: web.Request, user: StaffUser) -> int | None:
    raw = request.query.get("handover")
    if raw is None:
        return None
    if not HANDOVER_ID.fullmatch(raw.strip()):
        raise web.HTTPNotFound(text="no such handover")
    try:
        return (await request.app[INBOX].watch(user, int(raw))).id
    except InboxError as error:
        raise as_http(error) from None


async def _forward(watch: _Watch, socket: web.WebSocketResponse, handovers: Handovers,
                   sessions: StaffSessions) -> int:
    """Sends the events until the session ends or changes; returns the code to close with."""
    while True:
        try:
            event: dict[str, Any] | None = await asyncio.wait_for(watch.queue.get(), RECHECK_SECONDS)
        except asyncio.TimeoutError:
            event = None
        code = await _still_allowed(watch, sessions)
        if code is not None:
            return code
        if event is None or event.get("kind") == ACCESS_CHANGED:
            continue
        if event.get("kind") == "message":
            message = await handovers.message(int(event["message_id"]))
            if message is None:  # deleted meanwhile ("forget me")
                continue
            event = {**event, "message": message_json(message)}
        await socket.send_json(event)


async def _still_allowed(watch: _Watch, sessions: StaffSessions) -> int | None:
    """None while the session lives with the same scope; else the code to close with."""
    # Not activity: an open inbox must still time out when nobody works in it.
    current = await sessions.load(watch.token, touch=False)
    if current is None:
        return SESSION_ENDED
    if current.user.role != watch.login.user.role or visible_regions(current.user) != watch.regions:
        return ACCESS_NARROWED
    return None
