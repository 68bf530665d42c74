"""The REST channel: POST /api/v1/chat {"sender", "message"} -> the bot's messages.

Same shape as Rasa's REST channel, through the same gateway as every other channel. The sender
is the client's own id; Rasa only ever sees its keyed hash.
"""
from __future__ import annotations

from aiohttp import web

from bot.appkeys import GATEWAY

routes = web.RouteTableDef()
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
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise web.HTTPBadRequest(text=f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    messages = await request.app[GATEWAY].handle("rest", sender, body.get("message"))
    return web.json_response(messages)
