"""The language an action speaks in: the one the gateway decided for the latest message.

The gateway follows the language of each message (bot/gateway/conversations.py) and sends it as
the message's metadata; the NLG endpoint answers in it. An action that picks a text itself (the
handover's opening times) must use the same one. Rasa's `language` slot is the fallback (tests,
an old gateway).
"""
from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

from actions.api.contract import DEFAULT_LANGUAGE, LANGUAGE_SLOT, LANGUAGES


def conversation_language(tracker: Tracker) -> Text:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            said = (event.get("metadata") or {}).get("language")
            if said in LANGUAGES:
                return said
            break
    slot = tracker.get_slot(LANGUAGE_SLOT)
    return slot if slot in LANGUAGES else DEFAULT_LANGUAGE
