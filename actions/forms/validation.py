"""What every form of the assistant does with an answer: read it with the question's reader, set
what a skip, a stop or an unclear answer means, and step aside when the message is not an
answer but a crisis, the menu, a new handover request, a language switch or "forget me".

The handover form and the guided checks are tables of `Question`s over this one class; they never
decide here what an answer means. The validator, not a not_intent in domain.yml, decides what is an
answer: the classifier files plain answers under other intents ("Bellen" under request_handover,
"Hier in de chat" under ask_capabilities, "'s Avonds" under crisis). Never logs an answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.contract import PHONE_PLACEHOLDER, REQUESTED_SLOT, WITHHELD
from actions.forms.reading import CANCEL, SKIP, words

CRISIS_INTENT = "crisis"
# Intents with their own rule inside a form (data/rules/): a message the question does not
# understand that has one of these is not an answer, and the form steps aside for the rule.
INTERRUPTIONS = frozenset({CRISIS_INTENT, "request_handover", "ask_capabilities", "change_language",
                           "forget_me"})
# A crisis beats an answer unless the message is nothing more than an answer: the safety lines
# once too often cost far less than once too few. A pressed reply button must always count as an
# answer, and the longest has five words ("Ja, binnen een paar dagen"; tests/actions/test_forms.py
# pins every button within this). The gateway's own crisis phrases still answer a clear crisis
# with the safety lines before Rasa is asked.
MAX_PLAIN_ANSWER_WORDS = 5

Reader = Callable[[str], Optional[str]]


@dataclass(frozen=True)
class Question:
    """One question of a form: how its answer is read, and what each kind of answer sets and says.

    `read` returns the slot value, SKIP, CANCEL or None (not understood)."""

    read: Reader
    # Slot values for a skip (default: the slot holds WITHHELD), and what is said then.
    skipped: Optional[Mapping[str, Any]] = None
    skipped_says: Optional[str] = None
    # Said when the answer is not understood, and the question is asked again. None: an unclear
    # answer counts as a skip.
    unclear_says: Optional[str] = "utter_check_not_understood"
    # An unclear answer whose intent is one of these means that answer ({"affirm": "yes"}).
    intents: Mapping[str, str] = field(default_factory=dict)
    # Answers that mean more than their value: {answer: (slot values, response said or None)}.
    special: Mapping[str, Tuple[Mapping[str, Any], Optional[str]]] = field(default_factory=dict)


def latest_intent(tracker: Tracker) -> Text:
    """The top-level intent the NLU chose for the latest message ("crisis" for "crisis/danger")."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "").split("/")[0]


class ReaderFormValidation(FormValidationAction):
    """Validates a form from its table of questions. Subclasses set `form`, `questions` and
    `cancelled_slot` (set to True when a stop ends the form); `kept` names slots an earlier run
    may have filled that stay (all others left by an interrupted run are asked again)."""

    form: Text = ""
    questions: Dict[Text, Question] = {}
    cancelled_slot: Text = ""
    kept: FrozenSet[Text] = frozenset()

    def name(self) -> Text:
        return f"validate_{self.form}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        answer = tracker.slots_to_validate().get(asked) if asked else None
        if isinstance(answer, str) and await self.interrupts(asked, answer, tracker):
            # The raw text must not stay in the slot; the rejection lets the rule run.
            return [SlotSet(asked, None), ActionExecutionRejected(self.form)]
        return await super().run(dispatcher, tracker, domain)

    async def interrupts(self, asked: Text, answer: Text, tracker: Tracker) -> bool:
        """The message is not an answer to `asked` but something with its own rule."""
        intent = latest_intent(tracker)
        if not self.may_interrupt(asked, intent):
            return False
        understood = await self.understands(asked, answer)
        if intent == CRISIS_INTENT and understood:
            return not self.is_plain_answer(asked, answer)
        return not understood

    def may_interrupt(self, asked: Text, intent: Text) -> bool:
        return intent in INTERRUPTIONS

    async def understands(self, asked: Text, answer: Text) -> bool:
        question = self.questions.get(asked)
        return question is not None and question.read(answer) is not None

    def is_plain_answer(self, asked: Text, answer: Text) -> bool:
        """Nothing more than an answer (a pressed button, "bel me maar")."""
        return len(words(answer.replace(PHONE_PLACEHOLDER, " "))) <= MAX_PLAIN_ANSWER_WORDS

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot(self.cancelled_slot):
            return []  # requested_slot becomes None: the form ends, the next action says so
        return domain_slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """As rasa_sdk validates (only the slots still required), with the table instead of a
        validate_<slot> method per slot."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        asked = tracker.get_slot(REQUESTED_SLOT)
        found: Dict[Text, Any] = {}
        for slot, value in tracker.slots_to_validate().items():
            if slot not in required:
                continue
            said = await self.answer(slot, value, asked, tracker, dispatcher)
            found.update(said)
            tracker.slots.update(said)  # later slots see it, as in rasa_sdk
        return [SlotSet(name, value) for name, value in found.items()]

    async def answer(self, slot: Text, value: Any, asked: Optional[Text], tracker: Tracker,
                     dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """The slot values one answer sets. An answer counts only for the question asked."""
        if asked != slot:
            # Left by an interrupted earlier run: asked again, unless it is kept.
            return {slot: value if slot in self.kept else None}
        question = self.questions[slot]
        said = question.read(str(value or ""))
        if said is None:
            said = question.intents.get(latest_intent(tracker))
        if said == CANCEL:
            return {slot: None, self.cancelled_slot: True}
        if said == SKIP or (said is None and question.unclear_says is None):
            if question.skipped_says:
                dispatcher.utter_message(response=question.skipped_says)
            return dict(question.skipped) if question.skipped is not None else {slot: WITHHELD}
        if said is None:
            dispatcher.utter_message(response=question.unclear_says)
            return {slot: None}
        if said in question.special:
            values, response = question.special[said]
            if response:
                dispatcher.utter_message(response=response)
            return dict(values)
        return {slot: said}
