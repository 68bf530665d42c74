"""The NLG endpoint Rasa calls: the right language, buttons that work, clear errors."""
from __future__ import annotations

import re

import pytest

from bot.app import create_app

from support.tokens import BOUNDARY_TOKENS, bearer

TOKEN = BOUNDARY_TOKENS["nlg_token"]


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


def nlg_request(response: str, language: str | None = None, **arguments) -> dict:
    return {"response": response, "arguments": arguments, "channel": {"name": "gateway"},
            "tracker": {"sender_id": "abc", "slots": {"language": language}, "latest_message": {}}}


async def nlg(client, body, token=TOKEN):
    return await client.post("/nlg", json=body, headers=bearer(token))


async def test_answers_in_dutch_when_no_language_is_set(client):
    reply = await (await nlg(client, nlg_request("utter_thank"))).json()
    assert reply["text"].startswith("Graag gedaan")


async def test_answers_in_english_when_the_language_slot_is_en(client):
    reply = await (await nlg(client, nlg_request("utter_thank", "en"))).json()
    assert reply["text"].startswith("You're welcome")
    assert [b["title"] for b in reply["buttons"]] == ["All topics", "Talk to someone"]


async def test_every_response_key_is_served_in_both_languages(client, settings):
    store = client.server.app  # the app object
    from bot.content.keys import CONTENT_STORE
    keys = store[CONTENT_STORE].keys()
    assert len(keys) > 50
    for key in keys:
        texts = set()
        for language in ("nl", "en"):
            response = await nlg(client, nlg_request(key, language, organisation="X", region_name="Y",
                                                     office_hours="Z"))
            assert response.status == 200, key
            texts.add((await response.json())["text"])
        answer = store[CONTENT_STORE].get(key)
        only_placeholders = all(not re.sub(r"\{\w+\}", "", v.text).strip() for v in answer.variants.values())
        # ("{items}": a list's next bubble, whose words come from the action in its language)
        assert len(texts) == 2 or only_placeholders, f"{key} serves the same text in both languages"


async def test_subtopic_buttons_send_their_canonical_question_and_intents_a_slash_payload(client):
    reply = await (await nlg(client, nlg_request("utter_greet", "nl"))).json()
    payloads = {b["title"]: b["payload"] for b in reply["buttons"]}
    assert payloads["Praat met iemand"] == "/request_handover"
    assert payloads["English"] == '/change_language{"language": "en"}'
    assert not payloads["Geld en uitkering"].startswith("/")


async def test_topic_suggestions_keep_only_the_suggested_topics_best_first(client):
    body = nlg_request("utter_ask_affirmation", "en", suggestions=["ask_debt", "ask_benefits", "greet"])
    reply = await (await nlg(client, body)).json()
    assert [b["title"] for b in reply["buttons"]] == [
        "Debts", "Money and benefits", "All topics", "Something else"]


async def test_placeholders_are_filled_from_the_arguments(client):
    body = nlg_request("utter_handover_region_found", "nl", organisation="Rebelz",
                       region_name="Noord- en Oost-Gelderland")
    reply = await (await nlg(client, body)).json()
    assert "Rebelz" in reply["text"] and "{" not in reply["text"]


async def test_unknown_response_is_a_clear_404_not_a_crash(client):
    response = await nlg(client, nlg_request("utter_does_not_exist"))
    assert response.status == 404
    assert "utter_does_not_exist" in await response.text()


async def test_malformed_request_is_a_400(client):
    response = await client.post("/nlg", data=b"\x00\xff not json", headers=bearer(TOKEN))
    assert response.status == 400


async def test_nlg_refuses_callers_without_the_token(client):
    assert (await nlg(client, nlg_request("utter_thank"), token="wrong")).status == 401


async def test_the_privacy_answer_names_the_configured_retention(client):
    reply = await (await nlg(client, nlg_request("utter_privacy", "nl"))).json()
    assert "30 dagen na je laatste bericht" in reply["text"]


async def test_a_long_conversations_tracker_is_not_too_large(client):
    """Rasa sends the whole tracker; after some dozens of turns it passes 64 KB."""
    body = nlg_request("utter_thank", "nl")
    body["tracker"]["events"] = [{"event": "user", "text": "x" * 1000, "parse_data": {}}] * 300
    response = await nlg(client, body)
    assert response.status == 200
    assert (await response.json())["text"].startswith("Graag gedaan")


async def test_an_answer_to_a_possible_crisis_carries_the_mark_for_the_calm_line(client):
    body = nlg_request("utter_ask_housing/overview")
    body["tracker"]["latest_message"] = {"crisis": {"level": "possible", "kind": "general", "confidence": 0.3}}
    reply = await (await nlg(client, body)).json()
    assert reply["answer"] == {"key": "utter_ask_housing/overview", "language": "nl", "crisis": "possible"}
    body["tracker"]["latest_message"]["crisis"]["level"] = "none"
    assert "crisis" not in (await (await nlg(client, body)).json())["answer"]


async def test_a_form_question_gets_no_mark_for_the_calm_line(client):
    body = nlg_request("utter_ask_handover_contact")
    body["tracker"]["latest_message"] = {"crisis": {"level": "possible", "kind": "general", "confidence": 0.3}}
    body["tracker"]["active_loop"] = {"name": "handover_form"}
    assert "crisis" not in (await (await nlg(client, body)).json())["answer"]


async def test_every_answer_says_which_answer_it_is_and_in_which_language(client):
    """The gateway reads these as data instead of looking the rendered text up again."""
    reply = await (await nlg(client, nlg_request("utter_thank", "en"))).json()
    assert reply["answer"] == {"key": "utter_thank", "language": "en"}
    safety = await (await nlg(client, nlg_request("utter_crisis/violence", "nl"))).json()
    assert safety["answer"] == {"key": "utter_crisis/violence", "language": "nl", "crisis": "violence"}
