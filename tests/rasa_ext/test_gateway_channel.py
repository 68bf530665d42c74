"""The gateway channel keeps what the NLG endpoint decided about an answer (its `answer` field) on
every message Rasa makes of it, so the gateway reads it as data."""
from __future__ import annotations

import asyncio

from rasa.shared.core.events import BotUttered

from rasa_ext.gateway_channel import AnswerCollector

FACTS = {"key": "utter_ask_debt/overview", "language": "en", "crisis": "possible"}


def said(message: dict) -> list[dict]:
    """What the channel collects for one bot message, as Rasa hands it over."""
    collector = AnswerCollector()
    # As Rasa builds it from the NLG response: fields it does not know become the metadata.
    uttered = BotUttered(text=message.pop("text"), data={"buttons": message.pop("buttons", None)},
                         metadata=message)
    asyncio.run(collector.send_response("someone", uttered.message()))
    return collector.messages


def test_every_paragraph_of_an_answer_carries_its_facts():
    messages = said({"text": "First part.\n\nSecond part.", "answer": FACTS, "utter_action": FACTS["key"]})
    assert [m["text"] for m in messages] == ["First part.", "Second part."]
    assert [m["answer"] for m in messages] == [FACTS, FACTS]


def test_an_answer_with_buttons_carries_its_facts():
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    messages = said({"text": "Shall I?", "buttons": buttons, "answer": FACTS})
    assert messages == [{"recipient_id": "someone", "text": "Shall I?", "buttons": buttons, "answer": FACTS}]


def test_a_message_without_facts_is_passed_on_as_rasa_gives_it():
    assert said({"text": "Hello."}) == [{"recipient_id": "someone", "text": "Hello."}]
