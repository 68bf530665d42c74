"""The yearly figures section of the editor pages: value, year, source and where to check each
amount or rule the checks and answers use. The checks live in bot.checks.
"""
from __future__ import annotations

import re

from aiohttp import web

from bot.checks.keys import CHECK_RULES, RULE_EDITING
from bot.staff.keys import AUDIT
from bot.checks.rules import RuleError
from bot.staff.auth import LOGIN, staff_only
from bot.staff.pages import render_page
from bot.staff.refusals import rule_refusal
from bot.staff.scope import EDITORS

routes = web.RouteTableDef()


async def _rule_page(request: web.Request, data: dict, error: str = "", notice: str = "",
                     status: int = 200) -> web.Response:
    return render_page("editor_rule.html", request, status=status, rule=request.match_info["name"],
                       data=data, error=error, notice=notice)


def _stored(request: web.Request) -> dict:
    rule = request.app[CHECK_RULES].get(request.match_info["name"])
    if rule is None:
        raise web.HTTPNotFound(text="no such rule")
    return rule.as_data()


@routes.get("/staff/editor/rules/{name:[a-z0-9_]+}")
@staff_only(*EDITORS, page=True)
async def rule_page(request: web.Request) -> web.Response:
    return await _rule_page(request, _stored(request))


@routes.post("/staff/editor/rules/{name:[a-z0-9_]+}")
@staff_only(*EDITORS, page=True)
async def rule_save(request: web.Request) -> web.Response:
    stored = _stored(request)
    form = await request.post()
    data = {**stored, **{field: str(form.get(field, "")).strip() for field in ("unit", "source", "check_at")}}
    data["verify"] = bool(form.get("verify"))
    try:
        data["value"] = read_amount(str(form.get("value", "")))
        data["year"] = int(str(form.get("year", "")).strip())
    except ValueError:
        return await _rule_page(request, data, error="waarde en jaar moeten getallen zijn", status=400)
    try:
        await request.app[RULE_EDITING].save(request.match_info["name"], data)
    except RuleError as error:
        return await _rule_page(request, data, error=rule_refusal(error), status=400)
    await request.app[AUDIT].record(request[LOGIN].user.id, "rule_saved", detail=request.match_info["name"])
    return await _rule_page(request, data, notice="Bewaard: de checks en antwoorden gebruiken nu deze waarde.")


def read_amount(text: str) -> int | float:
    """"1369,06", "1.369,06" and "1369.06" are the same amount; "1.225" and "7575" are whole
    (a Dutch thousands dot, as editors write "1.225 uur")."""
    text = text.strip().replace(" ", "").replace("€", "")
    if "," in text or re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "").replace(",", ".")
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value
