"""The answer to "I want to stop", and which stop is meant after business questions
(run with .venv-rasa's pytest)."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.want_to_stop import ActionWantToStop


def tracker(*messages: tuple[str, str]) -> Tracker:
    """A conversation of (text, intent) user messages; the last one is the latest."""
    events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
              for text, intent in messages]
    text, intent = messages[-1]
    return Tracker.from_dict({
        "sender_id": "x", "slots": {}, "events": events, "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
        "latest_message": {"text": text, "intent": {"name": intent}},
    })


def responses(conversation: Tracker) -> list[str]:
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionWantToStop().run(dispatcher, conversation, {})) == []
    return [m["response"] for m in dispatcher.messages]


EXIT_PATH = ["utter_want_to_stop", "utter_want_to_stop_next"]


def test_the_wish_to_stop_gets_the_exit_path_and_its_next_steps():
    assert responses(tracker(("ik wil stoppen", "want_to_stop"))) == EXIT_PATH


def test_a_bare_stop_right_after_a_business_question_asks_which_stop():
    conversation = tracker(("hoe schrijf ik me uit bij de kvk", "ask_stop_business/kvk"),
                           ("ik wil stoppen", "want_to_stop"))
    assert responses(conversation) == ["utter_want_to_stop_which"]


def test_naming_the_work_after_a_business_question_needs_no_question():
    for text in ("ik wil stoppen met sekswerk", "i want to quit the club", "ik wil stoppen met dit werk"):
        conversation = tracker(("hoe schrijf ik me uit bij de kvk", "ask_stop_business/kvk"), (text, "want_to_stop"))
        assert responses(conversation) == EXIT_PATH, text


def test_the_button_that_says_which_stop_gets_the_exit_path():
    conversation = tracker(("ik wil stoppen", "ask_stop_business/kvk"), ("/want_to_stop", "want_to_stop"))
    assert responses(conversation) == EXIT_PATH


def test_a_stop_long_after_business_questions_is_the_exit_path():
    conversation = tracker(("hoe schrijf ik me uit bij de kvk", "ask_stop_business/kvk"),
                           ("hoe vraag ik bijstand aan", "ask_benefits/bijstand"),
                           ("ik wil stoppen", "want_to_stop"))
    assert responses(conversation) == EXIT_PATH
