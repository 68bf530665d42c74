"""What a worker does with a handover, with scope and audit applied: the one implementation behind
the inbox pages, the staff JSON API and the staff socket, so all follow exactly the same rules.

Built from its collaborators and raising InboxError subclasses; the route modules turn those into
HTTP (bot/staff/inbox_http.py). A handover outside the user's scope is HandoverNotFound: its
existence is not revealed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.content.store import ContentStore
from bot.db.models import Handover, StaffUser
from bot.handover.handovers import OUTCOMES, SCAN_RATINGS, HandoverError, Handovers, Relayed
from bot.handover.notices import UserNotices
from bot.handover.relay import Relay
from bot.regions.directory import RegionDirectory
from bot.staff.audit import AuditLog
from bot.staff.scope import HANDOVER_ROLES, can_see, visible_regions

log = logging.getLogger(__name__)
MAX_STAFF_MESSAGE_CHARS = 2000


class InboxError(Exception):
    """A request the inbox refuses; the text is shown to the staff member."""


class HandoverNotFound(InboxError):
    """No such handover, or one outside the staff member's scope."""


class NoConversations(InboxError):
    """The staff member's role sees no conversations (editors, admins)."""


class HandoverTaken(InboxError):
    """The handover's state forbids it now: another worker has it, it is closed, not live."""


class InvalidAction(InboxError):
    """What was sent cannot be done (an empty or too long message, an unknown outcome)."""


@dataclass(frozen=True)
class Detail:
    handover: Handover
    region_name: str
    organisation: str
    messages: list[Relayed]
    topics: list[str]
    claimed_by_me: bool
    scan: list[tuple[str, str]]  # worried domains first


def topic_label(store: ContentStore, topic: str) -> str:
    """A subtopic as the question its answer answers ("Wat is de Bbz?"), else its name."""
    answer = store.get(f"utter_{topic}")
    return answer.question.get("nl", topic) if answer is not None and answer.question else topic


class Inbox:
    def __init__(self, *, handovers: Handovers, relay: Relay, audit: AuditLog, regions: RegionDirectory,
                 store: ContentStore, notices: UserNotices) -> None:
        self._handovers = handovers
        self._relay = relay
        self._audit = audit
        self._regions = regions
        self._store = store
        self._notices = notices

    async def queue(self, user: StaffUser, include_closed: bool = False) -> list[Handover]:
        _require_handover_role(user)
        return await self._handovers.visible(visible_regions(user), include_closed)

    async def open_detail(self, user: StaffUser, handover_id: int) -> Detail:
        """Every call is a view of the handover's details, and is audit-logged."""
        handover = await self._visible(user, handover_id)
        await self._audit.record(user.id, "handover_viewed", handover.id)
        region = self._regions.regions.get(handover.region_id)
        return Detail(handover, region.name if region else handover.region_id,
                      region.organisation if region else "",
                      await self._handovers.messages(handover.id),
                      [topic_label(self._store, t) for t in handover.topics], handover.claimed_by == user.id,
                      sorted((handover.scan or {}).items(), key=lambda item: SCAN_RATINGS[::-1].index(item[1])))

    async def watch(self, user: StaffUser, handover_id: int) -> Handover:
        """The live socket follows the handover's messages: a view too, audit-logged."""
        handover = await self._visible(user, handover_id)
        await self._audit.record(user.id, "handover_watched", handover.id)
        return handover

    async def contact_details(self, user: StaffUser, handover_id: int) -> tuple[Handover, str | None]:
        """The phone number of a phone handover: a separate, audit-logged view, for its worker."""
        handover = await self._visible(user, handover_id)
        if handover.claimed_by != user.id:
            raise HandoverTaken("claim the handover first")
        await self._audit.record(user.id, "contact_viewed", handover.id)
        return handover, self._handovers.phone_of(handover)

    async def claim(self, user: StaffUser, handover_id: int) -> Handover:
        handover = await self._visible(user, handover_id)
        try:
            handover = await self._handovers.claim(handover.id, user.id)
        except HandoverError:
            raise HandoverTaken("another worker has already taken this handover") from None
        await self._audit.record(user.id, "handover_claimed", handover.id)
        await self._relay.staff_event("claimed", handover)
        if handover.live:
            region = self._regions.regions.get(handover.region_id)
            await self._relay.to_user(handover, "notice", await self._notices.render(
                handover, "utter_live_joined",
                {"worker_name": user.display_name, "organisation": region.organisation if region else ""}))
        log.info("handover_claimed region=%s contact=%s", handover.region_id, handover.contact)
        return handover

    async def send(self, user: StaffUser, handover_id: int, text: Any) -> Relayed:
        handover = await self._visible(user, handover_id)
        if not isinstance(text, str) or not text.strip():
            raise InvalidAction("write a message first")
        if len(text) > MAX_STAFF_MESSAGE_CHARS:
            raise InvalidAction(f"at most {MAX_STAFF_MESSAGE_CHARS} characters")
        if handover.claimed_by != user.id or not handover.live:
            raise HandoverTaken("only the worker who joined a live chat can write in it")
        relayed = await self._relay.to_user(
            handover, "worker", {"text": text.strip(), "buttons": [], "name": user.display_name})
        await self._audit.record(user.id, "message_sent", handover.id)
        return relayed

    async def end_chat(self, user: StaffUser, handover_id: int) -> None:
        handover = await self._visible(user, handover_id)
        if handover.claimed_by != user.id:
            raise HandoverTaken("only the worker who joined can end the chat")
        await self._end_live(handover)
        await self._audit.record(user.id, "chat_ended", handover.id)

    async def close(self, user: StaffUser, handover_id: int, outcome: Any) -> Handover:
        handover = await self._visible(user, handover_id)
        if outcome not in OUTCOMES:
            raise InvalidAction(f"outcome must be one of {', '.join(OUTCOMES)}")
        if handover.claimed_by not in (None, user.id) and user.role != "coordinator":
            raise HandoverTaken("another worker has this handover")
        await self._end_live(handover)
        try:
            handover = await self._handovers.close(handover.id, outcome)
        except HandoverError:
            raise HandoverTaken("this handover is already closed") from None
        await self._audit.record(user.id, "handover_closed", handover.id, detail=f"outcome={outcome}")
        await self._relay.staff_event("closed", handover)
        return handover

    async def _visible(self, user: StaffUser, handover_id: int) -> Handover:
        _require_handover_role(user)
        handover = await self._handovers.get(handover_id)
        if handover is None or not can_see(user, handover):
            raise HandoverNotFound("no such handover")
        return handover

    async def _end_live(self, handover: Handover) -> None:
        if await self._handovers.end_chat(handover.id):
            told = await self._notices.render(handover, "utter_live_ended_by_worker")
            await self._relay.to_user(handover, "notice", told)
            await self._relay.staff_event("ended", handover)


def _require_handover_role(user: StaffUser) -> None:
    if user.role not in HANDOVER_ROLES:
        raise NoConversations("your role has no access to conversations")
