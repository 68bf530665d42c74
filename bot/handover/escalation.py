"""Handovers nobody claimed in time, during their region's office hours, escalate to the
coordinators, and a user waiting in the chat is told it takes longer than usual (not left
wondering); the optional staff Telegram group hears of new and escalated handovers.

The group notice names only the region and whether it is urgent: no reference, no topics.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
from aiohttp import web

from bot.appkeys import CONTENT_STORE, CONVERSATIONS, HANDOVERS, HTTP, REGIONS, RELAY, SETTINGS
from bot.content.render import pick_language, render
from bot.db.models import Handover

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 60
GROUP_NOTICES = {"new": "Nieuwe overdracht", "escalated": "Overdracht wacht nog (geëscaleerd)"}


async def escalate_now(app: web.Application, now: datetime | None = None) -> list[Handover]:
    now = now or datetime.now(timezone.utc)
    regions = app[REGIONS].regions

    def is_open(region_id: str) -> bool:
        region = regions.get(region_id)
        return region is not None and region.hours.is_open(now)

    due = await app[HANDOVERS].escalate_due(
        timedelta(minutes=app[SETTINGS].handover_escalate_minutes), is_open, now)
    for handover in due:
        log.info("handover_escalated region=%s urgent=%s", handover.region_id, str(handover.urgent).lower())
        await app[RELAY].staff_event("escalated", handover)
        await notify_staff_group(app, "escalated", handover)
        if handover.contact == "chat":
            await _tell_user(app, handover)
    return due


async def _tell_user(app: web.Application, handover: Handover) -> None:
    """Pushed (or waiting for the user's next visit) like a worker's message."""
    store = app[CONTENT_STORE]
    answer = store.get("utter_handover_taking_longer")
    assert answer is not None, "required content utter_handover_taking_longer is missing"
    language = pick_language(await app[CONVERSATIONS].language_of(handover.conversation_id))
    region = app[REGIONS].regions.get(handover.region_id)
    message = render(answer, language, store, values={
        "organisation": region.organisation if region else "", "reference": handover.reference})
    await app[RELAY].to_user(handover, "notice", message)


async def notify_staff_group(app: web.Application, action: str, handover: Handover) -> None:
    region = app[REGIONS].regions.get(handover.region_id)
    text = f"{GROUP_NOTICES[action]}, regio {region.name if region else handover.region_id}" + \
        (", URGENT" if handover.urgent else "")
    await send_to_staff_group(app, text)


async def send_to_staff_group(app: web.Application, text: str) -> None:
    """A notice to the staff Telegram group, when one is configured; `text` holds no personal data."""
    settings = app[SETTINGS]
    if not (settings.staff_telegram_chat_id and settings.telegram_token):
        return
    url = f"{settings.telegram_api_url}{settings.telegram_token.get_secret_value()}/sendMessage"
    try:
        async with app[HTTP].post(url, json={"chat_id": settings.staff_telegram_chat_id, "text": text},
                                  timeout=aiohttp.ClientTimeout(total=10)) as response:
            if response.status != 200:
                log.warning("staff_group_notice_failed status=%d", response.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.warning("staff_group_notice_failed error=%s", type(error).__name__)
