"""The REST channel: POST /api/v1/chat {"sender", "message"} -> the bot's messages.

Same shape as Rasa's REST channel, through the same gateway as every other channel. The sender
is the client's own id; Rasa only ever sees its keyed hash. A worker's messages in a live handover
wait until the client's next message, or until it asks GET /api/v1/chat/{sender}/pending.
"""
from __future__ import annotations

from aiohttp import web

from bot.appkeys import GATEWAY

routes = web.RouteTableDef()
CHANNEL = "rest"
# A client-chosen id, not a message: long enough for a UUID, short enough to hash cheaply.
MAX_SENDER_CHARS = 128


@routes.post("/api/v1/chat")
async def chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text='expected JSON: {"sender": "...", "message": "..."}') from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='expected JSON: {"sender": "...", "message": "..."}')
    sender = _sender(body.get("sender"))
    messages = await request.app[GATEWAY].handle(CHANNEL, sender, body.get("message"))
    return web.json_response(messages)


@routes.get("/api/v1/chat/{sender}/pending")
async def pending(request: web.Request) -> web.Response:
    sender = _sender(request.match_info["sender"])
    return web.json_response(await request.app[GATEWAY].pending(CHANNEL, sender))


def _sender(sender: object) -> str:
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise web.HTTPBadRequest(text=f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    return sender
