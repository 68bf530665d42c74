"""Internal API for the action server: the rules the guided checks use, with whether their year
has passed (then the check words them with care), and the short texts a check's result lists are
built from, as published now. Mounted under /internal/ (bot/internal_api.py checks the token).
"""
from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.checks.keys import CHECK_RULES
from bot.content.keys import CONTENT_STORE
from bot.content.schema import CHECKS, LANGUAGES

routes = web.RouteTableDef()


@routes.get("/v1/rules")
async def rules(request: web.Request) -> web.Response:
    this_year = date.today().year
    return web.json_response({name: rule.as_json(this_year)
                              for name, rule in request.config_dict[CHECK_RULES].items()})


# The entries a check's result joins into lists (utter_income_step_get_digid, ...).
CHECK_TEXT_PREFIXES = tuple(f"utter_{check}_" for check in sorted(CHECKS))


@routes.get("/v1/checks/texts")
async def check_texts(request: web.Request) -> web.Response:
    """{key: text with its placeholders} in the language, for every check entry."""
    language = request.query.get("language", "nl")
    if language not in LANGUAGES:
        raise web.HTTPBadRequest(text=f"language must be one of {', '.join(LANGUAGES)}")
    store = request.config_dict[CONTENT_STORE]
    return web.json_response({answer.key: answer.variants[language].text for answer in store.answers()
                              if answer.key.startswith(CHECK_TEXT_PREFIXES)})
