"""The chat follows the language the user writes in, without flipping on one stray word.

In-process: the bot service with a stand-in for Rasa that speaks Rasa's two protocols (the
gateway's webhook in, the NLG endpoint out), so the answer's language is decided exactly where
it is in production, while Rasa is still handling the message. Its NLU is a small table; the
real model is in the stack tests at the end.
"""
from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.gateway.keys import GATEWAY
from bot.content.files import parse_entries, read_content_dir
from bot.settings import Settings
from support.tokens import BOUNDARY_TOKENS, bearer

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
TOKEN = "test-rasa-token-of-at-least-32-characters"  # the settings fixture's
# What the stand-in answers to anything but a language switch: its language is what matters.
ANSWER = "utter_thank"
# Typed switches the real NLU files under change_language with a language entity.
TYPED_SWITCHES = {"engels graag": "en", "in het nederlands graag": "nl"}
BUTTON = '/change_language{{"language": "{}"}}'
# The in-process tests share the module's app (and its event loop); the stack tests are plain.
in_process = pytest.mark.asyncio(loop_scope="module")


def text_of(key: str, language: str) -> str:
    return ANSWERS[key].variants[language].text


class StandInRasa:
    """Keeps the `language` slot per sender as Rasa's slot mapping does (set by change_language
    with a language, never cleared) and asks the bot's NLG endpoint for every answer."""

    def __init__(self) -> None:
        self.slots: dict[str, str] = {}
        self.last_slot: str | None = None  # what the latest NLG request carried
        self.nlg_url = ""
        self.app = web.Application()
        self.app.router.add_post("/webhooks/gateway/webhook", self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        button = re.fullmatch(r"/change_language(\{.*\})", text)
        chosen = json.loads(button.group(1))["language"] if button else TYPED_SWITCHES.get(text)
        if chosen is not None:
            self.slots[sender] = chosen
        self.last_slot = self.slots.get(sender)
        tracker = {"sender_id": sender, "slots": {"language": self.slots.get(sender)},
                   "latest_message": {"text": text}, "events": []}
        key = "utter_language_changed" if chosen else ANSWER
        async with aiohttp.ClientSession() as session:
            async with session.post(self.nlg_url, json={"response": key, "arguments": {},
                                                        "tracker": tracker},
                                    headers=bearer(BOUNDARY_TOKENS["nlg_token"])) as response:
                assert response.status == 200
                return web.json_response([await response.json()])


# One app for the module: the redactor's spaCy pipeline takes seconds to load. Every test has
# conversations of its own.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rasa():
    stand_in = StandInRasa()
    server = TestServer(stand_in.app, host="127.0.0.1")
    await server.start_server()
    yield stand_in, server
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(rasa, tmp_path_factory, static_data, migrated_sqlite):
    stand_in, server = rasa
    database = tmp_path_factory.mktemp("language") / "bot.db"
    shutil.copyfile(migrated_sqlite, database)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        rasa_url=str(server.make_url("")).rstrip("/"), rasa_token=TOKEN, secret_key="test-secret-key-of-at-least-32-characters",
        encryption_key=Fernet.generate_key().decode(), rasa_timeout_seconds=10, **BOUNDARY_TOKENS)
    client = TestClient(TestServer(create_app(settings, static=static_data), host="127.0.0.1"))
    await client.start_server()
    stand_in.nlg_url = str(client.make_url("/nlg"))
    yield client
    await client.close()


class Chat:
    """One widget conversation: the widget passes its UI language along with every message."""

    def __init__(self, client, widget_language: str | None = "nl") -> None:
        self._gateway = client.server.app[GATEWAY]
        self._session = uuid.uuid4().hex
        self._widget_language = widget_language

    async def say(self, text: str) -> str:
        """The language of the first answer: nl, en, or the whole text when it is neither."""
        replies = await self._gateway.handle("webchat", self._session, text,
                                             channel_language=self._widget_language)
        first = replies[0]["text"]
        for key in (ANSWER, "utter_language_changed"):
            for language in ("nl", "en"):
                if first == text_of(key, language):
                    return language
        return first


async def dutch_chat(client) -> Chat:
    chat = Chat(client)
    assert await chat.say("ik wil stoppen maar heb geen geld") == "nl"
    assert await chat.say("krijg ik een uitkering als ik stop") == "nl"
    return chat


async def english_chat(client) -> Chat:
    chat = Chat(client)
    assert await chat.say("hello, I have a lot of debts and I don't know what to do") == "en"
    return chat


@in_process
async def test_a_clear_english_question_in_a_dutch_chat_is_answered_in_english(client):
    """This once came back in Dutch because the conversation had been Dutch."""
    chat = await dutch_chat(client)
    assert await chat.say("can I get benefits if I quit?") == "en"
    assert await chat.say("ok") == "en"  # and it stays English


@pytest.mark.parametrize("message", ["ok", "bijstand?", "Rotterdam", "Den Haag", "thanks", "👍",
                                     "0612345678", "what about bijstand"])
