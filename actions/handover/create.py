"""action_create_handover: sends the form's answers to the bot service and says honestly what
happens next (when a worker joins, or when the organisation opens, and how to call them).

Never logs the answers; a refused or failed request still tells the user whom to call.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.bot_client import BotApiRefused, BotApiUnavailable, create_handover
from actions.api.contract import (HANDOVER_CANCELLED_SLOT, HANDOVER_FORM_SLOTS, MUNICIPALITY_SLOT,
                                  REGION_SLOT, SCAN_SLOTS, URGENT_NEED_SLOT, WITHHELD)
from actions.conversation_language import conversation_language
from actions.handover.request import handover_request

log = logging.getLogger(__name__)

# Asked again at every handover; `municipality` and `region` are kept for the next one.
HANDOVER_SLOTS = tuple(slot for slot in HANDOVER_FORM_SLOTS if slot != MUNICIPALITY_SLOT) + (
    HANDOVER_CANCELLED_SLOT,)
# What a phone handover's confirmation says, by what is safe (skipped: no voicemail, no text).
CREATED_PHONE = {"voicemail_ok": "utter_handover_created_phone",
                 "no_voicemail": "utter_handover_created_phone_no_voicemail",
                 "text_only": "utter_handover_created_phone_text_only",
                 WITHHELD: "utter_handover_created_phone_no_voicemail"}


class ActionCreateHandover(Action):
    """Sends the form's answers to the bot service and says honestly what happens next."""

    def name(self) -> Text:
        return "action_create_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in HANDOVER_SLOTS]
        if tracker.get_slot(HANDOVER_CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_handover_cancelled")
            return reset
        request = handover_request(tracker)
        try:
            answer = await create_handover(request)
            reference, region = str(answer["reference"]), dict(answer["region"])
        except BotApiRefused as refused:
            # Too many requests from this conversation or connection lately: no retry button, but
            # whom to call and the safety lines.
            log.warning("handover_refused")
            dispatcher.utter_message(**refused_answer(refused.details.get("region")))
            return reset
        except (BotApiUnavailable, KeyError, TypeError, ValueError) as error:
            log.warning("handover_not_created reason=%s", type(error).__name__)
            dispatcher.utter_message(response="utter_handover_failed")
            return reset
        organisation = region.get("organisation") or ""
        if request["contact"] == "phone":
            # Said back as the worker reads it (bot/staff/pages.py LABELS["call_safety"]).
            created = CREATED_PHONE.get(request["call_safety"], CREATED_PHONE[WITHHELD])
            dispatcher.utter_message(response=created, reference=reference, organisation=organisation)
            dispatcher.utter_message(**call_yourself(region, reference))
        elif request["contact"] == "meeting":
            dispatcher.utter_message(response="utter_handover_created_meeting",
                                     reference=reference, organisation=organisation)
        elif answer.get("office_open"):
            dispatcher.utter_message(response="utter_handover_created_chat_open", reference=reference,
                                     organisation=organisation,
                                     response_minutes=answer.get("response_minutes"))
        else:
            language = conversation_language(tracker)
            next_open = (answer.get("next_open") or {}).get(language)
            if next_open and next_open != WITHHELD:
                dispatcher.utter_message(response="utter_handover_created_chat_closed",
                                         reference=reference, organisation=organisation,
                                         next_open=next_open)
            else:
                dispatcher.utter_message(response="utter_handover_created_chat_later",
                                         reference=reference, organisation=organisation)
        # The service may know of more (a crisis phrase only the gateway caught).
        if request["urgent"] or answer.get("urgent") is True:
            dispatcher.utter_message(response="utter_handover_urgent")
        region_id = region.get("id")
        # A scan that went along is done; one not shared stays for a later handover.
        shared = [SlotSet(slot, None) for slot in SCAN_SLOTS] if "scan" in request else []
        # What made it urgent went along; a cancelled handover keeps it for the next try.
        done = [SlotSet(URGENT_NEED_SLOT, None)]
        return reset + shared + done + ([SlotSet(REGION_SLOT, region_id)] if region_id else [])


def refused_answer(region: Any) -> Dict[Text, Any]:
    """A refused request: the organisation's public contact details when the region has them."""
    region = region if isinstance(region, dict) else {}
    contact = str(region.get("contact") or "").strip()
    if contact:
        return {"response": "utter_handover_refused", "organisation": region.get("organisation") or "",
                "contact": contact}
    return {"response": "utter_handover_refused_gemeente"}


def call_yourself(region: Dict[Text, Any], reference: Text) -> Dict[Text, Any]:
    """How to call them yourself: the organisation's public contact details from
    data/regions.yml, or else the way the content names (the gemeente), never a made-up number."""
    contact = str(region.get("contact") or "").strip()
    if contact:
        return {"response": "utter_handover_call_organisation", "reference": reference,
                "organisation": region.get("organisation") or "", "contact": contact}
    return {"response": "utter_handover_call_gemeente", "reference": reference}
