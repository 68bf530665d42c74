"""What a user gets when Rasa is down or the input is bad: always a kind reply, never silence."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.app import create_app
from bot.appkeys import ENGINE
from support.rest import rest_sender


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def chat(client, message, sender="user-1"):
    response = await client.post("/api/v1/chat", json={"sender": await rest_sender(client, sender),
                                                       "message": message})
    assert response.status == 200
    return await response.json()


async def test_rasa_down_gives_the_fixed_message_with_the_safety_lines(client):
    replies = await chat(client, "hoe vraag ik bijstand aan")
    assert len(replies) == 1
    assert "112" in replies[0]["text"] and "0800-0113" in replies[0]["text"]


async def test_handover_tables_failing_still_leave_the_user_with_an_answer(client):
    async with client.server.app[ENGINE].begin() as connection:
        await connection.execute(text("DROP TABLE handover_messages"))
        await connection.execute(text("DROP TABLE handover_intake"))
    replies = await chat(client, "ik wil niet meer leven")
    assert "0800-0113" in replies[0]["text"]


async def test_rasa_down_answers_in_english_to_a_clearly_english_message(client):
    replies = await chat(client, "how do I apply for social assistance please")
    assert replies[0]["text"].startswith("Sorry, something went wrong")


async def test_crisis_phrase_brings_the_safety_answer_even_when_rasa_is_down(client):
    replies = await chat(client, "ik wil niet meer leven")
    assert "0800-0113" in replies[0]["text"]
    assert "uitstapprogramma" in replies[1]["text"]  # the offer of a person


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01\x02", None, 42, ["a"], "\u200b\u200b"])
async def test_empty_or_non_text_input_gets_a_kind_answer(client, message):
    replies = await chat(client, message)
    assert replies[0]["text"].startswith("Ik zie geen tekst")


async def test_overlong_input_is_shortened_and_says_so(client):
    replies = await chat(client, "schulden " * 1000)
    assert replies[0]["text"].startswith("Je bericht was erg lang")
    assert len(replies) >= 2


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"message": "hoi"}', b'{"sender": "", "message": "x"}'])
async def test_malformed_requests_are_refused_with_a_400(client, body):
    response = await client.post("/api/v1/chat", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400


async def test_huge_request_body_is_refused(client):
    response = await client.post("/api/v1/chat", json={"sender": "a", "message": "x" * 200_000})
    assert response.status == 413


async def test_health_is_up_and_ready_says_rasa_is_not(client):
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert await ready.json() == {"ready": False, "database": True, "rasa": False}


async def test_responses_carry_security_headers(client):
    response = await client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
