"""What every form shares (actions/forms/): a pressed reply button is always an answer, even when
the classifier calls it a crisis; a message that is more than an answer is not. Run with
.venv-rasa's pytest."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from action_inputs import CONTENT, DOMAIN, answering
from actions.checks.debt.conversation import ValidateDebtCheckForm
from actions.checks.housing.conversation import ValidateHousingCheckForm
from actions.checks.income.conversation import ValidateIncomeCheckForm
from actions.checks.scan.conversation import ValidateScanForm
from actions.checks.stopping.conversation import ValidateStoppingCheckForm
from actions.forms.reading import named, says, words
from actions.forms.validation import MAX_PLAIN_ANSWER_WORDS
from actions.handover.form import ValidateHandoverForm

VALIDATORS = [ValidateHandoverForm, ValidateIncomeCheckForm, ValidateDebtCheckForm, ValidateHousingCheckForm,
              ValidateStoppingCheckForm, ValidateScanForm]
# The gemeente is found by the bot service, not by a reader.
ASKED = [(validator, slot) for validator in VALIDATORS
         for slot in DOMAIN["forms"][validator.form]["required_slots"] if slot != "municipality"]


def rejected(validator, slot: str, text: str, intent: str) -> bool:
    tracker = answering(validator.form, slot, text, intent, slots={"handover_contact": "phone"})
    events = asyncio.run(validator().run(CollectingDispatcher(), tracker, DOMAIN))
    return any(event["event"] == "action_execution_rejected" for event in events)


@pytest.mark.parametrize("validator, slot", ASKED, ids=[slot for _, slot in ASKED])
def test_every_reply_button_of_every_form_is_an_answer_even_if_the_classifier_calls_it_a_crisis(validator, slot):
    for language in ("nl", "en"):
        for button in CONTENT[f"utter_ask_{slot}"][language].get("buttons", []):
            assert len(words(button["reply"])) <= MAX_PLAIN_ANSWER_WORDS, button
            assert not rejected(validator, slot, button["reply"], "crisis"), (language, button)


@pytest.mark.parametrize("validator, slot, text", [
    (ValidateHandoverForm, "handover_contact", "help hij slaat me, bel de politie"),
    (ValidateScanForm, "scan_safety", "ik maak me zorgen want hij bedreigt me"),
    (ValidateDebtCheckForm, "debt_threat", "ja ik word eruit gezet en wil dood"),
])
def test_a_crisis_that_is_more_than_an_answer_interrupts_every_form(validator, slot, text):
    assert rejected(validator, slot, text, "crisis")


def test_answers_are_read_as_whole_words_without_accents_in_the_order_named():
    assert words("'s Avonds, Oekraïens!") == ["s", "avonds", "oekraiens"]
    assert says(words("bel me maar niet"), ["niet"]) and not says(words("nietje"), ["niet"])
    options = {"a": ("alleen",), "b": ("met kinderen",)}
    assert named(words("met kinderen, niet alleen"), options) == ["b", "a"]
