"""A tracker store whose database fails makes Rasa fail the turn (the gateway then says "try
again"), instead of answering from an empty conversation kept in memory, and logs no query
parameters."""
from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_ext import tracker_store_errors

SECRET = "parameter-7f3a-conversation"


class DatabaseDown(InMemoryTrackerStore):
    async def retrieve(self, sender_id):
        raise RuntimeError(f"connection refused [parameters: {{'sender_id_1': '{SECRET}'}}]")

    async def save(self, tracker):
        raise RuntimeError(f"connection refused [parameters: {{'sender_id_1': '{SECRET}'}}]")


def test_the_agent_wraps_its_tracker_store_so_errors_reach_the_caller(caplog):
    tracker_store_errors.install()
    store = Agent._create_tracker_store(DatabaseDown(Domain.empty()), Domain.empty())
    caplog.set_level(logging.INFO)
    with pytest.raises(tracker_store_errors.TrackerStoreUnavailable):
        asyncio.run(store.retrieve(SECRET))
    with pytest.raises(tracker_store_errors.TrackerStoreUnavailable):
        asyncio.run(store.save(DialogueStateTracker(SECRET, [])))
    assert "tracker_store_unavailable action=retrieve error=RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    # Nothing was kept in memory behind the database's back.
    assert store._fallback_tracker_store is None


def test_a_working_store_is_used_as_it_is():
    tracker_store_errors.install()
    store = Agent._create_tracker_store(InMemoryTrackerStore(Domain.empty()), Domain.empty())
    asyncio.run(store.save(DialogueStateTracker("someone", [])))
    assert asyncio.run(store.retrieve("someone")).sender_id == "someone"
