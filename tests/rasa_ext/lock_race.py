"""Rasa replicas asking one Redis lock store for a conversation's lock at the same moment: each
replica is a thread with its own store (its own Redis connection) and its own event loop. In each
round every replica sends `burst` messages of a new conversation, starting together; a message
holds the lock briefly. Counts how often two messages were inside at once (overlaps), how many
failed with Rasa's LockError, and how many were still waiting after STUCK_SECONDS (stuck)."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Callable

from rasa.core.lock_store import LockError, LockStore

# Rasa looks at a busy lock once a second; more often here, so a round takes milliseconds.
WAIT_SECONDS = 0.005
# How long a message holds the lock: long enough for another replica to be inside at the same time.
HOLD_SECONDS = 0.002
# Messages that wait this long for a lock held for milliseconds are stuck behind a lost ticket.
STUCK_SECONDS = 2.0


@dataclass
class Outcome:
    entered: int = 0
    overlaps: int = 0
    lock_errors: int = 0
    stuck: int = 0


def race(make_store: Callable[[], LockStore], rounds: int, burst: int = 1, replicas: int = 2) -> Outcome:
    outcome = Outcome()
    counting = threading.Lock()
    inside = [0]
    start = threading.Barrier(replicas)

    async def one_message(store: LockStore, conversation_id: str) -> None:
        async with store.lock(conversation_id, wait_time_in_seconds=WAIT_SECONDS):
            with counting:
                inside[0] += 1
                outcome.entered += 1
                outcome.overlaps += inside[0] > 1
            await asyncio.sleep(HOLD_SECONDS)
            with counting:
                inside[0] -= 1

    async def one_replica(store: LockStore) -> None:
        for round_number in range(rounds):
            await asyncio.get_running_loop().run_in_executor(None, start.wait)
            for _ in range(burst):
                try:
                    await asyncio.wait_for(one_message(store, f"conversation{round_number}"), STUCK_SECONDS)
                except LockError:
                    with counting:
                        outcome.lock_errors += 1
                except asyncio.TimeoutError:
                    with counting:
                        outcome.stuck += 1

    def replica() -> None:
        asyncio.run(one_replica(make_store()))

    threads = [threading.Thread(target=replica) for _ in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
