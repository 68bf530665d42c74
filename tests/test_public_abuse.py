"""Abuse limits of the public channels (REST and widget): per client address, a global cap on Rasa
calls with a fast fallback, a crisis answer that never waits for the database, and limits on how
many handovers a conversation or an address can make. Whoever is over a limit gets a kind answer,
and a crisis phrase always gets its safety answer first.

The client address is the peer, or the one a trusted proxy names (X-Forwarded-For, with
TRUSTED_PROXIES=127.0.0.1 here). Rasa is down unless a test starts a stub.
"""
from __future__ import annotations

import asyncio
import secrets
import sqlite3
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.content.files import parse_entries, read_content_dir
from bot.gateway.pseudonym import conversation_id
from bot.handover.keys import HANDOVERS
from support.rest import rest_chat, rest_sender
from support.staff import add_user, handover_id, make_handover

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))
# Far below what waiting would take here (a locked database: 30 s; a held Rasa: 60 s).
NOT_WAITING_SECONDS = 10
REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS_GIVES_UP_SECONDS = 5


def text_of(key: str, language: str = "nl") -> str:
    return ANSWERS[key].variants[language].text


SLOW_DOWN = text_of("utter_slow_down")
TRY_AGAIN = text_of("utter_service_unavailable")
DANGER = text_of("utter_crisis/danger")


def from_address(address: str) -> dict[str, str]:
    """What the trusted proxy in front says about the client."""
    return {"X-Forwarded-For": address}


@pytest.fixture
def limited(settings):
    """The settings with loopback as the trusted proxy, and small limits a test can reach."""
    return settings.model_copy(update={
        "trusted_proxies": "127.0.0.1", "client_messages_burst": 3, "client_messages_per_minute": 1,
        "client_starts_burst": 3, "client_starts_per_minute": 1, "client_max_sockets": 2})


@pytest.fixture
async def client(aiohttp_client, limited, static_data):
    return await aiohttp_client(create_app(limited, static=static_data))


async def start(client, address: str = "192.0.2.1") -> aiohttp.ClientResponse:
    return await client.post("/api/v1/chat/start", headers=from_address(address))


async def say(client, sender: str, message: str, address: str = "192.0.2.1") -> list[dict]:
    response = await client.post("/api/v1/chat", json={"sender": sender, "message": message},
                                 headers=from_address(address))
    assert response.status == 200  # never a bare 429 for a chat message
    return await response.json()


# --- per client address ------------------------------------------------------------------------

async def started(client, address: str) -> str:
    response = await start(client, address)
    assert response.status == 200
    return (await response.json())["sender"]


async def test_many_senders_from_one_address_get_slow_down_and_a_crisis_still_its_answer_first(client):
    # Started elsewhere (a phone that moved onto this wifi): only the messages count here.
    senders = [await started(client, f"203.0.113.{n}") for n in range(5)]
    for sender in senders[:3]:
        assert (await say(client, sender, "hoi"))[0]["text"] == TRY_AGAIN  # Rasa is down
    assert (await say(client, senders[3], "hoi"))[0]["text"] == SLOW_DOWN
    replies = await say(client, senders[4], "ik ben in gevaar")
    assert replies[0]["text"] == DANGER and replies[-1]["text"] == SLOW_DOWN
    # Another address is not held back by this one.
    assert (await say(client, senders[3], "hoi", address="198.51.100.7"))[0]["text"] == TRY_AGAIN


async def test_starting_many_conversations_from_one_address_is_refused_with_a_clear_429(client):
    assert [(await start(client)).status for _ in range(3)] == [200, 200, 200]
    refused = await start(client)
    assert refused.status == 429
    assert "try again" in (await refused.text()).lower()
    assert (await start(client, "198.51.100.7")).status == 200


async def test_an_address_may_hold_only_so_many_widget_sockets_at_once(client):
    first = await client.ws_connect("/ws/chat", headers=from_address("192.0.2.9"))
    second = await client.ws_connect("/ws/chat", headers=from_address("192.0.2.9"))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/chat", headers=from_address("192.0.2.9"))
    assert refused.value.status == 429
    other = await client.ws_connect("/ws/chat", headers=from_address("198.51.100.7"))
    await first.close()
    await asyncio.sleep(0.1)  # the server sees the socket go
    again = await client.ws_connect("/ws/chat", headers=from_address("192.0.2.9"))
    for socket in (second, other, again):
        await socket.close()


