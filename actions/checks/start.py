"""action_start_check: a check button (`{"check": "income"}`) starts the check's form; this action
says its intro first and clears what an earlier run left. Never decides advice.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.contract import CHECK_CANCELLED_SLOT, CHECK_SLOT, CHECK_SLOTS

# The response each check starts with.
INTROS = {"income": "utter_income_check_intro", "debt": "utter_debt_check_intro",
          "housing": "utter_housing_check_intro", "stopping": "utter_stopping_check_intro",
          "scan": "utter_scan_intro"}


class ActionStartCheck(Action):
    """Says the check's intro and clears what an earlier run left, including the `check` slot
    itself, so a later typed question about benefits gets the plain answer again."""

    def name(self) -> Text:
        return "action_start_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        check = tracker.get_slot(CHECK_SLOT) or ""
        if check in INTROS:
            dispatcher.utter_message(response=INTROS[check])
        return ([SlotSet(CHECK_SLOT, None), SlotSet(CHECK_CANCELLED_SLOT, None)]
                + [SlotSet(slot, None) for slot in CHECK_SLOTS.get(check, ())])
