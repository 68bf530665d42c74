"""A database error in the tracker store reaches the gateway as an error, not as an answer from an
empty conversation.

Rasa wraps every tracker store in FailSafeTrackerStore: when the database fails it answers from
a blank in-memory tracker and keeps the turn in that memory. Here that is wrong twice: the user
gets an answer that forgot the conversation (a handover form's progress), and the turn lives in a
store that "forget me" and retention never reach. It also logs the database error's text, which
carries the query's parameters (conversation ids, event data). This wrapper lets the error through
with one line that names only its type: Rasa answers 500 and the gateway tells the user kindly to
try again, with the safety lines.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, Optional, Text

import rasa.core.agent
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)


class TrackerStoreUnavailable(Exception):
    """The tracker store's database did not answer (its own error left out: it holds parameters)."""


class ErrorsSurfaceTrackerStore(FailSafeTrackerStore):
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._call("retrieve", sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._call("retrieve_full_tracker", sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._call("save", tracker)

    async def keys(self) -> Iterable[Text]:
        return await self._call("keys")

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            return await getattr(self._tracker_store, method)(*args)
        except Exception as error:  # noqa: BLE001  - whatever the store raised, never its text
            log.error("tracker_store_unavailable action=%s error=%s", method, type(error).__name__)
            raise TrackerStoreUnavailable(type(error).__name__) from None


def install() -> None:
    """Rasa's Agent wraps its tracker store in this class instead of FailSafeTrackerStore (Rasa
    offers no setting for it); rasa_ext/server.py calls this before the agent is made."""
    rasa.core.agent.FailSafeTrackerStore = ErrorsSurfaceTrackerStore
