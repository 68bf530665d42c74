"""Help lines and help nearby: the number asked for, or the organisation of the region the user
names ("hulp in Rotterdam"), from the regions the bot service serves. Never logs the text.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api.bot_client import BotApiUnavailable, find_region_in
from actions.api.contract import NATIONAL

NEARBY = "ask_helpline/nearby"
OVERVIEW = "ask_helpline/overview"


def chosen_answer(tracker: Tracker) -> Text:
    """The sub-answer the NLU chose for ask_helpline (rasa_ext/retrieval_consistency.py)."""
    selector = (tracker.latest_message.get("response_selector") or {}).get("default") or {}
    key = str((selector.get("response") or {}).get("intent_response_key") or "")
    return key if key.startswith("ask_helpline/") else OVERVIEW


class ActionAnswerHelpline(Action):
    def name(self) -> Text:
        return "action_answer_helpline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        key = chosen_answer(tracker)
        if key == NEARBY:
            region = await self._region_named(str(tracker.latest_message.get("text") or ""))
            if region is not None:
                dispatcher.utter_message(response="utter_helpline_region",
                                         region=region["name"], organisation=region["organisation"])
                return []
        dispatcher.utter_message(response=f"utter_{key}")
        return []

    @staticmethod
    async def _region_named(text: str) -> Dict[str, Any] | None:
        """The region of the gemeente the text names; None for none, or for the national team
        (then the general answer, which offers the handover, says it better)."""
        try:
            found = await find_region_in(text)
        except BotApiUnavailable:
            return None
        region = found.get("region") or {}
        if found.get("gemeente") is None or region.get("id") == NATIONAL:
            return None
        return region
