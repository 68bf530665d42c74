"""The Telegram channel against a fake Bot API server on loopback and the real Rasa."""
from __future__ import annotations

import random
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.content.files import parse_entries, read_content_dir
from bot.settings import Settings
from support.database import database_dump
from support.fake_telegram_api import button_update, photo_update, text_update
from support.paths import ROOT
from support.telegram import updates_handled

ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
SECRET = "webhook-secret-for-the-tests-0123456789"


def text_of(key: str, language: str = "nl") -> str:
    return ANSWERS[key].variants[language].text


def telegram_settings(settings: Settings, stack, server: TestServer, **extra) -> Settings:
    """The test settings with the real Rasa of the stack and the fake Bot API."""
    return Settings(**{**settings.model_dump(), "rasa_url": stack.rasa_url, "rasa_token": stack.token,
                       "gateway_token": stack.boundary_tokens["GATEWAY_TOKEN"],
                       "telegram_token": "123456:TEST", "telegram_api_url": str(server.make_url("/bot")),
                       "secret_key": "x" * 32, "encryption_key": settings.encryption_key.get_secret_value(),
                       **extra})


@pytest.fixture
async def telegram(aiohttp_client, settings, stack, fake_api, static_data):
    api, server = fake_api
    settings = telegram_settings(settings, stack, server, telegram_webhook_secret=SECRET,
                                 public_url="https://chat.example.invalid")
    client = await aiohttp_client(create_app(settings, static=static_data))
    client.settings = settings
    yield client, api


async def post_update(client, update, secret=SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await client.post("/telegram/webhook", json=update, headers=headers)


def chat() -> int:
    return random.randint(10_000, 10_000_000)


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x"])
async def test_forged_webhook_is_refused_and_nothing_is_processed(telegram, secret):
    client, api = telegram
    response = await post_update(client, text_update(chat(), "hoi"), secret=secret)
    assert response.status == 403
    await updates_handled(client.server.app)
    assert api.called("sendMessage") == []


async def test_text_gets_the_answer_with_inline_buttons_and_protected_content(telegram):
    client, api = telegram
    assert (await post_update(client, text_update(chat(), "ik heb schulden"))).status == 200
    sent = (await api.wait_for("sendMessage"))[0]
    assert sent["text"] == text_of("utter_ask_debt/overview")
    assert sent["protect_content"] is True
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard and all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


async def test_a_button_press_is_answered_and_leads_on(telegram):
    client, api = telegram
    chat_id = chat()
    await post_update(client, text_update(chat_id, "/start"))
    welcome = (await api.wait_for("sendMessage"))[0]
    assert welcome["text"] == text_of("utter_greet")
    english = next(row[0] for row in welcome["reply_markup"]["inline_keyboard"]
                   if row[0]["text"] == "English")
    await post_update(client, button_update(chat_id, english["callback_data"]))
    assert len(await api.wait_for("answerCallbackQuery")) == 1
    assert (await api.wait_for("sendMessage", 2))[1]["text"] == text_of("utter_language_changed", "en")


async def test_duplicate_updates_are_dropped(telegram):
    client, api = telegram
    update = text_update(chat(), "hoi")
    await post_update(client, update)
    await post_update(client, update)
    await updates_handled(client.server.app)
    assert len(api.called("sendMessage")) == 1


async def test_a_photo_gets_the_text_only_answer_and_is_never_downloaded(telegram):
    client, api = telegram
    await post_update(client, photo_update(chat()))
    sent = await api.wait_for("sendMessage")
    assert sent[0]["text"] == text_of("utter_input_empty")
    assert api.called("getFile") == []


async def test_multi_bubble_answers_are_paced(telegram):
    client, api = telegram
    await post_update(client, text_update(chat(), "ik wil niet meer leven"))
    started = time.monotonic()
    sent = await api.wait_for("sendMessage", 2)
    assert [m["text"] for m in sent[:2]] == [text_of("utter_crisis/suicidal"),
                                            text_of("utter_crisis_offer_person")]
    assert time.monotonic() - started >= 0.9


async def test_wis_asks_then_forgets_and_deletes_the_chat_messages(telegram):
    client, api = telegram
    chat_id = chat()
    await post_update(client, text_update(chat_id, "hoi"))
    await api.wait_for("sendMessage")
    await post_update(client, text_update(chat_id, "/wis"))
    question = (await api.wait_for("sendMessage", 2))[1]
    assert question["text"] == text_of("utter_forget_me")
    confirm = question["reply_markup"]["inline_keyboard"][0][0]
    await post_update(client, button_update(chat_id, confirm["callback_data"]))
    deleted = await api.wait_for("deleteMessages")
    assert len(deleted) == 1 and len(deleted[0]["message_ids"]) >= 4  # both sides, both turns
    assert (await api.wait_for("sendMessage", 3))[2]["text"] == text_of("utter_forgotten")


async def test_webhook_mode_refuses_to_start_without_a_secret(settings, fake_api, static_data):
    # It never gets as far as Rasa: no stack needed.
    settings = settings.model_copy(update={"telegram_token": SecretStr("123456:TEST"),
                                           "telegram_api_url": str(fake_api[1].make_url("/bot")),
                                           "public_url": "https://chat.example.invalid"})
    client = TestClient(TestServer(create_app(settings, static=static_data)))
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_SECRET"):
        await client.start_server()
    await client.close()


async def test_the_chat_id_is_stored_only_encrypted_in_either_database(telegram, stack):

    client, api = telegram
    chat_id = 7_700_000_000 + random.randint(0, 99_999_999)
    await post_update(client, text_update(chat_id, "ik heb schulden"))
    await api.wait_for("sendMessage")
    for database_url in (client.settings.database_url, stack.database_url):
        assert str(chat_id) not in database_dump(database_url)


async def test_without_public_url_the_channel_polls(aiohttp_client, settings, stack, fake_api, static_data):
    api, server = fake_api
    api.pending_updates.append(text_update(chat(), "ik heb schulden"))
    await aiohttp_client(create_app(telegram_settings(settings, stack, server), static=static_data))
    sent = await api.wait_for("sendMessage")
    assert sent and sent[0]["text"] == text_of("utter_ask_debt/overview")
    assert api.called("deleteWebhook"), "polling needs the webhook removed"
    assert api.called("getUpdates")[0]["allowed_updates"] == ["message", "callback_query"]
