"""The gateway's share of safety: a curated crisis phrase is answered at once, with the safety
answer of its kind, whether Rasa is fast, slow or down; a possible crisis adds one calm line."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.content.files import parse_entries, read_content_dir
from support.rest import rest_sender
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))


# Far below the gateway's Rasa timeout in these tests (60 s), far above an answer from memory.
NOT_WAITING_SECONDS = 10


def text_of(key: str, language: str = "nl") -> str:
    return ANSWERS[key].variants[language].text


class FakeRasa:
    """Rasa's gateway channel that answers what it is told to, when it is told to."""

    def __init__(self, replies: list[dict]) -> None:
        self.replies = replies
        self.release = asyncio.Event()
        self.received: list[str] = []
        self.app = web.Application()
        self.app.router.add_post("/webhooks/gateway/webhook", self._webhook)

    async def _webhook(self, request: web.Request) -> web.Response:
        self.received.append((await request.json())["message"])
        await self.release.wait()
        return web.json_response(self.replies)


@pytest.fixture
async def rasa_and_client(aiohttp_client, settings, static_data):
    async def start(replies: list[dict], answer_at_once: bool = True):
        rasa = FakeRasa(replies)
        if answer_at_once:
            rasa.release.set()
        server = TestServer(rasa.app, host="127.0.0.1")
        await server.start_server()
        started.append(server)
        # A patient client: waiting for Rasa would take a minute, far longer than any test allows.
        client = await aiohttp_client(create_app(settings.model_copy(
            update={"rasa_url": str(server.make_url("")).rstrip("/"), "rasa_timeout_seconds": 60}),
            static=static_data))
        return rasa, client
    started: list[TestServer] = []
    yield start
    for server in started:
        await server.close()


async def chat(client, message, sender="user-1"):
    response = await client.post("/api/v1/chat", json={"sender": await rest_sender(client, sender),
                                                       "message": message})
    assert response.status == 200
    return await response.json()


@pytest.mark.parametrize("message, kind", [
    ("ik wil dood", "suicidal"),
    ("hij slaat me elke dag", "violence"),
    ("ze hebben mijn paspoort afgepakt", "trafficking"),
    ("ik ben in gevaar", "danger"),
    ("ik ben minderjarig", "minor"),
])
async def test_a_crisis_phrase_is_answered_while_rasa_is_still_thinking(rasa_and_client, message, kind):
    rasa, client = await rasa_and_client([{"text": text_of("utter_ask_debt/overview")}], answer_at_once=False)
    # Rasa holds every request until released, and the gateway would wait a minute for it: a
    # reply within seconds cannot have waited.
    replies = await asyncio.wait_for(chat(client, message), timeout=NOT_WAITING_SECONDS)
    assert replies[0]["text"] == text_of(f"utter_crisis/{kind}")
    assert replies[1]["text"] == text_of("utter_crisis_offer_person")
    assert text_of("utter_ask_debt/overview") not in [r["text"] for r in replies]
    await asyncio.sleep(0.1)
    assert rasa.received == [message], "Rasa still hears the message, in the background"
    rasa.release.set()


async def test_a_crisis_phrase_is_answered_when_rasa_is_down(client_without_rasa):
    replies = await chat(client_without_rasa, "ik wil dood")
    assert replies[0]["text"] == text_of("utter_crisis/suicidal")
    assert replies[1]["text"] == text_of("utter_crisis_offer_person")


@pytest.fixture
async def client_without_rasa(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def test_a_possible_crisis_gets_the_topic_answer_first_and_then_one_calm_line(rasa_and_client):
    housing = text_of("utter_ask_housing/overview")
    # The NLG endpoint's facts about the answer, on the message as the gateway channel passes them on.
    facts = {"key": "utter_ask_housing/overview", "language": "nl", "crisis": "possible"}
    _, client = await rasa_and_client([{"text": housing, "buttons": [], "answer": facts}])
    replies = await chat(client, "ik heb geen huis meer en ik weet het niet meer")
    assert [r["text"] for r in replies] == [housing, text_of("utter_crisis_calm_line")]
    assert all(set(reply) == {"text", "buttons"} for reply in replies), "the facts are never shown"
    assert "112" in replies[1]["text"] and "113" in replies[1]["text"]


async def test_the_calm_line_is_in_the_language_the_answer_was_given_in(rasa_and_client):
    """The language comes with the answer as data: a short text that reads the same in Dutch and
    English ("OK") cannot confuse it."""
    facts = {"key": "utter_ok", "language": "en", "crisis": "possible"}
    _, client = await rasa_and_client([{"text": "OK", "buttons": [], "answer": facts}])
    replies = await chat(client, "ok")
    assert [r["text"] for r in replies] == ["OK", text_of("utter_crisis_calm_line", "en")]


async def test_an_ordinary_answer_gets_no_safety_line_at_all(rasa_and_client):
    housing = text_of("utter_ask_housing/overview")
    _, client = await rasa_and_client([{"text": housing, "buttons": []}])
    replies = await chat(client, "ik kan de huur niet meer betalen")
    assert [r["text"] for r in replies] == [housing]
