"""Rasa's lock store, configured by one URL (LOCK_STORE_URL) like the tracker store: with Redis,
two messages of one conversation on two Rasa replicas are handled one after the other; unset or
empty, Rasa's in-memory lock (one Rasa process, `make run`). Never logs conversation ids.

Why not Rasa's RedisLockStore as it is: it changes a conversation's ticket lock by reading it,
changing it in Python and writing it back, with nothing in between to stop another replica doing
the same. Two replicas asking at once both read "no lock", both take ticket 0 and both go ahead;
a waiter tidying expired tickets or a holder leaving can also write back a lock without a ticket
another replica has just added (tests/rasa_ext/test_lock_store.py measures both). Here every
change is one Redis optimistic transaction (WATCH the key, read, MULTI/EXEC the write; redis-py
retries when another client changed the key meanwhile), so no change is lost. A lock without
tickets is deleted in the same transaction, and the key expires with its last ticket, so a
replica killed mid-message leaves nothing behind. The ticket algorithm itself stays Rasa's.

With Redis unreachable, a message takes this replica's in-memory lock instead of failing (one
warning per outage): the gateway keeps each conversation on one Rasa replica
(bot/rasa_replicas.py), so a replica's own lock still keeps a conversation's messages in order;
Redis only covers the moments a conversation moves to another replica.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, TypeVar

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

# Prefixes our keys in the Redis database the URL names: `rasa:lock:<conversation id>`.
KEY_PREFIX = "rasa"
# Rasa's lock store talks to Redis synchronously, so a Redis that stops answering freezes every
# conversation of the replica until the socket gives up (Rasa's 10 s); Redis answers in
# milliseconds, so 2 s only cuts the freeze. The message then fails with a LockError.
SOCKET_TIMEOUT_SECONDS = 2.0
T = TypeVar("T")
log = logging.getLogger(__name__)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis ticket lock with every read-change-write done as one Redis transaction."""

    def __init__(self, url: Text, key_prefix: Text = KEY_PREFIX,
                 socket_timeout: float = SOCKET_TIMEOUT_SECONDS) -> None:
        # Not RedisLockStore.__init__: it takes host, port, db and password apart, and redis-py
        # reads them (and rediss:// for TLS) from the URL itself.
        LockStore.__init__(self)
        self.red = redis.StrictRedis.from_url(url, socket_timeout=socket_timeout)
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        self._set_key_prefix(key_prefix)
        self._memory = InMemoryLockStore()
        self._redis_down = False

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        try:
            ticket = self.issue_ticket(conversation_id, lock_lifetime)
        except LockError as error:
            if not isinstance(error.__cause__, (redis.ConnectionError, redis.TimeoutError)):
                raise
            self._note_down(error.__cause__)
            async with self._memory.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
                yield lock
            return
        self._note_up()
        try:
            yield await self._wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except redis.RedisError as error:  # the answer is made; the ticket expires by itself
                self._note_down(error)

    async def _wait_for_turn(self, conversation_id: Text, ticket: int, lifetime: float,
                             wait_time_in_seconds: float) -> TicketLock:
        """Rasa's waiting loop, except that the waiting ticket is kept alive while it waits.

        Rasa's ticket expires `lifetime` after it was issued, waiting included, and its loop looks
        only once a second: a message waiting for the lock of a replica that was killed mid-turn
        saw its own ticket expire together with the dead one, found no lock and failed
        (LockError). Here each look renews the waiting ticket, so it is served once the dead
        ticket expires, with its whole lifetime still ahead for the turn itself."""
        while True:
            lock = self._change(conversation_id, lambda lock: _keep_waiting(lock, ticket, lifetime))
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def _note_down(self, error: BaseException) -> None:
        if not self._redis_down:
            self._redis_down = True
            log.warning("lock_store_redis_unavailable error=%s; locking in this replica's memory until it "
                        "is back", type(error).__name__)

    def _note_up(self) -> None:
        if self._redis_down:
            self._redis_down = False
            log.warning("lock_store_redis_available_again")

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        """Runs `change` on the stored lock (a new, empty one if there is none) and stores what
        it left, atomically: if another client writes the key in between, redis-py runs it again."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> T:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
            result = change(lock)
            pipe.multi()
            if lock.is_someone_waiting():
                last_expiry = max(ticket.expires for ticket in lock.tickets)
                pipe.set(key, lock.dumps(), px=max(1, math.ceil((last_expiry - time.time()) * 1000)))
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except redis.RedisError as error:  # as Rasa's: the message fails with a LockError
            raise LockError(f"Error while acquiring lock: {type(error).__name__}") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, TicketLock.remove_expired_tickets)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Rasa's asks "is someone waiting?" and then deletes; a ticket issued in between went
        # with the lock. Here the lock goes with its last ticket, in the same transaction.
        self.finish_serving(conversation_id, ticket_number)


def _keep_waiting(lock: TicketLock, ticket: int, lifetime: float) -> TicketLock:
    """Drops the other expired tickets and renews `ticket` (back in its place if it was dropped)."""
    expires = time.time() + lifetime
    lock.tickets = [t for t in lock.tickets if t.number == ticket or not t.has_expired()]
    mine = [t for t in lock.tickets if t.number == ticket]
    if mine:
        mine[0].expires = expires
    else:
        lock.tickets = sorted([*lock.tickets, Ticket(ticket, expires)], key=lambda t: t.number)
    return lock


class UrlLockStore(LockStore):
    """What endpoints.yml names: Rasa calls it with the endpoint's config and gets back the
    Redis store of LOCK_STORE_URL (redis://[:password@]host:port/db, or rediss://), or Rasa's
    in-memory store when the variable is unset or empty."""

    def __new__(cls, endpoint_config: Optional[EndpointConfig] = None,
                **kwargs: Any) -> LockStore:
        # Read here, not as `${LOCK_STORE_URL}` in endpoints.yml: Rasa refuses to start on an
        # unset `${VAR}`, and a single process needs no variable at all.
        url = (endpoint_config.url if endpoint_config else None) or os.environ.get("LOCK_STORE_URL", "")
        if not url:
            return InMemoryLockStore()
        return AtomicRedisLockStore(url)
