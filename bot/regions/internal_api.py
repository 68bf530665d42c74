"""Internal API for the action server: which region serves the gemeente a user typed or named.

Mounted under /internal/ (bot/internal_api.py checks the token); the typed answer comes in the
body, never in a URL, so it cannot end up in an access log.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from bot.regions.keys import REGIONS
from bot.regions.office_hours import describe
from bot.json_body import read_json

routes = web.RouteTableDef()


@routes.post("/v1/regions/resolve")
async def resolve_region(request: web.Request) -> web.Response:
    """`{"municipality": answer}`: the answer is a gemeente (typos allowed);
    `{"sentence": text}`: a sentence that may name one ("is er hulp in Rotterdam")."""
    try:
        body = await read_json(request)
        sentence = body.get("sentence") if isinstance(body, dict) else None
        answer = str(sentence if sentence is not None else body["municipality"])[:200]
    except (ValueError, KeyError, TypeError):
        raise web.HTTPBadRequest(text='expected {"municipality": "..."} or {"sentence": "..."}') from None
    directory = request.config_dict[REGIONS]
    gemeente = directory.find_gemeente_in(answer) if sentence is not None else directory.find_gemeente(answer)
    region = directory.region_for(gemeente)
    # Open now, and when next: the form says so before it ends (as the handover answer does).
    now = datetime.now(timezone.utc)
    next_open = region.hours.next_open(now)
    return web.json_response({
        "gemeente": {"code": gemeente.code, "name": gemeente.name} if gemeente else None,
        "region": {"id": region.id, "name": region.name, "organisation": region.organisation,
                   "office_hours": region.office_hours, "confirmed": region.confirmed,
                   "office_open": region.hours.is_open(now),
                   "next_open": {language: describe(next_open, language, now) if next_open else "-"
                                 for language in ("nl", "en")}},
    })
