"""Thousands of generated bad inputs through the REST channel and the websocket: never a 5xx, never
an empty reply, and nothing reaches Rasa that Rasa would refuse. The bulk runs in-process against
a stub Rasa (what is tested is the gateway, not the model); a few dozen go through the real stack."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from bot.app import create_app
from support.stub_rasa import StubRasa

# Hypothesis's own default: the profile of a whole run (tests/conftest.py).
FULL_RUN = 100

# Per channel in-process (at least 2,000 in all); `make test-fast` takes a tenth of them
# (--hypothesis-profile=fast, tests/conftest.py).
EXAMPLES = 1000
STACK_EXAMPLES = 50  # per channel through the real Rasa: the whole path still holds
TRICKY = ["", " ", "\n\n", "\x00", "/", "//", "/crisis", "/forget_me_confirmed", "/restart",
          '/change_language{"language": "xx"}', "<script>alert(1)</script>", "<b>hoi</b>",
          "🙂" * 50, "ﷺ" * 100, "\u202egnaal", "a" * 5000, "%s%s%n", "{{7*7}}", "${jndi:x}",
          "' OR 1=1 --", "\ud800"]
messages = st.one_of(
    st.text(max_size=300), st.text(min_size=1900, max_size=2600), st.sampled_from(TRICKY),
    st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
guesses = st.one_of(st.none(), st.uuids().map(str), st.text(max_size=200))
frames = st.one_of(messages.map(lambda m: json.dumps({"type": "message", "text": m})),
                   st.text(max_size=200), st.binary(max_size=200))


def fuzzing(examples: int) -> hypothesis_settings:
    # One app serves every example of a test (function-scoped fixtures are not reset between them).
    share = hypothesis_settings.default.max_examples / FULL_RUN
    return hypothesis_settings(max_examples=max(1, round(examples * share)), deadline=None, derandomize=True,
                               suppress_health_check=list(HealthCheck))


def body_of(sender: str, message: Any) -> bytes:
    return json.dumps({"sender": sender, "message": message}).encode("utf-8", "surrogatepass")


def check_chat_reply(status: int, reply: bytes, guessed: bool, message: Any) -> None:
    assert status < 500, (status, message)
    if status == 200:
        replies = json.loads(reply)
        assert replies and all(r["text"] or r["buttons"] for r in replies), message
    else:
        # The issued sender: a body too odd or too big; a made-up sender is refused (401).
        assert status in ((400, 401, 413) if guessed else (400, 413)), status


def check_socket_answer(answer: dict, frame: Any) -> None:
    assert answer["type"] == "bot" and answer["messages"], frame
    assert all(m["text"] or m["buttons"] for m in answer["messages"])


async def exchange(session: aiohttp.ClientSession, url: str, frame: str | bytes) -> dict:
    """One websocket conversation with one frame: the bot's answer to it."""
    async with session.ws_connect(url) as socket:
        assert (await socket.receive_json())["type"] == "session"
        await (socket.send_bytes(frame) if isinstance(frame, bytes) else socket.send_str(frame))
        assert (await socket.receive_json())["type"] == "typing"
        return await socket.receive_json()


# --- in-process, against a stub Rasa ------------------------------------------------------------

@pytest.fixture
async def rasa():
    stub = StubRasa("unset", "unset")
    server = TestServer(stub.app, host="127.0.0.1")
    await server.start_server()
    stub.url = str(server.make_url("")).rstrip("/")
    yield stub
    await server.close()


@pytest.fixture
async def client(aiohttp_client, settings, static_data, rasa):
    # Thousands of messages from one address and conversation: the limiters have tests of their own.
    settings = settings.model_copy(update={
        "rasa_url": rasa.url, "rate_limit_burst": 1_000_000, "client_messages_burst": 1_000_000,
        "client_starts_burst": 1_000_000, "client_max_sockets": 1000})
    client = await aiohttp_client(create_app(settings, static=static_data))
    rasa.gateway_token = settings.gateway_token.get_secret_value()
    rasa.nlg_token = settings.nlg_token.get_secret_value()
    rasa.nlg_url = str(client.make_url("/nlg"))
    return client


@pytest.fixture
async def issued(client) -> str:
    response = await client.post("/api/v1/chat/start")
    return (await response.json())["sender"]


@fuzzing(EXAMPLES)
@given(message=messages, guessed=guesses)
async def test_rest_channel_answers_every_generated_input(client, issued, rasa, message, guessed):
    response = await client.post("/api/v1/chat", data=body_of(issued if guessed is None else guessed, message),
                                 headers={"Content-Type": "application/json"})
    check_chat_reply(response.status, await response.read(), guessed is not None, message)
    assert rasa.refused == []


@fuzzing(EXAMPLES)
@given(body=st.binary(max_size=2000))
async def test_rest_channel_survives_garbage_bodies(client, rasa, body):
    response = await client.post("/api/v1/chat", data=body, headers={"Content-Type": "application/json"})
    assert response.status < 500
    assert rasa.refused == []


@fuzzing(EXAMPLES)
@given(frame=frames)
async def test_websocket_answers_every_generated_input(client, rasa, frame):
    check_socket_answer(await exchange(client.session, str(client.make_url("/ws/chat")), frame), frame)
    assert rasa.refused == []


async def test_the_stub_rasa_was_asked_and_answered(client, issued, rasa):
    """The fuzz above proves something only if its messages reach Rasa and come back rendered."""
    response = await client.post("/api/v1/chat", json={"sender": issued, "message": "ik heb schulden"})
    replies = await response.json()
    assert rasa.received == 1 and rasa.refused == []
    assert replies[0]["text"] and replies[0]["buttons"], "utter_greet, rendered by the bot's own NLG"


# --- a few dozen through the real stack ---------------------------------------------------------

def post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_rest_channel_of_the_real_stack_answers_generated_input(stack):
    issued = stack.sender("fuzz")

    @fuzzing(STACK_EXAMPLES)
    @given(message=messages, guessed=guesses)
    def check(message, guessed):
        status, reply = post_raw(f"{stack.base_url}/api/v1/chat", body_of(issued if guessed is None else guessed,
                                                                          message))
        check_chat_reply(status, reply, guessed is not None, message)

    check()


@pytest.mark.slow
def test_websocket_of_the_real_stack_answers_generated_input(stack):
    async def one(frame: str | bytes) -> dict:
        async with aiohttp.ClientSession() as session:
            return await exchange(session, f"{stack.base_url}/ws/chat", frame)

    @fuzzing(STACK_EXAMPLES)
    @given(frame=frames)
    def check(frame):
        check_socket_answer(asyncio.run(one(frame)), frame)

    check()
