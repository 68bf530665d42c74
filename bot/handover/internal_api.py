"""Internal API for the action server: create the handover the user asked for.

Mounted under /internal/ (bot/internal_api.py checks the token). The action sends only the
form's answers and the topics the user agreed to share; the phone number comes from the gateway's intake notes, never
through Rasa. Answers honestly whether the region is open now and when it opens next. A
conversation, or a client address, that asked for too many handovers lately is refused (429, with
the region's public contact details, so the action can still tell the user whom to call).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.db.models import Handover
from bot.gateway.keys import CONVERSATIONS, HANDOVER_LIMITS
from bot.handover.keys import ESCALATION, HANDOVERS, INTAKE, RELAY
from bot.regions.directory import Region
from bot.regions.keys import REGIONS
from bot.handover.handovers import NewHandover
from bot.internal_contract import (WITHHELD, HandoverCreated, HandoverRefused, HandoverRequest, NextOpen,
                                   PublicRegion)
from bot.json_body import read_model
from bot.regions.office_hours import describe

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
EXPECTED = 'expected {"conversation": "...", ...}'


@routes.post("/v1/handovers")
async def create_handover(request: web.Request) -> web.Response:
    body = await read_model(request, HandoverRequest, EXPECTED)
    conversation = body.conversation
    directory = request.config_dict[REGIONS]
    # One open handover per conversation: a second request while one waits or runs (asked again,
    # or the same turn handled again by another Rasa replica after the first died mid-turn) gets
    # that one back, never a second entry in the staff queue.
    if (existing := await request.config_dict[HANDOVERS].open_for(conversation)) is not None:
        log.info("handover_request_repeated region=%s", existing.region_id)
        region = directory.regions.get(existing.region_id) or directory.region_for(None)
        return _created(request, existing, region)
    gemeente = directory.find_gemeente(body.municipality) if body.municipality != WITHHELD else None
    region = directory.region_for(gemeente)
    if not await request.config_dict[HANDOVER_LIMITS].allow(conversation):
        log.warning("handover_refused reason=too_many region=%s", region.id)
        refused = HandoverRefused(refused="too_many_handovers", region=_public(region))
        return web.json_response(refused.model_dump(mode="json"), status=429)
    channel = await request.config_dict[CONVERSATIONS].channel_of(conversation) or "rest"
    # Codes only; Handovers.create keeps those of its allow-lists.
    new = NewHandover(
        conversation_id=conversation, channel=channel, region_id=region.id,
        gemeente_code=gemeente.code if gemeente else None, contact=body.contact,
        availability=body.availability, language=body.language, consent=body.consent,
        topics=tuple(body.topics), urgent=body.urgent, scan=body.scan, call_safety=body.call_safety,
        urgent_reasons=tuple(body.urgent_reasons))
    handover = await request.config_dict[HANDOVERS].create(new, await request.config_dict[INTAKE].take(conversation))
    if channel == "web":
        # The user answered the form over their open widget: connected now (bot.handover.relay
        # follows it from here).
        await request.config_dict[HANDOVERS].set_presence(conversation, "online")
    await request.config_dict[RELAY].staff_event("new", handover)
    request.config_dict[ESCALATION].notify_group_soon("new", handover)
    log.info("handover_created region=%s contact=%s urgent=%s", region.id, handover.contact,
             str(handover.urgent).lower())
    return _created(request, handover, region)


def _public(region: Region) -> PublicRegion:
    """`contact`: the organisation's public contact details, for users who call themselves."""
    return PublicRegion(id=region.id, name=region.name, organisation=region.organisation, contact=region.contact)


def _created(request: web.Request, handover: Handover, region: Region) -> web.Response:
    now = datetime.now(timezone.utc)
    next_open = region.hours.next_open(now)
    created = HandoverCreated(
        reference=handover.reference, region=_public(region), office_open=region.hours.is_open(now),
        response_minutes=request.config_dict[SETTINGS].handover_response_minutes,
        next_open=NextOpen(**{language: describe(next_open, language, now) if next_open else WITHHELD
                              for language in ("nl", "en")}),
        urgent=handover.urgent)
    return web.json_response(created.model_dump(mode="json"), status=201)
