"""The handover form: how the user wants to meet a PMW worker, asked as a table of questions.

The gemeente is found by the bot service (and its office hours said at once); the other answers
are read with actions/handover/answers.py. The phone number never reaches Rasa (the gateway
keeps it): the phone question only learns that one was given. Never logs an answer.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.bot_client import BotApiUnavailable, resolve_region
from actions.api.contract import (HANDOVER_AVAILABILITY_SLOT, HANDOVER_CALL_SAFETY_SLOT,
                                  HANDOVER_CANCELLED_SLOT, HANDOVER_CONSENT_SLOT, HANDOVER_CONTACT_SLOT,
                                  HANDOVER_LANGUAGE_SLOT, HANDOVER_PHONE_SLOT, LANGUAGE_SLOT,
                                  MUNICIPALITY_SLOT, NATIONAL, PHONE_SLOTS, REGION_SLOT, WITHHELD)
from actions.conversation_language import conversation_language
from actions.forms.reading import CANCEL, SKIP, control, refuses
from actions.forms.validation import Question, ReaderFormValidation, latest_intent
from actions.handover import answers

FORM = "handover_form"
NOT_UNDERSTOOD = "utter_handover_not_understood"
# Back to the chat: the worker writes here instead of calling.
TO_CHAT = {HANDOVER_CONTACT_SLOT: "chat"}

QUESTIONS: Dict[Text, Question] = {
    # Skipped: the chat, the default and the most anonymous way.
    HANDOVER_CONTACT_SLOT: Question(answers.contact, skipped=TO_CHAT, unclear_says=NOT_UNDERSTOOD),
    HANDOVER_PHONE_SLOT: Question(
        answers.phone, skipped={HANDOVER_PHONE_SLOT: WITHHELD, **TO_CHAT},
        skipped_says="utter_handover_phone_skipped", unclear_says="utter_handover_phone_invalid"),
    # Skipped: the worker is told to leave no trace.
    HANDOVER_CALL_SAFETY_SLOT: Question(answers.call_safety, unclear_says=NOT_UNDERSTOOD, special={
        answers.NO_CALL: ({HANDOVER_CALL_SAFETY_SLOT: WITHHELD, HANDOVER_PHONE_SLOT: WITHHELD, **TO_CHAT},
                          "utter_handover_call_safety_chat")}),
    HANDOVER_AVAILABILITY_SLOT: Question(answers.availability, unclear_says=NOT_UNDERSTOOD),
    # A language the list does not know is not asked again: the worker asks.
    HANDOVER_LANGUAGE_SLOT: Question(answers.language, unclear_says=None),
    # Sharing needs a clear yes; "no" and a skip: the worker starts without.
    HANDOVER_CONSENT_SLOT: Question(
        answers.consent, skipped={HANDOVER_CONSENT_SLOT: False}, unclear_says=NOT_UNDERSTOOD,
        intents={"affirm": "yes", "deny": "no"},
        special={"yes": ({HANDOVER_CONSENT_SLOT: True}, None), "no": ({HANDOVER_CONSENT_SLOT: False}, None)}),
}


class ValidateHandoverForm(ReaderFormValidation):
    """Turns each answer into its slot value. An answer counts only for the question asked: values
    left by an interrupted earlier form are asked again (they are offered again at activation),
    except the gemeente, which is kept for the next handover."""

    form = FORM
    questions = QUESTIONS
    cancelled_slot = HANDOVER_CANCELLED_SLOT
    kept = frozenset({MUNICIPALITY_SLOT})

    def may_interrupt(self, asked: Text, intent: Text) -> bool:
        # Naming a language answers the question about the worker's language.
        return super().may_interrupt(asked, intent) and not (
            intent == "change_language" and asked == HANDOVER_LANGUAGE_SLOT)

    async def understands(self, asked: Text, answer: Text) -> bool:
        if asked != MUNICIPALITY_SLOT:
            return await super().understands(asked, answer)
        if control(answer) or refuses(answer):
            return True
        try:
            return (await resolve_region(answer)).get("gemeente") is not None
        except BotApiUnavailable:
            return False

    def is_plain_answer(self, asked: Text, answer: Text) -> bool:
        # A gemeente is found only when the whole message is its name.
        return asked == MUNICIPALITY_SLOT or super().is_plain_answer(asked, answer)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        required = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot(HANDOVER_CONTACT_SLOT) == "phone":
            return required
        return [slot for slot in required if slot not in PHONE_SLOTS]

    async def answer(self, slot: Text, value: Any, asked: Optional[Text], tracker: Tracker,
                     dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        if slot == MUNICIPALITY_SLOT and asked == MUNICIPALITY_SLOT:
            return await self._municipality(str(value or ""), tracker, dispatcher)
        found = await super().answer(slot, value, asked, tracker, dispatcher)
        if slot == HANDOVER_LANGUAGE_SLOT and asked == slot:
            # Naming a language here answers the question about the worker; it must not also
            # switch this chat (the `language` slot maps a named language whatever the form asks).
            before = language_before_latest_message(tracker)
            if tracker.get_slot(LANGUAGE_SLOT) != before:
                found[LANGUAGE_SLOT] = before
        return found

    async def _municipality(self, text: Text, tracker: Tracker,
                            dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """The gemeente's name and region; skipped or unknown to the service: the national team."""
        national = {MUNICIPALITY_SLOT: WITHHELD, REGION_SLOT: NATIONAL}
        said = control(text)
        if said == CANCEL:
            return {MUNICIPALITY_SLOT: None, HANDOVER_CANCELLED_SLOT: True}
        if said == SKIP or text.strip() == WITHHELD or refuses(text):
            return national
        try:
            found = await resolve_region(text)
        except BotApiUnavailable:
            return national
        if found.get("gemeente") is None:
            if latest_intent(tracker) == "deny":
                return national
            dispatcher.utter_message(response="utter_municipality_not_found")
            return {MUNICIPALITY_SLOT: None}
        region = found["region"]
        if region["id"] != NATIONAL:
            dispatcher.utter_message(**region_found(region, conversation_language(tracker)))
        return {MUNICIPALITY_SLOT: found["gemeente"]["name"], REGION_SLOT: region["id"]}


def region_found(region: Dict[Text, Any], language: Text) -> Dict[Text, Any]:
    """The gemeente's organisation, and whether it is open now or when it opens (before the
    form ends, so nobody waits for a reply at night without knowing)."""
    said = {"organisation": region.get("organisation") or "", "region_name": region.get("name") or ""}
    next_open = (region.get("next_open") or {}).get(language)
    if region.get("office_open") is True:
        return {"response": "utter_handover_region_found_open", **said}
    if region.get("office_open") is False and next_open and next_open != WITHHELD:
        return {"response": "utter_handover_region_found_closed", "next_open": next_open, **said}
    return {"response": "utter_handover_region_found", **said}


def language_before_latest_message(tracker: Tracker) -> Optional[Text]:
    """The chat language as it was before the user's latest message."""
    events = list(tracker.events)
    last_user = max((i for i, event in enumerate(events) if event.get("event") == "user"), default=0)
    value = None
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            value = event.get("value")
    return value
