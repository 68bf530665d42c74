"""The region form: which gemeente, so we can say which exit programme works there.

The typed answer goes to the bot service's internal API to be matched; only the canonical
gemeente name and the region id are kept in slots. "I'd rather not say" is a real answer.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.bot_client import BotApiUnavailable, resolve_region

WITHHELD = "-"
NATIONAL = "national"


class ValidateRegionForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_region_form"

    async def validate_municipality(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not isinstance(value, str) or value.strip() == WITHHELD:
            return {"municipality": WITHHELD, "region": NATIONAL}
        try:
            found = await resolve_region(value)
        except BotApiUnavailable:
            return {"municipality": WITHHELD, "region": NATIONAL}
        if found.get("gemeente") is None:
            dispatcher.utter_message(response="utter_municipality_not_found")
            return {"municipality": None}
        return {"municipality": found["gemeente"]["name"], "region": found["region"]["id"]}


class ActionRegionContact(Action):
    """Says which organisation runs the exit programme in the user's region, and how to go on."""

    def name(self) -> Text:
        return "action_region_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        municipality = tracker.get_slot("municipality") or WITHHELD
        try:
            region = (await resolve_region(municipality))["region"]
        except BotApiUnavailable:
            region = {"id": NATIONAL}
        if region["id"] == NATIONAL:
            dispatcher.utter_message(response="utter_region_contact_national")
        else:
            dispatcher.utter_message(response="utter_region_contact", organisation=region["organisation"],
                                     region_name=region["name"], office_hours=region["office_hours"])
        return [SlotSet("region", region["id"])]
