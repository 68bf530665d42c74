"""Stage one of the fallback offers the likeliest real topics (run with .venv-rasa's pytest)."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionSuggestTopics


def tracker_with_ranking(*names: str) -> Tracker:
    ranking = [{"name": name, "confidence": 1.0 - i / 10} for i, name in enumerate(names)]
    return Tracker.from_dict({
        "sender_id": "x", "slots": {}, "events": [], "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
        "latest_message": {"text": "...", "intent": {"name": "nlu_fallback"},
                           "intent_ranking": ranking},
    })


def run(tracker: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSuggestTopics().run(dispatcher, tracker, {}))
    assert events == []
    return dispatcher.messages


def test_suggests_the_best_three_topics_and_skips_small_talk():
    messages = run(tracker_with_ranking(
        "nlu_fallback", "greet", "ask_debt", "thank", "ask_benefits", "ask_housing", "ask_work"))
    assert messages[0]["response"] == "utter_ask_affirmation"
    assert messages[0]["suggestions"] == ["ask_debt", "ask_benefits", "ask_housing"]


def test_never_suggests_crisis_as_a_topic_to_pick():
    messages = run(tracker_with_ranking("crisis", "ask_health"))
    assert messages[0]["suggestions"] == ["ask_health"]


def test_without_a_ranking_still_answers():
    messages = run(tracker_with_ranking())
    assert messages[0]["suggestions"] == []
