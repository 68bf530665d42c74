"""Internal API for the action server: the rules the guided checks use, with whether their year
has passed (then the check words them with care), and the short texts a check's result lists are
built from, as published now. Token-protected like the other internal routes.
"""
from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.appkeys import CHECK_RULES, CONTENT_STORE
from bot.content.schema import CHECKS, LANGUAGES
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


# The entries a check's result joins into lists (utter_income_step_get_digid, ...).
CHECK_TEXT_PREFIXES = tuple(f"utter_{check}_" for check in sorted(CHECKS))


@routes.get("/internal/v1/checks/texts")
async def check_texts(request: web.Request) -> web.Response:
    """{key: text with its placeholders} in the language, for every check entry."""
    require_internal_token(request)
    language = request.query.get("language", "nl")
    if language not in LANGUAGES:
        raise web.HTTPBadRequest(text=f"language must be one of {', '.join(LANGUAGES)}")
    store = request.app[CONTENT_STORE]
    return web.json_response({answer.key: answer.variants[language].text for answer in store.answers()
                              if answer.key.startswith(CHECK_TEXT_PREFIXES)})
