"""Live events between gateway replicas and the staff inbox: a new handover, a claim, a relayed
message, a message waiting for a user's open widget.

In one process, events go straight to the local listeners; with REDIS_URL they go through Redis
pub/sub, so a worker's reply reaches the user's websocket on whichever replica holds it. Events are
transient: everything they carry is stored before they are published.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
CHANNEL = "exit-support:events"
Listener = Callable[[dict[str, Any]], Awaitable[None]]


class EventHub:
    def __init__(self, redis: Redis | None) -> None:
        self._redis = redis
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        if self._redis is not None:
            pubsub = self._redis.pubsub()
            await pubsub.subscribe(CHANNEL)
            self._task = asyncio.create_task(self._listen(pubsub))

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
            except (OSError, RedisError):
                log.warning("event_publish_failed kind=%s (delivered locally only)", event.get("kind"))
        await self._dispatch(event)

    async def _listen(self, pubsub: Any) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        await self._dispatch(json.loads(message["data"]))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                log.exception("event_listener_failed; resubscribing")
                await asyncio.sleep(1)

    async def _dispatch(self, event: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                await listener(event)
            except Exception:
                log.exception("event_listener_error kind=%s", event.get("kind"))
