"""What every guided check's result action does: fetch the rules, let the check's
decision logic advise, and say the advice as short lists built from content, each list in one
bubble (a long one goes on in the next, without repeating the list's heading). The scan has its
own overview (actions/scan.py).

Texts are utter_<check>_<kind>_<code> in data/content/checks.yml, said inside the responses
utter_<check>_first|options|steps|notes; amounts come with their year (careful wording once it
has passed). Without the bot service the result still comes, only without amounts. Never logs
the answers.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import check_texts as texts
from actions.api.bot_client import BotApiUnavailable, get_rules
from actions.check_form import CANCELLED_SLOT, WITHHELD
from actions.checks.advice import Advice, careful_amount, urgent_codes
from actions.conversation_language import conversation_language

log = logging.getLogger(__name__)

# A list's share of a bubble (600) when the response's own words ("Goed om te weten:") are not
# known; otherwise the list gets what they leave (texts.room).
LIST_LIMIT = 550
# Set when a check found something that cannot wait, to its reason codes; the handover the user
# asks for next is marked urgent and says why (actions/handover.py).
URGENT_SLOT = "urgent_need"
# (kind of entry, the response utter_<check>_<placeholder> that lists them, numbered), in the
# order the result is said.
KINDS: Tuple[Tuple[str, str, bool], ...] = (
    ("first", "first", False), ("option", "options", False), ("step", "steps", True),
    ("note", "notes", False))


def answer(tracker: Tracker, slot: Text) -> Optional[str]:
    """A slot's answer; a skip ("-") counts as not said."""
    found = tracker.get_slot(slot)
    return None if found in (None, WITHHELD) else found


def result_lists(check: str, advice: Advice, language: str,
                 this_year: Optional[int] = None) -> List[Tuple[str, str, List[str], bool]]:
    """(response, placeholder, item texts, numbered) per kind the advice has. An item whose amount
    is unknown (service down) falls back to its `_no_amount` entry, or is left out."""
    year = this_year or date.today().year
    values = {name: careful_amount(rule, language, year) for name, rule in advice.values.items()}
    codes = {"first": advice.first, "option": advice.options, "step": advice.steps, "note": advice.notes}
    found = []
    for kind, placeholder, numbered in KINDS:
        lines = []
        for code in codes[kind]:
            key = f"utter_{check}_{kind}_{code}"
            text = texts.item(key, language, values) or texts.item(f"{key}_no_amount", language)
            if text:
                lines.append(text)
        if lines:
            found.append((f"utter_{check}_{placeholder}", placeholder, lines, numbered))
    return found


def say_list(dispatcher: CollectingDispatcher, response: str, placeholder: str, lines: List[str],
             numbered: bool, language: str) -> None:
    """One list: its heading once, in the first bubble; a long list goes on in bubbles without a
    heading (texts.CONTINUED), the numbering running on."""
    parts = texts.chunks(lines, numbered, texts.room(response, placeholder, language, LIST_LIMIT),
                         texts.room(texts.CONTINUED, texts.CONTINUED_PLACEHOLDER, language, LIST_LIMIT))
    for index, part in enumerate(parts):
        if index == 0:
            dispatcher.utter_message(response=response, **{placeholder: part})
        else:
            dispatcher.utter_message(response=texts.CONTINUED, **{texts.CONTINUED_PLACEHOLDER: part})


class CheckResult(Action):
    """Subclasses set `check` and `slots` and turn the slots into advice."""

    check: Text = ""
    slots: Tuple[Text, ...] = ()

    def name(self) -> Text:
        return f"action_{self.check}_check_result"

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in self.slots + (CANCELLED_SLOT,)]
        if tracker.get_slot(CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_check_cancelled")
            return reset
        try:
            rules = await get_rules()
        except BotApiUnavailable as error:
            log.warning("check_rules_unavailable check=%s reason=%s", self.check, error)
            rules = {}  # the advice stays right, only the amounts are left out
        advice = self.advise(tracker, rules)
        language = conversation_language(tracker)
        await texts.refresh(language)
        for response, placeholder, lines, numbered in result_lists(self.check, advice, language):
            say_list(dispatcher, response, placeholder, lines, numbered, language)
        if advice.urgent:
            dispatcher.utter_message(response=f"utter_{self.check}_check_urgent_end")
            earlier = tracker.get_slot(URGENT_SLOT)
            return reset + [SlotSet(URGENT_SLOT, urgent_codes(self.check, advice, earlier))]
        dispatcher.utter_message(response=f"utter_{self.check}_check_end")
        return reset
