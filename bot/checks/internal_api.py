"""Internal API for the action server: the rules the guided checks decide with, with whether
their year has passed. Mounted under /internal/ (bot/internal_api.py checks the token). The checks'
texts never leave the service: the NLG endpoint renders a result from its codes
(bot/content/check_lists.py).
"""
from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.checks.keys import CHECK_RULES
from bot.internal_contract import ServedRule, ServedRules

routes = web.RouteTableDef()


@routes.get("/v1/rules")
async def rules(request: web.Request) -> web.Response:
    this_year = date.today().year
    served = ServedRules({name: ServedRule(**rule.as_json(this_year))
                          for name, rule in request.config_dict[CHECK_RULES].items()})
    return web.json_response(served.model_dump(mode="json"))
