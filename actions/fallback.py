"""Stage one of the two-stage fallback: offer the likeliest topics as buttons.

Replaces Rasa's default "Did you mean ...?" question. The texts and buttons come from the content
store (utter_ask_affirmation); this action only says which topics to show, best first.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# Intents that are not topics a user could pick from a list.
NOT_TOPICS = {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny",
              "change_language", "bot_challenge", "crisis"}
MAX_SUGGESTIONS = 3


class ActionSuggestTopics(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        suggestions = [i["name"] for i in ranking if i.get("name") not in NOT_TOPICS]
        dispatcher.utter_message(response="utter_ask_affirmation",
                                 suggestions=suggestions[:MAX_SUGGESTIONS])
        return []