async def test_opening_widget_sockets_counts_like_starting_conversations(client):
    for _ in range(3):
        socket = await client.ws_connect("/ws/chat", headers=from_address("192.0.2.10"))
        await socket.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/chat", headers=from_address("192.0.2.10"))
    assert refused.value.status == 429


async def widget_says(socket, text: str) -> list[dict]:
    await socket.send_json({"text": text})
    while True:
        frame = await socket.receive_json(timeout=NOT_WAITING_SECONDS)
        if frame["type"] == "bot":
            return frame["messages"]


async def test_widget_messages_from_a_busy_address_get_slow_down_and_the_socket_stays(client):
    socket = await client.ws_connect("/ws/chat", headers=from_address("192.0.2.11"))
    for _ in range(3):
        assert (await widget_says(socket, "hoi"))[0]["text"] == TRY_AGAIN
    assert (await widget_says(socket, "hoi"))[0]["text"] == SLOW_DOWN
    replies = await widget_says(socket, "ik ben in gevaar")
    assert replies[0]["text"] == DANGER and replies[-1]["text"] == SLOW_DOWN
    await socket.close()


# --- the global cap on Rasa calls ------------------------------------------------------------------

class HeldRasa:
    """Rasa's gateway channel holding every request until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.held = 0
        self.app = web.Application()
        self.app.router.add_post("/webhooks/gateway/webhook", self._webhook)

    async def _webhook(self, request: web.Request) -> web.Response:
        self.held += 1
        await self.release.wait()
        return web.json_response([{"text": text_of("utter_ask_debt/overview")}])


async def test_with_every_rasa_slot_taken_the_next_message_gets_the_fallback_at_once(aiohttp_client, settings, static_data):
    rasa = HeldRasa()
    server = TestServer(rasa.app, host="127.0.0.1")
    await server.start_server()
    try:
        client = await aiohttp_client(create_app(settings.model_copy(update={
            "rasa_url": str(server.make_url("")).rstrip("/"), "rasa_timeout_seconds": 60,
            "rasa_max_concurrent": 2, "rasa_slot_wait_seconds": 0.5}), static=static_data))
        held = [asyncio.create_task(rest_chat(client, f"held-{n}", "hoe zit het met schulden"))
                for n in range(2)]
        while rasa.held < 2:
            await asyncio.sleep(0.01)
        third = await asyncio.wait_for(rest_chat(client, "third", "hoe zit het met schulden"),
                                       timeout=NOT_WAITING_SECONDS)
        assert third[0]["text"] == TRY_AGAIN and rasa.held == 2
        assert not any(task.done() for task in held), "the first two still wait for Rasa"
        rasa.release.set()
        for task in held:
            assert (await task)[0]["text"] == text_of("utter_ask_debt/overview")
    finally:
        rasa.release.set()
        await server.close()


# --- the crisis answer never waits for the database ------------------------------------------------

LOCK_WAIT_SECONDS = 30


class LockedDatabase:
    """Holds SQLite's exclusive lock on the bot's database, as a long write under load would.
    The lock is taken off the event loop: a write the app still has in flight finishes first."""

    def __init__(self, database_url: str) -> None:
        self._connection = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None,
                                           timeout=LOCK_WAIT_SECONDS, check_same_thread=False)

    async def __aenter__(self) -> "LockedDatabase":
        await asyncio.to_thread(self._connection.execute, "BEGIN EXCLUSIVE")
        return self

    def release(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")

    async def __aexit__(self, *_: object) -> None:
        self.release()
        self._connection.close()


async def test_a_crisis_phrase_is_answered_while_the_database_is_locked(aiohttp_client, settings, static_data):
    client = await aiohttp_client(create_app(settings, static=static_data))
    sender = await rest_sender(client, "in-danger")
    async with LockedDatabase(settings.database_url):
        replies = await asyncio.wait_for(say(client, sender, "ik ben in gevaar", "127.0.0.1"),
                                         timeout=NOT_WAITING_SECONDS)
    assert replies[0]["text"] == DANGER
    assert replies[1]["text"] == text_of("utter_crisis_offer_person")


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
async def test_a_crisis_phrase_is_answered_while_redis_accepts_but_never_answers(aiohttp_client, settings, static_data):
    """A stalled Redis (a network partition) holds the rate limiters, not the safety answer."""
    from redis.asyncio import Redis

    from bot.gateway.keys import GATEWAY
    from bot.gateway.rate_limit import RedisRateLimiter

    async def never_answer(reader, writer):
        await reader.read()  # holds the connection open and says nothing

    silent = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    stalled = Redis.from_url(f"redis://127.0.0.1:{port}")
    client = await aiohttp_client(create_app(settings, static=static_data))
    sender = await rest_sender(client, "in-danger")
    client.server.app[GATEWAY]._limiter = RedisRateLimiter(stalled, burst=10, per_minute=30)
    try:
        # redis-py gives up on a silent server after 5 s: the answer must not have waited for that.
        replies = await asyncio.wait_for(say(client, sender, "ik ben in gevaar", "127.0.0.1"),
                                         timeout=REDIS_GIVES_UP_SECONDS / 2)
    finally:
        silent.close()
        await stalled.aclose(close_connection_pool=True)
    assert replies[0]["text"] == DANGER


async def test_a_crisis_phrase_in_a_live_chat_still_reaches_the_worker_after_a_locked_database(
        aiohttp_client, settings, log_in, static_data):
    client = await aiohttp_client(create_app(settings, static=static_data))
    made = await make_handover(client, settings, "live")
    worker = await log_in(client, await add_user(client, "anna@rebelz.nl", "worker", ["apeldoorn"], "Anna"))
    number = await handover_id(worker, made["reference"])
    await worker.post(f"/api/v1/staff/handovers/{number}/claim")
    await rest_chat(client, "live", "hallo")
    async with LockedDatabase(settings.database_url) as lock:
        replies = await asyncio.wait_for(rest_chat(client, "live", "ik ben in gevaar"), timeout=NOT_WAITING_SECONDS)
        assert replies[0]["text"] == DANGER
        lock.release()
        for _ in range(200):
            messages = (await (await worker.get(f"/api/v1/staff/handovers/{number}")).json())["messages"]
            if ("user", True) in [(m["sender"], m["crisis"]) for m in messages]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the worker never saw the crisis message")


# --- handover requests -----------------------------------------------------------------------------

def handover_body(settings, conversation: str) -> dict:
    return {"conversation": conversation, "municipality": "Apeldoorn", "contact": "chat",
            "availability": "evening", "language": "nl", "consent": False, "urgent": True}


async def create(client, settings, conversation: str) -> aiohttp.ClientResponse:
    return await client.post("/internal/v1/handovers", json=handover_body(settings, conversation),
                             headers={"Authorization": f"Bearer {settings.internal_token.get_secret_value()}"})


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
@pytest.mark.parametrize("redis_url", [None, REDIS_URL])
async def test_a_conversation_makes_at_most_two_handovers_a_day(aiohttp_client, settings, redis_url, log_in, static_data):
    # A secret of its own: the Redis buckets of this run are nobody else's.
    settings = settings.model_copy(update={"redis_url": redis_url, "secret_key": SecretStr(secrets.token_urlsafe(32)),
                                           "handovers_per_client_per_hour": 100})
    client = await aiohttp_client(create_app(settings, static=static_data))
    conversation = conversation_id(settings.secret_key.get_secret_value(), "rest", await rest_sender(client, "x"))
    await rest_chat(client, "x", "hallo")
    handovers = client.server.app[HANDOVERS]
    for _ in range(2):  # each one asked for, then closed by a worker: one open at a time
        made = await create(client, settings, conversation)
        assert made.status == 201
        await handovers.close((await handovers.by_reference((await made.json())["reference"])).id, "helped_in_chat")
    refused = await create(client, settings, conversation)
    assert refused.status == 429
    answer = await refused.json()
    assert answer["refused"] == "too_many_handovers"
    assert answer["region"]["id"] == "apeldoorn" and answer["region"]["organisation"] == "Rebelz"
    worker = await log_in(client, await add_user(client, "count@rebelz.nl", "worker", ["apeldoorn"]))
    assert len(await (await worker.get("/api/v1/staff/handovers?closed=1")).json()) == 2


@pytest.mark.xdist_group("redis")  # Redis is one server for every worker
@pytest.mark.parametrize("redis_url", [None, REDIS_URL])
async def test_one_address_makes_only_so_many_handovers_an_hour(aiohttp_client, settings, redis_url, static_data):
    settings = settings.model_copy(update={"redis_url": redis_url, "secret_key": SecretStr(secrets.token_urlsafe(32)),
                                           "handovers_per_client_per_hour": 2, "trusted_proxies": "127.0.0.1"})
    client = await aiohttp_client(create_app(settings, static=static_data))
    statuses = []
    for name in ("a", "b", "c"):
        sender = await rest_sender(client, name)
        await say(client, sender, "ik wil met iemand praten", address="192.0.2.20")
        conversation = conversation_id(settings.secret_key.get_secret_value(), "rest", sender)
        statuses.append((await create(client, settings, conversation)).status)
    assert statuses == [201, 201, 429]
    # Someone else, whose latest message came from another address, is not held back.
    sender = await rest_sender(client, "d")
    await say(client, sender, "ik wil met iemand praten", address="198.51.100.7")
    conversation = conversation_id(settings.secret_key.get_secret_value(), "rest", sender)
    assert (await create(client, settings, conversation)).status == 201


def test_the_refusal_is_kind_and_gives_the_organisation_and_the_crisis_lines():
    for key in ("utter_handover_refused", "utter_handover_refused_gemeente"):
        for language in ("nl", "en"):
            text = text_of(key, language)
            assert "112" in text and "113" in text and "0800-2000" in text
    assert "{contact}" in text_of("utter_handover_refused") and "{organisation}" in text_of("utter_handover_refused")
    assert "gemeente" in text_of("utter_handover_refused_gemeente")


# --- how a handover became urgent -----------------------------------------------------------------

async def test_the_worker_reads_that_a_crisis_phrase_made_the_handover_urgent(aiohttp_client, settings, log_in, static_data):
    client = await aiohttp_client(create_app(settings, static=static_data))
    await rest_chat(client, "urgent", "ik ben in gevaar")
    made = await make_handover(client, settings, "urgent")  # the action asked nothing urgent
    worker = await log_in(client, await add_user(client, "why@rebelz.nl", "worker", ["apeldoorn"]))
    number = await handover_id(worker, made["reference"])
    page = await (await worker.get(f"/staff/handovers/{number}")).text()
    assert "<dt>Urgent omdat</dt>" in page and "<li>crisiswoorden in het gesprek</li>" in page
    queue = await (await worker.get("/staff/")).text()
    assert "crisiswoorden in het gesprek" in queue  # in the list too, before opening it


# --- limits that held before and must keep holding ----------------------------------------------

async def test_a_widget_frame_over_16_kb_closes_the_socket_with_1009(client):
    socket = await client.ws_connect("/ws/chat")
    await socket.receive_json()  # the session
    await socket.send_str("x" * (17 * 1024))
    while (frame := await socket.receive(timeout=NOT_WAITING_SECONDS)).type != aiohttp.WSMsgType.CLOSE:
        pass
    assert frame.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG  # 1009


async def test_a_widget_socket_from_another_origin_is_refused(client):
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/chat", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_a_huge_body_to_start_a_conversation_or_send_a_message_is_not_read(client):
    huge = b"x" * (10 * 1024 * 1024)
    sent = await client.post("/api/v1/chat", data=huge, headers={"Content-Type": "application/json"})
    assert sent.status == 413
    started = await client.post("/api/v1/chat/start", data=huge)
    assert started.status in (200, 413)  # it never reads a body
