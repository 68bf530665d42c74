"""Limits per client address on the public channels (REST and widget): starting chats, messages, and
widget sockets open at once; and the limits on handover requests, per conversation and per client.

Many people can share one address (a carrier's NAT, an office or a shelter's wifi), so these only
stop floods (bot/settings.py says why the numbers). The address is never kept, logged or sent: a
keyed hash of it (HMAC with the server secret) names the buckets. Telegram has no client address
of its own (every update comes from Telegram's servers): it is limited per conversation only.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter

from bot.gateway.rate_limit import RateLimiter
from bot.gateway.recent_clients import RecentClients

# Enough to tell clients apart, short enough for a Redis key.
_KEY_CHARS = 32


def client_key(secret_key: str, address: str | None) -> str | None:
    """The keyed hash that stands for a client address; None when the address is unknown."""
    if not address:
        return None
    digest = hmac.new(secret_key.encode(), b"client-address:" + address.encode(), hashlib.sha256)
    return digest.hexdigest()[:_KEY_CHARS]


class ClientLimits:
    def __init__(self, secret_key: str, starts: RateLimiter, messages: RateLimiter, max_sockets: int,
                 recent: RecentClients) -> None:
        self._secret_key = secret_key
        self._starts = starts
        self._messages = messages
        self._max_sockets = max_sockets
        # Widget sockets open now, per client, on this replica (a socket lives on one replica).
        self._sockets: Counter[str] = Counter()
        self._recent = recent

    def key_of(self, address: str | None) -> str | None:
        return client_key(self._secret_key, address)

    async def allow_start(self, client: str | None) -> bool:
        """A new REST sender or a widget socket (new, reloaded or reconnected)."""
        return client is None or await self._starts.allow(f"client-start:{client}")

    async def allow_message(self, conversation: str, client: str | None) -> bool:
        """Also remembers the client as the conversation's latest, for its handover requests."""
        if client is None:
            return True
        await self._recent.remember(conversation, client)
        return await self._messages.allow(f"client-message:{client}")

    def open_socket(self, client: str | None) -> bool:
        """False when the client has as many sockets open as it may; else counts this one."""
        if client is None:
            return True
        if self._sockets[client] >= self._max_sockets:
            return False
        self._sockets[client] += 1
        return True

    def close_socket(self, client: str | None) -> None:
        if client is None:
            return
        self._sockets[client] -= 1
        if self._sockets[client] <= 0:
            del self._sockets[client]


class HandoverLimits:
    """At most so many handover requests per conversation a day and per client an hour, so a flood
    of fake (urgent) requests cannot bury real ones in the staff queue."""

    def __init__(self, per_conversation: RateLimiter, per_client: RateLimiter, recent: RecentClients) -> None:
        self._per_conversation = per_conversation
        self._per_client = per_client
        self._recent = recent

    async def allow(self, conversation: str) -> bool:
        if not await self._per_conversation.allow(f"handover-conversation:{conversation}"):
            return False
        # Known when the conversation's latest message came over REST or the widget this hour.
        client = await self._recent.client_of(conversation)
        return client is None or await self._per_client.allow(f"handover-client:{client}")
