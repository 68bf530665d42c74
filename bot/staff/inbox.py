"""What a worker does with a handover, with scope and audit applied: the one implementation behind
the inbox pages and the staff JSON API, so both follow exactly the same rules.

A handover outside the user's scope is "not found" (404): its existence is not revealed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.appkeys import AUDIT, CONTENT_STORE, CONVERSATIONS, HANDOVERS, REGIONS, RELAY
from bot.content.render import pick_language, render
from bot.content.store import ContentStore
from bot.db.models import Handover, StaffUser
from bot.handover.handovers import OUTCOMES, SCAN_RATINGS, HandoverError, Relayed
from bot.staff.auth import LOGIN
from bot.staff.scope import HANDOVER_ROLES, can_see, visible_regions

log = logging.getLogger(__name__)
MAX_STAFF_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Detail:
    handover: Handover
    region_name: str
    organisation: str
    messages: list[Relayed]
    topics: list[str]
    claimed_by_me: bool
    scan: list[tuple[str, str]]  # worried domains first


# A handover number in a path: at most 9 digits, so no number reaches int() and the database
# that SQLite could not hold (a longer one is a handover that does not exist: 404).
HANDOVER_ID = r"{id:\d{1,9}}"


def who_and_which(request: web.Request) -> tuple[StaffUser, int]:
    """The logged-in staff member and the handover number in the path (any other text in its
    place is a handover that does not exist)."""
    try:
        return request[LOGIN].user, int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such handover") from None


def require_handover_role(user: StaffUser) -> None:
    if user.role not in HANDOVER_ROLES:
        raise web.HTTPForbidden(text="your role has no access to conversations")


async def _handover(request: web.Request, user: StaffUser, handover_id: int) -> Handover:
    require_handover_role(user)
    handover = await request.app[HANDOVERS].get(handover_id)
    if handover is None or not can_see(user, handover):
        raise web.HTTPNotFound(text="no such handover")
    return handover


async def queue(request: web.Request, user: StaffUser, include_closed: bool = False) -> list[Handover]:
    require_handover_role(user)
    return await request.app[HANDOVERS].visible(visible_regions(user), include_closed)


async def open_detail(request: web.Request, user: StaffUser, handover_id: int) -> Detail:
    """Every call is a view of the handover's details, and is audit-logged."""
    handover = await _handover(request, user, handover_id)
    await request.app[AUDIT].record(user.id, "handover_viewed", handover.id)
    region = request.app[REGIONS].regions.get(handover.region_id)
    store = request.app[CONTENT_STORE]
    return Detail(handover, region.name if region else handover.region_id,
                  region.organisation if region else "",
                  await request.app[HANDOVERS].messages(handover.id),
                  [topic_label(store, t) for t in handover.topics], handover.claimed_by == user.id,
                  sorted((handover.scan or {}).items(), key=lambda item: SCAN_RATINGS[::-1].index(item[1])))


def topic_label(store: ContentStore, topic: str) -> str:
    """A subtopic as the question its answer answers ("Wat is de Bbz?"), else its name."""
    answer = store.get(f"utter_{topic}")
    return answer.question.get("nl", topic) if answer is not None and answer.question else topic


async def contact_details(request: web.Request, user: StaffUser,
                          handover_id: int) -> tuple[Handover, str | None]:
    """The phone number of a phone handover: a separate, audit-logged view, for its worker."""
    handover = await _handover(request, user, handover_id)
    if handover.claimed_by != user.id:
        raise web.HTTPConflict(text="claim the handover first")
    await request.app[AUDIT].record(user.id, "contact_viewed", handover.id)
    return handover, request.app[HANDOVERS].phone_of(handover)


async def claim(request: web.Request, user: StaffUser, handover_id: int) -> Handover:
    handover = await _handover(request, user, handover_id)
    try:
        handover = await request.app[HANDOVERS].claim(handover.id, user.id)
    except HandoverError:
        raise web.HTTPConflict(text="another worker has already taken this handover") from None
    await request.app[AUDIT].record(user.id, "handover_claimed", handover.id)
    relay = request.app[RELAY]
    await relay.staff_event("claimed", handover)
    if handover.live:
        region = request.app[REGIONS].regions.get(handover.region_id)
        await relay.to_user(handover, "notice", await _user_message(
            request, handover, "utter_live_joined",
            {"worker_name": user.display_name, "organisation": region.organisation if region else ""}))
    log.info("handover_claimed region=%s contact=%s", handover.region_id, handover.contact)
    return handover


async def send(request: web.Request, user: StaffUser, handover_id: int, text: Any) -> Relayed:
    handover = await _handover(request, user, handover_id)
    if not isinstance(text, str) or not text.strip():
        raise web.HTTPBadRequest(text="write a message first")
    if len(text) > MAX_STAFF_MESSAGE_CHARS:
        raise web.HTTPBadRequest(text=f"at most {MAX_STAFF_MESSAGE_CHARS} characters")
    if handover.claimed_by != user.id or not handover.live:
        raise web.HTTPConflict(text="only the worker who joined a live chat can write in it")
    relayed = await request.app[RELAY].to_user(
        handover, "worker", {"text": text.strip(), "buttons": [], "name": user.display_name})
    await request.app[AUDIT].record(user.id, "message_sent", handover.id)
    return relayed


async def end_chat(request: web.Request, user: StaffUser, handover_id: int) -> None:
    handover = await _handover(request, user, handover_id)
    if handover.claimed_by != user.id:
        raise web.HTTPConflict(text="only the worker who joined can end the chat")
    await _end_live(request, handover, "utter_live_ended_by_worker")
    await request.app[AUDIT].record(user.id, "chat_ended", handover.id)


async def close(request: web.Request, user: StaffUser, handover_id: int, outcome: Any) -> Handover:
    handover = await _handover(request, user, handover_id)
    if outcome not in OUTCOMES:
        raise web.HTTPBadRequest(text=f"outcome must be one of {', '.join(OUTCOMES)}")
    if handover.claimed_by not in (None, user.id) and user.role != "coordinator":
        raise web.HTTPConflict(text="another worker has this handover")
    await _end_live(request, handover, "utter_live_ended_by_worker")
    try:
        handover = await request.app[HANDOVERS].close(handover.id, outcome)
    except HandoverError:
        raise web.HTTPConflict(text="this handover is already closed") from None
    await request.app[AUDIT].record(user.id, "handover_closed", handover.id, detail=f"outcome={outcome}")
    await request.app[RELAY].staff_event("closed", handover)
    return handover


async def _end_live(request: web.Request, handover: Handover, notice_key: str) -> None:
    if await request.app[HANDOVERS].end_chat(handover.id):
        told = await _user_message(request, handover, notice_key)
        await request.app[RELAY].to_user(handover, "notice", told)
        await request.app[RELAY].staff_event("ended", handover)


async def _user_message(request: web.Request, handover: Handover, key: str,
                        values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A notice in the language of the user's conversation."""
    language = await request.app[CONVERSATIONS].language_of(handover.conversation_id)
    store = request.app[CONTENT_STORE]
    answer = store.get(key)
    assert answer is not None, f"required content {key} is missing"
    return render(answer, pick_language(language), store, values=values)
