"""Two Rasa replicas handle the messages of one conversation one after the other (the lock store
of LOCK_STORE_URL, rasa_ext/lock_store.py), against the real Redis, in a database and key prefix
of this test's own; without the variable Rasa keeps its in-memory lock. Run with .venv-rasa's pytest."""
from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from lock_race import race
from rasa_ext.lock_store import AtomicRedisLockStore
from tests.support.ports import free_port

REDIS_URL = "redis://127.0.0.1:6379/14"
ENDPOINTS = str(Path(__file__).parents[2] / "endpoints.yml")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are gone afterwards."""
    name = "test" + uuid.uuid4().hex
    yield name
    red = redis.StrictRedis.from_url(REDIS_URL)
    for key in red.scan_iter(f"{name}:*"):
        red.delete(key)


def test_two_replicas_never_handle_one_conversation_at_once(prefix):
    outcome = race(lambda: AtomicRedisLockStore(REDIS_URL, key_prefix=prefix), rounds=100, burst=3)
    print(f"ours: {outcome}")
    assert outcome.overlaps == 0
    assert (outcome.entered, outcome.lock_errors, outcome.stuck) == (600, 0, 0)


def test_rasa_redis_lock_store_lets_two_replicas_in_at_once(prefix):
    """Why rasa_ext/lock_store.py exists: if this fails, Rasa has fixed its lock store."""
    outcome = race(lambda: RedisLockStore(host="127.0.0.1", port=6379, db=14, key_prefix=prefix), rounds=200)
    print(f"Rasa's RedisLockStore: {outcome}")
    assert outcome.overlaps > 0


def test_a_lock_left_by_a_killed_replica_is_gone_when_its_ticket_expires(prefix):
    store = AtomicRedisLockStore(REDIS_URL, key_prefix=prefix)
    store.issue_ticket("someone", lock_lifetime=0.3)  # and never cleaned up: the replica died
    assert 0 < store.red.pttl(store.key_prefix + "someone") <= 300
    time.sleep(0.4)
    assert store.red.keys(f"{prefix}:*") == []


def test_a_message_waiting_for_a_killed_replicas_lock_gets_its_turn_when_that_ticket_expires(prefix):
    """The waiting ticket is issued just after the dead one, with the same lifetime, and looked at
    only now and then (Rasa's waiting loop): Rasa's ticket would have expired with the dead one
    and the message would fail with a LockError."""
    store = AtomicRedisLockStore(REDIS_URL, key_prefix=prefix)
    store.issue_ticket("someone", lock_lifetime=1.0)  # the killed replica's, never finished
    time.sleep(0.05)

    async def the_retried_message() -> float:
        began = time.monotonic()
        async with store.lock("someone", lock_lifetime=1.0, wait_time_in_seconds=0.3):
            return time.monotonic() - began

    waited = asyncio.run(the_retried_message())
    assert 0.9 < waited < 1.6  # served once the dead ticket expired
    assert store.red.keys(f"{prefix}:*") == []


def test_endpoints_give_redis_with_the_url_and_the_memory_lock_without(monkeypatch):
    # Rasa expands every `${VAR}` of the file and refuses an unset one; the lock store needs none.
    for name in re.findall(r"\$\{(\w+)\}", Path(ENDPOINTS).read_text()):
        monkeypatch.setenv(name, "http://127.0.0.1:1")
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert isinstance(LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store")), InMemoryLockStore)
    monkeypatch.setenv("LOCK_STORE_URL", "")
    assert isinstance(LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store")), InMemoryLockStore)
    monkeypatch.setenv("LOCK_STORE_URL", "redis://:pass%20word@127.0.0.1:6390/3")
    store = LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))
    assert isinstance(store, AtomicRedisLockStore)
    connection = store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"], connection["password"]) == \
        ("127.0.0.1", 6390, 3, "pass word")
    assert store.key_prefix == "rasa:lock:"


class PrivateRedis:
    """A redis-server of this test's own, which it may stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        port = free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        self._command = [shutil.which("redis-server") or "redis-server", "--port", str(port),
                         "--save", "", "--appendonly", "no", "--dir", str(directory)]
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.StrictRedis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait()
            self._process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_with_redis_down_a_message_takes_the_replicas_own_lock_and_redis_again_when_it_is_back(
        private_redis, caplog):
    store = AtomicRedisLockStore(private_redis.url)
    order: list[str] = []

    async def one_message(name: str, seconds: float = 0.0) -> None:
        async with store.lock("someone", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    async def two_at_once() -> None:
        await asyncio.gather(one_message("first", 0.2), one_message("second"))

    asyncio.run(one_message("before"))
    private_redis.stop()
    caplog.set_level(logging.INFO)
    began = time.monotonic()
    asyncio.run(two_at_once())
    assert time.monotonic() - began < 3  # no hanging on the dead Redis
    # Still one after the other within this replica.
    assert order[2:] == ["first in", "first out", "second in", "second out"]
    assert caplog.text.count("lock_store_redis_unavailable") == 1
    private_redis.start()
    asyncio.run(one_message("after"))  # the same store, no restart
    assert "lock_store_redis_available_again" in caplog.text
    assert redis.StrictRedis.from_url(private_redis.url).keys("*") == []  # and it cleaned up in Redis
