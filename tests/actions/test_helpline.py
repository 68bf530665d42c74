"""Help lines: the number asked for, and help nearby even when the bot service cannot be reached
(run with .venv-rasa's pytest; the region lookup itself is tested on the real stack)."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.helpline import ActionAnswerHelpline


def tracker(text: str, answer: str | None) -> Tracker:
    selector = {"default": {"response": {"intent_response_key": answer}}} if answer else {}
    return Tracker.from_dict({
        "sender_id": "x", "slots": {}, "events": [], "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
        "latest_message": {"text": text, "intent": {"name": "ask_helpline"}, "response_selector": selector},
    })


def run(conversation: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionAnswerHelpline().run(dispatcher, conversation, {})) == []
    return dispatcher.messages


@pytest.mark.parametrize("answer", ["ask_helpline/comensha", "ask_helpline/113", "ask_helpline/overview"])
def test_the_number_asked_for_is_answered(answer):
    assert [m["response"] for m in run(tracker("...", answer))] == [f"utter_{answer}"]


def test_without_a_chosen_answer_the_overview_of_numbers_is_shown():
    assert [m["response"] for m in run(tracker("heb je een nummer", None))] == ["utter_ask_helpline/overview"]


def test_help_nearby_without_the_bot_service_still_answers(bot_api):
    dispatcher = CollectingDispatcher()

    async def nearby() -> list:
        asked = tracker("is er hulp in rotterdam", "ask_helpline/nearby")
        return await ActionAnswerHelpline().run(dispatcher, asked, {})

    assert bot_api.run(nearby, listening=False) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_helpline/nearby"]


def test_help_nearby_names_the_organisation_of_the_region_the_user_names(bot_api):
    bot_api.answer_with("POST", "/internal/v1/regions/resolve", 200, {
        "gemeente": {"code": "GM0599", "name": "Rotterdam"},
        "region": {"id": "rotterdam", "name": "Rotterdam", "organisation": "Humanitas PMW"}})
    dispatcher = CollectingDispatcher()

    async def nearby() -> list:
        asked = tracker("is er hulp in rotterdam", "ask_helpline/nearby")
        return await ActionAnswerHelpline().run(dispatcher, asked, {})

    bot_api.run(nearby)
    assert bot_api.requests[0]["body"] == {"sentence": "is er hulp in rotterdam"}
    assert [(m["response"], m["organisation"]) for m in dispatcher.messages] == [
        ("utter_helpline_region", "Humanitas PMW")]