@in_process
async def test_a_word_or_a_place_does_not_switch_a_dutch_chat(client, message):
    chat = await dutch_chat(client)
    assert await chat.say(message) == "nl"
    assert await chat.say("hoe vraag ik dat aan") == "nl"


@pytest.mark.parametrize("message", ["help in Rotterdam", "from Alphen aan den Rijn", "I live in Den Haag",
                                     "can i get zorgtoeslag without a bsn"])
@in_process
async def test_english_with_dutch_names_in_it_keeps_an_english_chat_english(client, message):
    chat = await english_chat(client)
    assert await chat.say(message) == "en"
    assert await chat.say("ok") == "en"


@in_process
async def test_a_redacted_phone_number_does_not_make_english_look_dutch(client):
    """The redactor turns the number into "[telefoonnummer]" before the language is read."""
    chat = await dutch_chat(client)
    assert await chat.say("0612345678 is my number") == "en"


@in_process
async def test_after_switching_to_english_a_clear_dutch_sentence_switches_back(client):
    chat = await dutch_chat(client)
    assert await chat.say("I'm scared my landlord will find out") == "en"
    assert await chat.say("bijstand?") == "en"
    assert await chat.say("sorry, ik schrijf liever Nederlands") == "nl"


@in_process
async def test_two_short_messages_in_the_other_language_switch_and_one_does_not(client):
    chat = await dutch_chat(client)
    assert await chat.say("thank you") == "nl"
    assert await chat.say("yes please") == "en"


@in_process
async def test_the_language_button_holds_for_short_messages_until_a_clear_sentence(client):
    chat = await dutch_chat(client)
    assert await chat.say(BUTTON.format("en")) == "en"
    # Short Dutch answers, even two in a row, do not undo the user's choice...
    for message in ("ok", "bijstand?", "Rotterdam", "ja graag", "dank je"):
        assert await chat.say(message) == "en", message
    # ...a Dutch sentence does: the user changed their mind.
    assert await chat.say("ik heb schulden bij de belasting") == "nl"


@in_process
async def test_a_switch_only_rasa_understood_holds_like_the_button(client):
    """"engels graag" is Dutch to the detector; Rasa's change_language makes it a choice."""
    chat = await dutch_chat(client)
    assert await chat.say("engels graag") == "en"
    for message in ("ja graag", "dank je"):
        assert await chat.say(message) == "en", message


@in_process
async def test_the_language_slot_does_not_pin_a_chat_in_either_direction(client, rasa):
    """Rasa's slot keeps the last choice for ever; what the user writes later must win."""
    stand_in, _ = rasa
    to_english = await english_chat(client)
    assert await to_english.say(BUTTON.format("nl")) == "nl"
    assert await to_english.say("can you tell me more about that please") == "en"
    assert await to_english.say("ok") == "en"
    assert stand_in.last_slot == "nl"
    to_dutch = await dutch_chat(client)
    assert await to_dutch.say(BUTTON.format("en")) == "en"
    assert await to_dutch.say("ik snap het niet zo goed, kun je het uitleggen") == "nl"
    assert await to_dutch.say("ok") == "nl"
    assert stand_in.last_slot == "en"


@in_process
async def test_the_widgets_language_counts_until_a_message_says_otherwise(client):
    chat = Chat(client, widget_language="en")
    assert await chat.say("hoi") == "en"
    assert await chat.say("ik wil stoppen met sekswerk") == "nl"


@in_process
async def test_rest_clients_without_a_language_start_in_dutch_and_follow_the_message(client):
    sender = (await (await client.post("/api/v1/chat/start")).json())["sender"]

    async def say(text: str) -> str:
        response = await client.post("/api/v1/chat", json={"sender": sender, "message": text})
        return (await response.json())[0]["text"]

    assert await say("hoi") == text_of(ANSWER, "nl")
    assert await say("where can I sleep tonight, I have nowhere to go") == text_of(ANSWER, "en")


# Against the real stack (Rasa with models/current.tar.gz): messages that once went wrong.

def test_walk_1_english_question_in_a_dutch_conversation_gets_an_english_answer(stack):
    sender = uuid.uuid4().hex
    stack.chat(sender, "ik wil stoppen maar heb geen geld")
    stack.chat(sender, "wat is een pmw")
    reply = stack.chat(sender, "can I get benefits if I quit?")[0]["text"]
    assert reply in {a.variants["en"].text for k, a in ANSWERS.items() if k.startswith("utter_ask_benefits/")}


def test_asking_whether_you_need_dutch_is_not_a_switch_to_dutch(stack):
    """"do i need to speak dutch to get help" once switched the chat to Dutch."""
    sender = uuid.uuid4().hex
    stack.chat(sender, "hello, I have a lot of debts and I don't know what to do")
    reply = stack.chat(sender, "do i need to speak dutch to get help")[0]["text"]
    assert reply != text_of("utter_language_changed", "nl")
    assert reply in {a.variants["en"].text for a in ANSWERS.values()}
