"""The live chat between a user and a worker: the user's messages go to the worker, the worker's
to the user on the user's own channel, and Rasa is not consulted meanwhile.

Every message is stored (encrypted) before it is acknowledged or pushed. A message to the user is
pushed at once where possible (the widget's open websocket, Telegram) and otherwise waits in the
database: REST clients get it with their next message or from /pending. Never logs message text.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from typing import Any, Awaitable, Callable

from bot.db.models import Handover
from bot.events import EventHub
from bot.handover.handovers import Handovers, Relayed

log = logging.getLogger(__name__)
Message = dict[str, Any]
Push = Callable[[list[Message]], Awaitable[bool]]
ChannelPush = Callable[[str, list[Message]], Awaitable[bool]]
AddressOf = Callable[[str], Awaitable[str | None]]
# What a user types (or the button sends) to end the chat with the worker.
END_WORDS = frozenset({"stop", "stoppen", "einde", "klaar", "end", "end chat", "stop chat",
                       "gesprek beëindigen", "beëindig gesprek", "stop het gesprek"})


def is_end_request(text: str) -> bool:
    return text.strip().strip(".!").lower() in END_WORDS


def as_message(relayed: Relayed) -> Message:
    """For the user's screen: who wrote it (a worker by name, a notice, the assistant's automatic
    line) and its id, so a widget that gets it twice (a resume) shows it once."""
    message: Message = {"text": relayed.text, "buttons": relayed.buttons, "id": relayed.id}
    if relayed.sender != "user":
        message["sender"] = relayed.sender
    if relayed.name:
        message["name"] = relayed.name
    if relayed.sender == "assistant":
        message["automatic"] = True
    return message


class Relay:
    def __init__(self, handovers: Handovers, hub: EventHub, address_of: AddressOf) -> None:
        self._handovers = handovers
        self._hub = hub
        self._address_of = address_of
        self._sockets: dict[str, Push] = {}
        # Open widget sockets per conversation on this replica (a duplicated tab shares the token).
        self._connections: Counter[str] = Counter()
        self._channels: dict[str, ChannelPush] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        hub.subscribe(self._on_event)

    def attach(self, conversation_id: str, push: Push) -> Callable[[], None]:
        """An open widget socket of this replica; returns the detach function."""
        self._sockets[conversation_id] = push

        def detach() -> None:
            if self._sockets.get(conversation_id) is push:
                del self._sockets[conversation_id]
        return detach

    async def user_connected(self, conversation_id: str) -> None:
        self._connections[conversation_id] += 1
        await self._presence(conversation_id, "online")

    async def user_disconnected(self, conversation_id: str) -> None:
        self._connections[conversation_id] -= 1
        if self._connections[conversation_id] <= 0:
            del self._connections[conversation_id]
            await self._presence(conversation_id, "offline")

    async def _presence(self, conversation_id: str, state: str) -> None:
        """The worker of an open handover sees whether the user is there (no text, no id)."""
        for handover in await self._handovers.set_presence(conversation_id, state):
            since = handover.user_presence_since
            await self._hub.publish({"kind": "presence", "handover_id": handover.id,
                                     "region_id": handover.region_id, "state": state,
                                     "since": since.isoformat() if since else None})

    def register_channel(self, channel: str, push: ChannelPush) -> None:
        """A channel that can reach a user by their stored address at any time (Telegram)."""
        self._channels[channel] = push

    async def from_user(self, handover: Handover, text: str, crisis: str | None) -> None:
        relayed = await self._handovers.add_message(handover.id, "user", {"text": text, "buttons": []},
                                                   crisis=crisis is not None)
        if crisis is not None:
            log.info("crisis_phrase_in_live_chat category=%s", crisis)
        await self._staff_message(handover, relayed)

    async def to_user(self, handover: Handover, sender: str, message: Message) -> Relayed:
        """Stores a worker's message or a notice, tells the staff pages, then pushes it."""
        relayed = await self._handovers.add_message(handover.id, sender, message)
        await self._staff_message(handover, relayed)
        await self.deliver(handover.conversation_id, handover.channel)
        return relayed

    async def assistant_line(self, handover: Handover, message: Message) -> Message:
        """The assistant's automatic line in a live chat (a crisis phrase's safety lines): the
        worker sees it too; the user's screen marks it as automatic."""
        relayed = await self._handovers.add_message(handover.id, "assistant", message, delivered=True)
        await self._staff_message(handover, relayed)
        return as_message(relayed)

    async def note_for_worker(self, handover: Handover, text: str) -> None:
        """A line only the worker sees (the user came back by their code, withdrew, ...)."""
        relayed = await self._handovers.add_message(handover.id, "system", {"text": text}, delivered=True)
        await self._staff_message(handover, relayed)

    async def end_by_user(self, handover: Handover, told_user: Message) -> None:
        """The user ended the chat; the worker sees what the user was told."""
        if await self._handovers.end_chat(handover.id):
            relayed = await self._handovers.add_message(handover.id, "notice", told_user, delivered=True)
            await self._staff_message(handover, relayed)
            await self.staff_event("ended", handover)

    async def take_pending(self, conversation_id: str) -> list[Message]:
        """What waits for the user, for a channel that is answering them right now."""
        delivered: list[Message] = []

        async def collect(messages: list[Message]) -> bool:
            delivered.extend(messages)
            return True
        await self._push(conversation_id, collect)
        return delivered

    async def deliver(self, conversation_id: str, channel: str) -> None:
        if channel in self._channels:
            await self._push_by_address(conversation_id, channel)
        elif channel == "web":
            # The socket may be open on another replica: whoever holds it pushes.
            await self._hub.publish({"kind": "deliver", "conversation": conversation_id})
        # REST: the messages wait for the client's next request.

    async def _push_by_address(self, conversation_id: str, channel: str) -> None:
        address = await self._address_of(conversation_id)
        if address is None:
            return
        await self._push(conversation_id, lambda messages: self._channels[channel](address, messages))

    async def _push(self, conversation_id: str, push: Push) -> None:
        async with self._locks[conversation_id]:
            pending = await self._handovers.pending(conversation_id)
            if pending and await push([as_message(r) for r in pending]):
                await self._handovers.mark_delivered([r.id for r in pending])
        if not self._locks[conversation_id].locked():
            self._locks.pop(conversation_id, None)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "deliver":
            push = self._sockets.get(str(event.get("conversation")))
            if push is not None:
                await self._push(str(event["conversation"]), push)

    async def _staff_message(self, handover: Handover, relayed: Relayed) -> None:
        """Names the stored message; the staff socket reads it from the database, so no text
        passes through Redis."""
        await self._hub.publish({"kind": "message", "handover_id": handover.id,
                                 "region_id": handover.region_id, "message_id": relayed.id})

    async def staff_event(self, action: str, handover: Handover) -> None:
        """New, claimed, escalated, ended, closed: for the queue pages (no text)."""
        await self._hub.publish({"kind": "handover", "action": action, "handover_id": handover.id,
                                 "region_id": handover.region_id, "urgent": handover.urgent})
