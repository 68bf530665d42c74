"""Live events between gateway replicas and the staff inbox: a new handover, a claim, a relayed
message, a message waiting for a user's open widget, a change to content, regions or accounts.

In one process, events go straight to the local listeners; with REDIS_URL they go through Redis
pub/sub, so a worker's reply reaches the user's websocket on whichever replica holds it. Events are
transient: everything they carry is stored before they are published. A Redis outage never
reaches a caller: events are then delivered on this replica only, and the listener resubscribes.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from bot.redis_outage import RedisOutage

log = logging.getLogger(__name__)
CHANNEL = "exit-support:events"
# How long the listener waits before it tries Redis again after losing it.
RESUBSCRIBE_SECONDS = 1.0
Listener = Callable[[dict[str, Any]], Awaitable[None]]


class EventHub:
    def __init__(self, redis: Redis | None, outage: RedisOutage | None = None) -> None:
        self._redis = redis
        self._outage = outage or RedisOutage()
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Subscribes before it returns when Redis answers, else keeps trying in the background:
        a Redis that is down at start must not stop the service."""
        if self._redis is None:
            return
        pubsub = self._redis.pubsub()
        subscribed: PubSub | None = pubsub
        try:
            await pubsub.subscribe(CHANNEL)
        except (OSError, RedisError) as error:
            self._outage.failed("live events", error)
            with contextlib.suppress(OSError, RedisError):
                await pubsub.aclose()
            subscribed = None
        self._task = asyncio.create_task(self._listen(self._redis, subscribed))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    async def publish(self, event: dict[str, Any]) -> None:
        if self._redis is not None:
            try:
                await self._redis.publish(CHANNEL, json.dumps(event))
                return
            except (OSError, RedisError) as error:  # a redis ConnectionError is a RedisError, not an OSError
                self._outage.failed("live events", error)  # delivered on this replica only
        await self._dispatch(event)

    async def _listen(self, redis: Redis, subscribed: Any) -> None:
        """`subscribed`: a pubsub already subscribed to the channel, or None."""
        while True:
            pubsub, subscribed = subscribed, None
            try:
                if pubsub is None:
                    pubsub = redis.pubsub()
                    await pubsub.subscribe(CHANNEL)
                self._outage.answered()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        await self._dispatch(json.loads(message["data"]))
            except asyncio.CancelledError:
                if pubsub is not None:
                    with contextlib.suppress(OSError, RedisError):
                        await pubsub.aclose()
                raise
            except (OSError, RedisError) as error:
                self._outage.failed("live events", error)
            except Exception:
                log.exception("event_listener_failed; resubscribing")
            if pubsub is not None:
                with contextlib.suppress(OSError, RedisError):
                    await pubsub.aclose()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def _dispatch(self, event: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                await listener(event)
            except Exception:
                log.exception("event_listener_error kind=%s", event.get("kind"))
