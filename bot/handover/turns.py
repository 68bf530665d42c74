"""What the gateway answers itself while a handover is open, without asking Rasa:

- a live chat: the user's messages go to the worker; a crisis phrase brings the safety lines,
  marked as automatic and shown to the worker too; "stop" hands the user back to the assistant;
- waiting for a worker in the chat: what the user types is kept for the worker (so "hallo? is er
  iemand" does not restart the menu), with the waiting status as the answer; "stop" asks whether to
  withdraw the request;
- the reference code: typed in any conversation on any channel, it brings the user back to their
  open handover after a confirmation, with what the worker wrote meanwhile.

Buttons (topics, checks) still go to Rasa while waiting. Never logs text or reference codes.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

from bot.content.render import render
from bot.content.store import ContentStore
from bot.db.models import Handover
from bot.handover.handovers import OPEN, HandoverError, Handovers
from bot.regions.office_hours import describe
from bot.handover.relay import Relay, as_message, is_end_request
from bot.regions.directory import RegionDirectory

log = logging.getLogger(__name__)
Message = dict[str, Any]

CANCEL = "/cancel_handover"
CANCEL_CONFIRMED = "/cancel_handover_confirmed"
KEEP_WAITING = "/keep_waiting"
RESUME = "/resume_handover"
COMMANDS = frozenset({CANCEL, CANCEL_CONFIRMED, KEEP_WAITING, RESUME})
# The alphabet of bot.handover.handovers.new_reference (no I, L, O, 0, 1), in either case.
REFERENCE = re.compile(r"(?<![\w-])([A-HJKMNP-Z2-9]{3})-([A-HJKMNP-Z2-9]{3})(?![\w-])", re.IGNORECASE)
# The reply of the "Stoppen" button of every guided check (data/content/checks.yml).
CHECK_STOP_BUTTON = "Stoppen"
# "mijn code is HAK-GFE" is a code; a long message that happens to hold one is a message.
MAX_CODE_MESSAGE_WORDS = 8


def is_resume_command(text: str) -> bool:
    """The confirmation button's payload: "/resume_handover HAK-GFE"."""
    rest = text[len(RESUME):].strip() if text.startswith(RESUME + " ") else ""
    return REFERENCE.fullmatch(rest) is not None


def reference_in(text: str) -> str | None:
    if len(text.split()) > MAX_CODE_MESSAGE_WORDS:
        return None
    found = REFERENCE.search(text)
    return f"{found[1]}-{found[2]}".upper() if found else None


