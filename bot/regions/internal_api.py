"""Internal API for the action server: which region serves the gemeente a user typed or named.

Mounted under /internal/ (bot/internal_api.py checks the token); the typed answer comes in the
body, never in a URL, so it cannot end up in an access log.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from pydantic import TypeAdapter

from bot.regions.keys import REGIONS
from bot.regions.office_hours import describe
from bot.internal_contract import (WITHHELD, Gemeente, NextOpen, RegionByMunicipality, RegionInSentence,
                                   RegionResolved, ResolvedRegion, ResolveRegionRequest)
from bot.json_body import read_shape

routes = web.RouteTableDef()
EXPECTED = 'expected {"municipality": "..."} or {"sentence": "..."}'
RESOLVE_REQUEST: TypeAdapter[RegionInSentence | RegionByMunicipality] = TypeAdapter(ResolveRegionRequest)


@routes.post("/v1/regions/resolve")
async def resolve_region(request: web.Request) -> web.Response:
    """`{"municipality": answer}`: the answer is a gemeente (typos allowed);
    `{"sentence": text}`: a sentence that may name one ("is er hulp in Rotterdam")."""
    body = await read_shape(request, RESOLVE_REQUEST, EXPECTED)
    directory = request.config_dict[REGIONS]
    if isinstance(body, RegionInSentence):
        gemeente = directory.find_gemeente_in(body.sentence)
    else:
        gemeente = directory.find_gemeente(body.municipality)
    region = directory.region_for(gemeente)
    # Open now, and when next: the form says so before it ends (as the handover answer does).
    now = datetime.now(timezone.utc)
    next_open = region.hours.next_open(now)
    resolved = RegionResolved(
        gemeente=Gemeente(code=gemeente.code, name=gemeente.name) if gemeente else None,
        region=ResolvedRegion(
            id=region.id, name=region.name, organisation=region.organisation,
            office_hours=region.office_hours, confirmed=region.confirmed,
            office_open=region.hours.is_open(now),
            next_open=NextOpen(**{language: describe(next_open, language, now) if next_open else WITHHELD
                                  for language in ("nl", "en")})))
    return web.json_response(resolved.model_dump(mode="json"))
