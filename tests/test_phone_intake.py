"""The handover form's phone question: the action says it is being asked (an internal call), and
only then does the gateway take the next message's number for the handover. Saying the question
itself changes nothing."""
from __future__ import annotations

import pytest

from bot.app import create_app
from bot.handover.keys import INTAKE
from support.tokens import BOUNDARY_TOKENS, bearer
INTERNAL = BOUNDARY_TOKENS["internal_token"]


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def test_the_phone_question_said_by_the_nlg_endpoint_marks_nothing(client):
    body = {"response": "utter_ask_handover_phone", "arguments": {}, "channel": {"name": "gateway"},
            "tracker": {"sender_id": "c0ffee", "slots": {}, "latest_message": {}}}
    answer = await client.post("/nlg", json=body, headers=bearer(BOUNDARY_TOKENS["nlg_token"]))
    assert answer.status == 200 and (await answer.json())["text"]
    assert await client.server.app[INTAKE].awaiting_phone("c0ffee") is False


async def test_the_action_saying_it_asks_for_the_number_makes_the_gateway_expect_it(client):
    answer = await client.post("/internal/v1/intake/expect-phone", json={"conversation": "c0ffee"},
                               headers=bearer(INTERNAL))
    assert answer.status == 204
    intake = client.server.app[INTAKE]
    assert await intake.awaiting_phone("c0ffee") is True
    assert await intake.awaiting_phone("other") is False


@pytest.mark.parametrize("body", [{}, {"conversation": ""}, {"conversation": 7}, ["c0ffee"],
                                  {"conversation": "x" * 65}])
async def test_an_expect_phone_call_without_a_conversation_is_refused(client, body):
    answer = await client.post("/internal/v1/intake/expect-phone", json=body, headers=bearer(INTERNAL))
    assert answer.status == 400