class HandoverTurns:
    def __init__(self, *, handovers: Handovers, relay: Relay, store: ContentStore, regions: RegionDirectory,
                 response_minutes: int) -> None:
        self._relay = relay
        self._handovers = handovers
        self._store = store
        self._regions = regions
        self._response_minutes = response_minutes

    async def answer(self, conversation: str, channel: str, text: str, crisis: str | None,
                     is_button: bool, language: str, involved: bool = True) -> list[Message] | None:
        """The answer when the open handover decides it, else None (Rasa answers). `involved`:
        False when the caller knows the conversation has no handover (`Handovers.involves`)."""
        handover = await self._handovers.open_for(conversation) if involved else None
        if handover is not None and handover.live:
            return await self._live(handover, text, crisis, is_button, language)
        if is_resume_command(text):
            return await self._resume(conversation, channel, text[len(RESUME):].strip().upper(), language)
        reference = None if is_button else reference_in(text)
        if reference is not None:
            return await self._confirm(conversation, handover, reference, language)
        waiting = handover is not None and handover.status == "waiting"
        if text in COMMANDS and not waiting:
            # A button of an earlier message, after the handover was taken or closed.
            return [self._say("utter_conversation_resumed", language)]
        if handover is None or not waiting:
            return None
        return await self._waiting(handover, text, crisis, is_button, language)

    async def _live(self, live: Handover, text: str, crisis: str | None, is_button: bool,
                    language: str) -> list[Message]:
        if is_end_request(text):
            told = self._say("utter_live_ended_by_user", language)
            await self._relay.end_by_user(live, told)
            return [told]
        if is_button:
            # An old topic button: the worker would get "/ask_debt"; the user is told how it works.
            return [self._say("utter_live_button_paused", language)]
        await self._relay.from_user(live, text, crisis)
        if crisis is None:
            return []
        return [await self._relay.assistant_line(live, self._say(f"utter_crisis/{crisis}", language))]

    async def _waiting(self, handover: Handover, text: str, crisis: str | None, is_button: bool,
                       language: str) -> list[Message] | None:
        # Saying stop while waiting in the chat asks whether to withdraw; the guided checks' own
        # "Stoppen" button (a check started meanwhile) ends the check, as anywhere else.
        says_stop = is_end_request(text) and text != CHECK_STOP_BUTTON and handover.contact == "chat"
        if text == CANCEL or says_stop:
            return [self._say("utter_handover_cancel_confirm", language)]
        if text == CANCEL_CONFIRMED:
            return await self._withdraw(handover, language)
        if text == KEEP_WAITING:
            return [self.waiting_answer(handover, language)]
        if is_button or handover.contact != "chat":
            return None  # topics and checks meanwhile; a phone or meeting request is not a chat
        await self._relay.from_user(handover, text, crisis)
        replies = []
        if crisis is not None:
            if "crisis_phrase" not in (handover.urgent_reasons or []):
                await self._handovers.mark_urgent(handover.id, "crisis_phrase")
                await self._relay.staff_event("escalated", handover)
            replies.append(await self._relay.assistant_line(
                handover, self._say(f"utter_crisis/{crisis}", language)))
        return replies + [self.waiting_answer(handover, language)]

    async def _withdraw(self, handover: Handover, language: str) -> list[Message]:
        try:
            closed = await self._handovers.close(handover.id, "user_withdrew")
        except HandoverError:
            return [self._say("utter_conversation_resumed", language)]
        await self._relay.note_for_worker(closed, "De gebruiker heeft het verzoek ingetrokken.")
        await self._relay.staff_event("closed", closed)
        log.info("handover_withdrawn region=%s", closed.region_id)
        return [self._say("utter_handover_withdrawn", language)]

    async def _confirm(self, conversation: str, current: Handover | None, reference: str,
                       language: str) -> list[Message]:
        found = await self._handovers.by_reference(reference)
        if found is None or found.status not in OPEN:
            log.info("handover_code_not_found")
            return [self._say("utter_handover_code_unknown", language)]
        if current is not None and found.id == current.id:
            return [self.waiting_answer(found, language) if found.status == "waiting"
                    else self._say("utter_conversation_resumed", language)]
        confirm = self._say("utter_handover_code_confirm", language, reference=found.reference,
                            organisation=self._organisation(found))
        confirm["buttons"] = [{**b, "payload": f"{RESUME} {found.reference}"} if b["payload"] == RESUME else b
                              for b in confirm["buttons"]]
        return [confirm]

    async def _resume(self, conversation: str, channel: str, reference: str,
                      language: str) -> list[Message]:
        found = await self._handovers.by_reference(reference)
        moved = None
        if found is not None and found.status in OPEN:
            moved = found if found.conversation_id == conversation else \
                await self._handovers.move(found.id, conversation, channel)
        if moved is None:
            return [self._say("utter_handover_code_unknown", language)]
        where = {"web": "de webchat", "telegram": "Telegram"}.get(channel, "de chat")
        await self._relay.note_for_worker(moved, f"De gebruiker is terug met de code, via {where}.")
        await self._relay.staff_event("resumed", moved)
        log.info("handover_resumed region=%s channel=%s", moved.region_id, channel)
        replies = [self._say("utter_handover_code_resumed", language, reference=moved.reference,
                             organisation=self._organisation(moved))]
        replies += [as_message(m) for m in await self._handovers.since(moved.id, 0)]
        if moved.status == "waiting":
            replies.append(self.waiting_answer(moved, language))
        return replies

    def waiting_answer(self, handover: Handover, language: str) -> Message:
        key, values = self._office(handover, language)
        return self._say(f"utter_handover_waiting_{key}", language, **values)

    def _office(self, handover: Handover, language: str) -> tuple[str, dict[str, Any]]:
        """("open" | "closed", the values its texts need): honest about office hours."""
        region = self._regions.regions.get(handover.region_id)
        now = datetime.now(timezone.utc)
        next_open = region.hours.next_open(now) if region else None
        if region is None or region.hours.is_open(now) or next_open is None:
            return "open", {"organisation": self._organisation(handover),
                            "response_minutes": self._response_minutes}
        return "closed", {"organisation": self._organisation(handover),
                          "next_open": describe(next_open, language, now), "reference": handover.reference}

    async def status(self, conversation: str, language: str) -> dict[str, str]:
        """The widget's status bar: waiting (who knows, when), live (with whom), or none."""
        handover = await self._handovers.open_for(conversation)
        if handover is None or (handover.status == "claimed" and not handover.live):
            return {"state": "none", "text": ""}
        if handover.live:
            worker = await self._handovers.worker_name(handover)
            text = self._say("utter_status_live", language, worker_name=worker or "",
                             organisation=self._organisation(handover))["text"]
            return {"state": "live", "text": text}
        key, values = self._office(handover, language)
        return {"state": "waiting", "text": self._say(f"utter_status_waiting_{key}", language, **values)["text"]}

    def _organisation(self, handover: Handover) -> str:
        region = self._regions.regions.get(handover.region_id)
        return region.organisation if region else ""

    def _say(self, key: str, language: str, **values: Any) -> Message:
        return render(self._store.require(key), language, self._store, values=values or None)
