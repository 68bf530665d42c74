"""The event hub when Redis is gone: staff changes still reach this replica and never fail, and a
live chat goes on."""
from redis.asyncio import Redis

from bot.app import create_app
from bot.staff.keys import ACCOUNTS, INBOX
from bot.events import EventHub
from support.rest import rest_chat, rest_sender
from support.staff import make_handover


async def test_an_event_is_delivered_here_when_redis_cannot_be_reached():
    redis = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=1)  # nothing listens on port 1
    hub = EventHub(redis)
    received = []

    async def listener(event):
        received.append(event)

    hub.subscribe(listener)
    try:
        await hub.publish({"kind": "staff_access_changed", "staff_id": 3})
    finally:
        await redis.aclose()
    assert received == [{"kind": "staff_access_changed", "staff_id": 3}]


async def test_a_live_chat_goes_on_when_redis_cannot_be_reached(aiohttp_client, settings):
    """Every relayed message and staff event is published through Redis; with Redis gone the user
    still gets their answer (no 500), and the app starts at all."""
    client = await aiohttp_client(create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})))
    made = await make_handover(client, settings, "user-1")
    app = client.server.app
    worker_id = await app[ACCOUNTS].id_of((await app[ACCOUNTS].add("anna@rebelz.nl", "worker", ["apeldoorn"],
                                                                    "Anna")).email)
    worker = await app[ACCOUNTS].get(worker_id)
    number = next(h.id for h in await app[INBOX].queue(worker) if h.reference == made["reference"])
    await app[INBOX].claim(worker, number)

    response = await client.post("/api/v1/chat", json={"sender": await rest_sender(client, "user-1"),
                                                        "message": "hallo?"})
    assert response.status == 200
    replies = await response.json()
    assert replies and replies[0]["text"].startswith("Je praat nu met Anna")
    await app[INBOX].send(worker, number, "Ik ben er.")
    assert [m["text"] for m in await rest_chat(client, "user-1", "fijn")] == ["Ik ben er."]

