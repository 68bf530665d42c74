"""The life-domain scan's conversation: the form's validation, the overview with the worried
domains first, and the offer to share it with a PMW worker.

The ratings stay in their slots after the overview, so a handover the user then asks for can
carry them; they leave only with the handover's consent (actions/handover/request.py) and are
cleared when a new scan starts or a handover took them along. Never logs the ratings.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.contract import CHECK_CANCELLED_SLOT, SCAN_SLOTS
from actions.checks.form import CheckFormValidation, questions_of
from actions.checks.result import say_list
from actions.checks.scan.decision import ordered, ratings


class ValidateScanForm(CheckFormValidation):
    form = "scan_form"
    questions = questions_of("scan")


def overview(rated: Dict[Text, Text]) -> Dict[str, Any]:
    """The overview as a list of codes: a line per domain that needs a step, with its rating's
    words (utter_scan_rating_<rating>)."""
    return {"heading": "utter_scan_overview", "amounts": {}, "numbered": False,
            "items": [{"key": f"utter_scan_step_{domain}", "texts": {"rating": f"utter_scan_rating_{rating}"}}
                      for domain, rating in ordered(rated)]}


class ActionScanResult(Action):
    """Says the overview and offers to share it; after "stop" says nothing was kept."""

    def name(self) -> Text:
        return "action_scan_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot(CHECK_CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_check_cancelled")
            return [SlotSet(slot, None) for slot in SCAN_SLOTS + (CHECK_CANCELLED_SLOT,)]
        listed = overview(ratings(tracker.get_slot))
        if listed["items"]:
            say_list(dispatcher, listed)
        else:
            dispatcher.utter_message(response="utter_scan_all_fine")
        dispatcher.utter_message(response="utter_scan_offer")
        return []
