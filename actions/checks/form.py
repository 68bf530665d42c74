"""What the guided checks' forms share: each check's questions are its slots (domain.yml), each
read with its reader from actions/checks/answers.py; a skip is "-", a stop ends the check.

The check's own conversation module says which form it validates; this module never decides
advice, and the forms' common rules (interruptions, skip, stop) are actions/forms/validation.py.
"""
from __future__ import annotations

from typing import Dict, Text

from actions.api.contract import CHECK_CANCELLED_SLOT, CHECK_SLOTS
from actions.checks.answers import READERS
from actions.forms.validation import Question, ReaderFormValidation


def questions_of(check: Text) -> Dict[Text, Question]:
    """The check's questions, each with its reader; an unclear answer is asked again kindly."""
    return {slot: Question(READERS[slot]) for slot in CHECK_SLOTS[check]}


class CheckFormValidation(ReaderFormValidation):
    """Subclasses set `form` and `questions = questions_of("<check>")`."""

    cancelled_slot = CHECK_CANCELLED_SLOT
