"""Internal API for the action server: the rules the guided checks decide with, with whether
their year has passed. Token-protected like the other internal routes. The checks' texts never
leave the service: the NLG endpoint renders a result from its codes (bot/content/check_lists.py).
"""
from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.appkeys import CHECK_RULES
from bot.internal_contract import ServedRule, ServedRules
from bot.regions.internal_api import require_internal_token

routes = web.RouteTableDef()


@routes.get("/internal/v1/rules")
async def rules(request: web.Request) -> web.Response:
    require_internal_token(request)
    this_year = date.today().year
    served = ServedRules({name: ServedRule(**rule.as_json(this_year))
                          for name, rule in request.app[CHECK_RULES].items()})
    return web.json_response(served.model_dump(mode="json"))

