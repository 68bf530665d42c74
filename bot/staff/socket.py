"""The staff inbox's live socket: queue events (new, claimed, escalated, ended, closed; no text)
for the regions the user may see, and, for one opened handover, its relayed messages.

Same session and scope as the pages; watching a handover's messages is audit-logged like a view.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.appkeys import AUDIT, HANDOVERS, HUB
from bot.handover.handovers import Handovers
from bot.staff.api import message_json
from bot.staff.auth import current_login
from bot.staff.scope import HANDOVER_ROLES, can_see, visible_regions

routes = web.RouteTableDef()
# A slow or stuck browser must not hold events for everyone: it misses them and reloads.
QUEUE_SIZE = 100


@routes.get("/staff/ws")
async def staff_socket(request: web.Request) -> web.WebSocketResponse:
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="cross-site socket refused")
    login = await current_login(request)
    if login is None:
        raise web.HTTPUnauthorized(text="log in first")
    if login.user.role not in HANDOVER_ROLES:
        raise web.HTTPForbidden(text="your role has no access to conversations")
    regions = visible_regions(login.user)
    watched = await _watched_handover(request, login.user)

    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)

    async def on_event(event: dict[str, Any]) -> None:
        if event.get("region_id") not in regions:
            return
        if event.get("kind") == "message" and event.get("handover_id") != watched:
            return
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(event)

    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=1024)
    await socket.prepare(request)
    unsubscribe = request.app[HUB].subscribe(on_event)
    sender = asyncio.create_task(_forward(queue, socket, request.app[HANDOVERS]))
    try:
        async for frame in socket:
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break  # the page only listens
    finally:
        unsubscribe()
        sender.cancel()
    return socket


async def _watched_handover(request: web.Request, user: Any) -> int | None:
    raw = request.query.get("handover")
    if raw is None:
        return None
    try:
        handover = await request.app[HANDOVERS].get(int(raw))
    except ValueError:
        handover = None
    if handover is None or not can_see(user, handover):
        raise web.HTTPNotFound(text="no such handover")
    await request.app[AUDIT].record(user.id, "handover_watched", handover.id)
    return handover.id


async def _forward(queue: asyncio.Queue, socket: web.WebSocketResponse, handovers: Handovers) -> None:
    while not socket.closed:
        event = await queue.get()
        if event.get("kind") == "message":
            message = await handovers.message(int(event["message_id"]))
            if message is None:  # deleted meanwhile ("forget me")
                continue
            event = {**event, "message": message_json(message)}
        await socket.send_json(event)
