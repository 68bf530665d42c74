"""Internal API for the action server: the handover form's phone question is being asked, so the
gateway takes the phone number in the conversation's next message out of the text Rasa gets and
keeps it (encrypted) for the handover (bot/handover/intake.py).

Mounted under /internal/ (bot/internal_api.py checks the token). Never sees or logs a number.
"""
from __future__ import annotations

from aiohttp import web

from bot.handover.keys import INTAKE
from bot.internal_contract import ExpectPhone
from bot.json_body import read_model

routes = web.RouteTableDef()


@routes.post("/v1/intake/expect-phone")
async def expect_phone(request: web.Request) -> web.Response:
    """The next message of the conversation answers the phone question."""
    body = await read_model(request, ExpectPhone, '{"conversation": "..."}')
    await request.config_dict[INTAKE].expect_phone(body.conversation)
    return web.Response(status=204)
