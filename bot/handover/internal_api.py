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
from typing import Any

from aiohttp import web

from bot.appkeys import SETTINGS
from bot.gateway.keys import CONVERSATIONS, HANDOVER_LIMITS
from bot.handover.keys import ESCALATION, HANDOVERS, INTAKE, RELAY
from bot.regions.keys import REGIONS
from bot.handover.handovers import NewHandover
from bot.regions.office_hours import describe
from bot.json_body import read_json

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
MAX_TOPIC_CHARS = 80
MAX_REASONS, MAX_REASON_CHARS = 20, 40


def _text(body: dict[str, Any], name: str, limit: int = 80) -> str:
    value = body.get(name)
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else "-"


@routes.post("/v1/handovers")
async def create_handover(request: web.Request) -> web.Response:
    try:
        body = await read_json(request)
        conversation = str(body["conversation"])[:64]
    except (ValueError, KeyError, TypeError):
        raise web.HTTPBadRequest(text='expected {"conversation": "...", ...}') from None
    directory = request.config_dict[REGIONS]
    municipality = _text(body, "municipality", 200)
    gemeente = directory.find_gemeente(municipality) if municipality != "-" else None
    region = directory.region_for(gemeente)
    # `contact`: the organisation's public contact details, for users who call themselves.
    public_region = {"id": region.id, "name": region.name, "organisation": region.organisation,
                     "contact": region.contact}
    if not await request.config_dict[HANDOVER_LIMITS].allow(conversation):
        log.warning("handover_refused reason=too_many region=%s", region.id)
        return web.json_response({"refused": "too_many_handovers", "region": public_region}, status=429)
    topics = body.get("topics") if isinstance(body.get("topics"), list) else []
    reasons = body.get("urgent_reasons") if isinstance(body.get("urgent_reasons"), list) else []
    channel = await request.config_dict[CONVERSATIONS].channel_of(conversation) or "rest"
    new = NewHandover(
        conversation_id=conversation, channel=channel, region_id=region.id,
        gemeente_code=gemeente.code if gemeente else None, contact=_text(body, "contact"),
        availability=_text(body, "availability"), language=_text(body, "language", 8),
        consent=body.get("consent") is True,
        topics=tuple(str(t)[:MAX_TOPIC_CHARS] for t in topics if isinstance(t, str)),
        urgent=body.get("urgent") is True,
        scan={str(k): str(v) for k, v in body["scan"].items()} if isinstance(body.get("scan"), dict) else None,
        # Codes only; Handovers.create keeps those of its allow-lists.
        call_safety=_text(body, "call_safety", 16),
        urgent_reasons=tuple(str(code)[:MAX_REASON_CHARS] for code in reasons[:MAX_REASONS]
                             if isinstance(code, str)))
    intake = await request.config_dict[INTAKE].take(conversation)
    handover = await request.config_dict[HANDOVERS].create(new, intake)
    if channel == "web":
        # The user answered the form over their open widget: connected now (bot.handover.relay
        # follows it from here).
        await request.config_dict[HANDOVERS].set_presence(conversation, "online")
    await request.config_dict[RELAY].staff_event("new", handover)
    await request.config_dict[ESCALATION].notify_group("new", handover)
    log.info("handover_created region=%s contact=%s urgent=%s", region.id, handover.contact,
             str(handover.urgent).lower())
    now = datetime.now(timezone.utc)
    next_open = region.hours.next_open(now)
    return web.json_response({
        "reference": handover.reference,
        "region": public_region,
        "office_open": region.hours.is_open(now),
        "response_minutes": request.config_dict[SETTINGS].handover_response_minutes,
        "next_open": {language: describe(next_open, language, now) if next_open else "-"
                      for language in ("nl", "en")},
        "urgent": handover.urgent,
    }, status=201)
