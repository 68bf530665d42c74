"""The answer to "I want to stop": the exit path, unless the conversation was about the business.

Right after questions about stopping as self-employed (KvK, btw, ...), a bare "ik wil stoppen" may
mean the business: then the user is asked which stop they mean, with a button for each. Anything
that names the work itself, and every button, gets the exit path at once. Never logs the text.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

BUSINESS_INTENT = "ask_stop_business"
# Words that say the message is about the work itself, not about a business registration.
NAMES_THE_WORK = re.compile(
    r"\b(sekswerk|seks|sex|prostitu\w*|raam|ramen|window|club|escort\w*|privehuis|"
    r"privéhuis|webcam|cam|klanten|clients?|werk|job|work|working|branche|leven|life|uitstappen|"
    r"eruit|get out|quit)\b",
    re.IGNORECASE,
)


def previous_user_intent(tracker: Tracker) -> Optional[Text]:
    """The top-level intent of the user's message before the latest one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    name = ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return str(name).split("/")[0] if name else None


def means_the_business(tracker: Tracker) -> bool:
    text = str(tracker.latest_message.get("text") or "")
    if text.startswith("/"):
        return False  # a button said which stop it is
    return previous_user_intent(tracker) == BUSINESS_INTENT and not NAMES_THE_WORK.search(text)


class ActionWantToStop(Action):
    def name(self) -> Text:
        return "action_want_to_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if means_the_business(tracker):
            dispatcher.utter_message(response="utter_want_to_stop_which")
        else:
            dispatcher.utter_message(response="utter_want_to_stop")
            dispatcher.utter_message(response="utter_want_to_stop_next")
        return []
