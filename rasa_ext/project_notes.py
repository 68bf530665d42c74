"""The notes Rasa prints at every load about how this project is built, added to Rasa's own list
of expected warnings (which it silences unless it runs at DEBUG): answers that only the actions
send are "not used in any story or rule", and a retrieval intent's answers (utter_ask_benefits/bbz)
declare the intent a second time. Import after rasa, before Rasa's command line or server starts.
"""
from __future__ import annotations

from rasa.utils import common

PROJECT_NOTES = [
    (UserWarning, r"The utterance '.*' is not used in any story or rule"),
    (UserWarning, r"The following duplicated intents have been found across multiple domain files"),
]

common.EXPECTED_WARNINGS.extend(note for note in PROJECT_NOTES if note not in common.EXPECTED_WARNINGS)
