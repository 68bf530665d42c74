"""The life-domain scan's conversation: the form's validation, the overview with the
worried domains first, and the offer to share it with a PMW worker.

The ratings stay in their slots after the overview, so a handover the user then asks for can
carry them; they leave only with the handover's consent (actions/handover.py) and are cleared
when a new scan starts or a handover took them along. Never logs the ratings.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import check_answers as answers
from actions import check_texts as texts
from actions.check_form import CANCELLED_SLOT, CheckFormValidation
from actions.check_result import say_list
from actions.checks.scan import SCAN_SLOTS, ordered, ratings
from actions.conversation_language import conversation_language

FORM = "scan_form"


class ValidateScanForm(CheckFormValidation):
    form = FORM
    readers = {slot: answers.rating for slot in SCAN_SLOTS}


def overview_lines(ratings: Dict[Text, Text], language: str) -> List[str]:
    lines = []
    for domain, rating in ordered(ratings):
        label: Optional[str] = texts.item(f"utter_scan_rating_{rating}", language)
        line = texts.item(f"utter_scan_step_{domain}", language, {"rating": label or rating})
        if line:
            lines.append(line)
    return lines


class ActionScanResult(Action):
    """Says the overview and offers to share it; after "stop" says nothing was kept."""

    def name(self) -> Text:
        return "action_scan_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot(CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_check_cancelled")
            return [SlotSet(slot, None) for slot in SCAN_SLOTS + (CANCELLED_SLOT,)]
        language = conversation_language(tracker)
        await texts.refresh(language)
        lines = overview_lines(ratings(tracker.get_slot), language)
        say_list(dispatcher, "utter_scan_overview", "overview", lines, False, language)
        if not lines:
            dispatcher.utter_message(response="utter_scan_all_fine")
        dispatcher.utter_message(response="utter_scan_offer")
        return []
