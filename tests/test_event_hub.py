"""The event hub when Redis is gone: staff changes still reach this replica and never fail."""
from redis.asyncio import Redis

from bot.events import EventHub


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
