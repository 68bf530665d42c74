"""The handover form's phone question (Rasa runs action_ask_<slot> when it exists): first tells
the gateway that the next message is the number, so the gateway keeps it encrypted for the
handover and Rasa never sees it, then asks.

Never sees or logs a number.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.api.bot_client import BotApiUnavailable, expect_phone

log = logging.getLogger(__name__)

QUESTION = "utter_ask_handover_phone"


class ActionAskHandoverPhone(Action):
    def name(self) -> Text:
        return "action_ask_handover_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            await expect_phone(tracker.sender_id)
        except BotApiUnavailable as error:
            # Still asked: the gateway then takes a number out of the message like any other
            # (bot/privacy/redactor.py), so it reaches neither Rasa nor the worker, and the
            # handover request after the form meets the same unavailable service.
            log.warning("expect_phone_failed reason=%s", error)
        dispatcher.utter_message(response=QUESTION)
        return []
