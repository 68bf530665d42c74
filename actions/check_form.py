"""What the guided checks' forms share: starting a check from its button, reading each
answer with a word list, skipping, stopping, and stepping aside for a crisis or the menu.

The check's own module says which slots it asks and what the result is; this module never
decides advice. Like the handover form, the validator decides what is an answer (no not_intent
in domain.yml: the classifier files plain answers such as "Kan beter" under other intents).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import check_answers as answers
from actions.checks.scan import SCAN_SLOTS
from actions.handover import CRISIS_INTENT, INTERRUPTIONS, latest_intent

WITHHELD = "-"
CANCELLED_SLOT = "check_cancelled"
INCOME_SLOTS = ("income_age", "income_registered", "income_work", "income_household", "income_savings")
DEBT_SLOTS = ("debt_kinds", "debt_bailiff", "debt_threat", "debt_attachment")
HOUSING_SLOTS = ("housing_situation", "housing_safe", "housing_leaving", "housing_registered", "housing_seeker")
STOPPING_SLOTS = ("stop_work", "stop_status", "stop_income", "stop_btw", "stop_books")
# Which intro a check starts with and which slots it asks (asked again at every start).
# A crisis beats an answer unless the message is nothing more than an answer. One more word than
# the handover allows: the scan's own button "Ik maak me zorgen" has four, and the classifier may
# well call it a crisis.
MAX_PLAIN_ANSWER_WORDS = 4
CHECKS: Dict[Text, tuple] = {
    "income": ("utter_income_check_intro", INCOME_SLOTS),
    "debt": ("utter_debt_check_intro", DEBT_SLOTS),
    "housing": ("utter_housing_check_intro", HOUSING_SLOTS),
    "stopping": ("utter_stopping_check_intro", STOPPING_SLOTS),
    "scan": ("utter_scan_intro", SCAN_SLOTS),
}


class ActionStartCheck(Action):
    """Says the check's intro and clears what an earlier run left, including the `check` slot
    itself, so a later typed question about benefits gets the plain answer again."""

    def name(self) -> Text:
        return "action_start_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intro, slots = CHECKS.get(tracker.get_slot("check") or "", (None, ()))
        if intro:
            dispatcher.utter_message(response=intro)
        return ([SlotSet("check", None), SlotSet(CANCELLED_SLOT, None)]
                + [SlotSet(slot, None) for slot in slots])


class CheckFormValidation(FormValidationAction):
    """Reads every asked slot with READERS[slot]: a value, "-" for a skip, a stop ends the form.
    Subclasses set `form` and `readers`."""

    form: Text = ""
    readers: Dict[Text, Callable[[str], Optional[str]]] = {}
    not_understood: Text = "utter_check_not_understood"

    def name(self) -> Text:
        return f"validate_{self.form}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        asked = tracker.get_slot("requested_slot")
        answer = tracker.slots_to_validate().get(asked) if asked else None
        if isinstance(answer, str) and self._interrupts(asked, answer, tracker):
            # The raw text must not stay in the slot; the rejection lets the rule run.
            return [SlotSet(asked, None), ActionExecutionRejected(self.form)]
        return await super().run(dispatcher, tracker, domain)

    def _interrupts(self, asked: Text, answer: Text, tracker: Tracker) -> bool:
        intent = latest_intent(tracker)
        if intent not in INTERRUPTIONS:
            return False
        read = self.readers.get(asked)
        understood = read is not None and read(answer) is not None
        if intent == CRISIS_INTENT and understood:
            # A crisis beats an answer unless the message is nothing more than an answer.
            return len(answers.words(answer)) > MAX_PLAIN_ANSWER_WORDS
        return not understood

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot(CANCELLED_SLOT):
            return []  # requested_slot becomes None: the form ends, the result action says so
        return domain_slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """One reader per slot instead of a validate_<slot> method each."""
        found: Dict[Text, Any] = {}
        asked = tracker.get_slot("requested_slot")
        for slot, value in tracker.slots_to_validate().items():
            if slot in self.readers:
                found.update(self.read(slot, value, asked, dispatcher))
        tracker.slots.update(found)
        return [SlotSet(name, value) for name, value in found.items()]

    def read(self, slot: Text, value: Any, asked: Optional[Text],
             dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        if asked != slot:
            return {slot: None}  # left by an interrupted earlier run: asked again
        said = self.readers[slot](str(value or ""))
        if said == answers.CANCEL:
            return {slot: None, CANCELLED_SLOT: True}
        if said == answers.SKIP:
            return {slot: WITHHELD}
        if said is None:
            dispatcher.utter_message(response=self.not_understood)
        return {slot: said}
