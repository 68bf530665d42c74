"""What every guided check's result action does: fetch the rules, let the check's decision logic
advise, and have the advice said as short lists, each list in as few bubbles as it needs.

The actions send codes (the entries utter_<check>_<kind>_<code> of data/content/checks.yml and
the rules whose amounts they name); the bot service's NLG endpoint says them in the
conversation's language, joins them and splits a long list into bubbles (bot/content/check_lists.py).
Without the rules the result still comes, only without amounts. Never logs the answers.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.bot_client import BotApiUnavailable, get_rules
from actions.api.contract import (CHECK_CANCELLED_SLOT, CHECK_LIST_ARGUMENT, CHECK_LIST_CONTINUED,
                                  CHECK_LIST_PART_ARGUMENT, CHECK_SLOTS, URGENT_NEED_SLOT, WITHHELD)
from actions.checks.advice import Advice, urgent_codes

log = logging.getLogger(__name__)

# (kind of entry, the response utter_<check>_<placeholder> that lists them, numbered), in the
# order the result is said.
KINDS: Tuple[Tuple[str, str, bool], ...] = (
    ("first", "first", False), ("option", "options", False), ("step", "steps", True),
    ("note", "notes", False))


def answer(tracker: Tracker, slot: Text) -> Optional[str]:
    """A slot's answer; a skip ("-") counts as not said."""
    found = tracker.get_slot(slot)
    return None if found in (None, WITHHELD) else found


def result_lists(check: str, advice: Advice) -> List[Dict[str, Any]]:
    """The advice as lists of codes, one per kind it has (see CHECK_LIST_ARGUMENT)."""
    codes = {"first": advice.first, "option": advice.options, "step": advice.steps, "note": advice.notes}
    return [{"heading": f"utter_{check}_{placeholder}",
             "items": [{"key": f"utter_{check}_{kind}_{code}"} for code in codes[kind]],
             "amounts": dict(advice.amounts), "numbered": numbered}
            for kind, placeholder, numbered in KINDS if codes[kind]]


def say_list(dispatcher: CollectingDispatcher, check_list: Dict[str, Any]) -> None:
    """The list's heading, then a continuation for every further bubble it might need: each item
    fits in a bubble, so never more bubbles than items. The NLG endpoint says nothing for a
    continuation the list does not fill."""
    for part in range(1, len(check_list["items"]) + 1):
        response = check_list["heading"] if part == 1 else CHECK_LIST_CONTINUED
        dispatcher.utter_message(response=response, **{CHECK_LIST_ARGUMENT: check_list,
                                                      CHECK_LIST_PART_ARGUMENT: part})


class CheckResult(Action):
    """Subclasses set `check` and turn the slots into advice."""

    check: Text = ""

    def name(self) -> Text:
        return f"action_{self.check}_check_result"

    def advise(self, tracker: Tracker, rules: Dict[str, Dict[str, Any]]) -> Advice:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in CHECK_SLOTS[self.check] + (CHECK_CANCELLED_SLOT,)]
        if tracker.get_slot(CHECK_CANCELLED_SLOT):
            dispatcher.utter_message(response="utter_check_cancelled")
            return reset
        try:
            rules = await get_rules()
        except BotApiUnavailable as error:
            log.warning("check_rules_unavailable check=%s reason=%s", self.check, error)
            rules = {}  # the advice stays right, only the amounts are left out
        advice = self.advise(tracker, rules)
        for check_list in result_lists(self.check, advice):
            say_list(dispatcher, check_list)
        if advice.urgent:
            dispatcher.utter_message(response=f"utter_{self.check}_check_urgent_end")
            earlier = tracker.get_slot(URGENT_NEED_SLOT)
            return reset + [SlotSet(URGENT_NEED_SLOT, urgent_codes(self.check, advice, earlier))]
        dispatcher.utter_message(response=f"utter_{self.check}_check_end")
        return reset
