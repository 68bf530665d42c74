"""Internal API for the action server: the handover form's phone question is being asked, so the
gateway keeps the conversation's next message out of Rasa and its number (encrypted) for the
handover (bot/handover/intake.py).

Token-protected like the other internal routes. Never sees or logs a number.
"""
from __future__ import annotations

from aiohttp import web

from bot.appkeys import INTAKE
from bot.json_body import read_json
from bot.regions.internal_api import require_internal_token

routes = web.RouteTableDef()
MAX_CONVERSATION_CHARS = 64


@routes.post("/internal/v1/intake/expect-phone")
async def expect_phone(request: web.Request) -> web.Response:
    """`{"conversation": id}`: the next message of the conversation answers the phone question."""
    require_internal_token(request)
    try:
        body = await read_json(request)
        conversation = body["conversation"]
    except (ValueError, KeyError, TypeError):
        raise web.HTTPBadRequest(text='expected {"conversation": "..."}') from None
    if not isinstance(conversation, str) or not 0 < len(conversation) <= MAX_CONVERSATION_CHARS:
        raise web.HTTPBadRequest(text='expected {"conversation": "..."}')
    await request.app[INTAKE].expect_phone(conversation)
    return web.Response(status=204)
