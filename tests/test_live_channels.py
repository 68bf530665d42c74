"""A worker's messages reach the user on the user's own channel: Telegram (pushed through the
Bot API, protected), the widget's websocket (pushed at once), and a widget held by another
gateway replica (through Redis pub/sub). Rasa is down here: a live chat never asks it.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import time

import pytest

from bot.app import create_app
from bot.settings import Settings
from support.staff import add_user, handover_id, make_handover

WEBHOOK_SECRET = "webhook-secret-for-the-tests-0123456789"


@pytest.fixture
async def client(aiohttp_client, settings, fake_api, static_data):
    _, server = fake_api
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")),
                           "telegram_webhook_secret": WEBHOOK_SECRET})  # no PUBLIC_URL: plain-http cookies
    client = await aiohttp_client(create_app(settings, static=static_data))
    client.settings = settings
    return client


def update(chat_id: int, text: str) -> dict:
    return {"update_id": secrets.randbelow(10**9), "message": {
        "message_id": 1, "date": int(time.time()), "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "x"}}}


async def telegram_says(client, chat_id: int, text: str) -> None:
    response = await client.post("/telegram/webhook", json=update(chat_id, text),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status == 200


async def test_a_telegram_user_gets_the_workers_messages_pushed(client, fake_api, log_in):
    api, _ = fake_api
    chat_id = 5551234
    await telegram_says(client, chat_id, "hallo")  # the encrypted reply address is stored
    await api.wait_for("sendMessage")
    made = await make_handover(client, client.settings, str(chat_id), channel="telegram")
    worker = await log_in(client, await add_user(client, "tg@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    before = len(api.called("sendMessage"))
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Hoi, ik ben Anna."})
    sent = (await api.wait_for("sendMessage", before + 2))[before:]
    assert sent[0]["text"].startswith("Je praat nu met Anna van Rebelz")
    # A person, not the assistant: the worker's name comes first.
    assert sent[1]["text"] == "👤 Anna (PMW):\nHoi, ik ben Anna."
    assert all(int(m["chat_id"]) == chat_id and m["protect_content"] for m in sent)

    await telegram_says(client, chat_id, "dank je, ik wil graag praten")
    for _ in range(100):
        detail = await (await worker.get(f"/api/v1/staff/handovers/{number}")).json()
        if detail["messages"][-1]["sender"] == "user":
            break
        await asyncio.sleep(0.05)
    assert detail["messages"][-1]["text"] == "dank je, ik wil graag praten"
    assert len(api.called("sendMessage")) == before + 2  # the assistant stayed silent


async def test_a_widget_user_gets_the_workers_messages_on_the_open_socket(client, log_in):
    socket = await client.ws_connect("/ws/chat")
    session = (await socket.receive_json())["id"]
    await socket.send_str(json.dumps({"text": "hallo"}))
    while (await socket.receive_json())["type"] != "bot":
        pass
    made = await make_handover(client, client.settings, session, channel="web")
    worker = await log_in(client, await add_user(client, "web@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    joined = await asyncio.wait_for(socket.receive_json(), 10)
    assert joined["messages"][0]["text"].startswith("Je praat nu met Anna")
    assert joined["messages"][0]["buttons"] == [{"title": "Gesprek beëindigen", "payload": "stop"}]
    await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Waar kan ik mee helpen?"})
    reply = await asyncio.wait_for(socket.receive_json(), 10)
    while reply["type"] != "bot":  # the status bar changed too (now: live)
        reply = await asyncio.wait_for(socket.receive_json(), 10)
    [message] = reply["messages"]
    assert (message["text"], message["sender"], message["name"]) == ("Waar kan ik mee helpen?", "worker", "Anna")
    await socket.close()


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_a_reply_reaches_the_widget_held_by_another_replica_through_redis(aiohttp_client, settings, log_in, static_data):
    # Redis outlives the test run and serves every run on this machine: its per-address handover
    # limit (tested on its own) must not refuse this test's handover.
    shared = {**settings.model_dump(), "redis_url": "redis://127.0.0.1:6379/0", "handovers_per_client_per_hour": 10**6,
              "handovers_per_conversation_per_day": 10**6}
    first = await aiohttp_client(create_app(Settings(**shared), static=static_data))
    second = await aiohttp_client(create_app(Settings(**shared), static=static_data))
    socket = await second.ws_connect("/ws/chat")
    session = (await socket.receive_json())["id"]
    await socket.send_str(json.dumps({"text": "hallo"}))
    while (await socket.receive_json())["type"] != "bot":
        pass
    made = await make_handover(first, settings, session, channel="web")
    worker = await log_in(first, await add_user(first, "redis@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    await worker.post(f"/api/v1/staff/handovers/{number}/messages", {"text": "Hallo vanaf replica één"})
    texts = []
    while len(texts) < 2:
        frame = await asyncio.wait_for(socket.receive_json(), 10)
        texts += [m["text"] for m in frame.get("messages", [])]
    assert texts[1] == "Hallo vanaf replica één"
    await socket.close()


async def test_the_staff_group_hears_of_a_new_handover_without_personal_data(aiohttp_client, settings,
                                                                             fake_api, static_data):
    api, server = fake_api
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")),
                           "staff_telegram_chat_id": "-100777"})
    client = await aiohttp_client(create_app(settings, static=static_data))
    made = await make_handover(client, settings, "group-1", urgent=True)
    notices = [m for m in await api.wait_for("sendMessage") if str(m["chat_id"]) == "-100777"]
    assert [m["text"] for m in notices] == ["Nieuwe overdracht, regio Noord- en Oost-Gelderland, URGENT"]
    assert made["reference"] not in notices[0]["text"]


async def test_a_stalled_staff_group_does_not_hold_up_the_handover_the_user_is_waiting_for(
        aiohttp_client, settings, fake_api, static_data):
    """Telegram takes its time with the group notice; the action server gives up on a new handover
    after 5 s (actions/api/bot_client.py), so the handover must be answered before the notice."""
    api, server = fake_api
    api.stalled_chats.add("-100777")
    settings = Settings(**{**settings.model_dump(), "telegram_token": "123456:TEST",
                           "telegram_api_url": str(server.make_url("/bot")),
                           "staff_telegram_chat_id": "-100777"})
    client = await aiohttp_client(create_app(settings, static=static_data))
    started = time.monotonic()
    made = await make_handover(client, settings, "group-stalled")
    assert made["reference"] and time.monotonic() - started < 3
    api.release()
    notices = [m for m in await api.wait_for("sendMessage") if str(m["chat_id"]) == "-100777"]
    assert [m["text"] for m in notices] == ["Nieuwe overdracht, regio Noord- en Oost-Gelderland"]


async def test_a_telegram_user_comes_back_to_their_handover_with_the_code(client, fake_api, log_in):
    """A handover asked for in the web chat; the phone is gone; the user types the code in Telegram."""
    from support.fake_telegram_api import button_update
    api, _ = fake_api
    made = await make_handover(client, client.settings, "lost-phone")
    chat_id = 5559876
    await telegram_says(client, chat_id, f"mijn code is {made['reference']}")
    confirm = (await api.wait_for("sendMessage"))[-1]
    assert confirm["text"].startswith(f"Is {made['reference']} de code")
    yes = confirm["reply_markup"]["inline_keyboard"][0][0]
    assert yes["callback_data"] == f"r:{made['reference']}"
    before = len(api.called("sendMessage"))
    response = await client.post("/telegram/webhook", json=button_update(chat_id, yes["callback_data"]),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status == 200
    back = (await api.wait_for("sendMessage", before + 1))[before]
    assert back["text"].startswith(f"Je bent terug in je gesprek {made['reference']}")
    worker = await log_in(client, await add_user(client, "back@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    detail = await (await worker.get(f"/api/v1/staff/handovers/{await handover_id(worker, made['reference'])}")).json()
    assert detail["messages"][-1]["text"] == "De gebruiker is terug met de code, via Telegram."
