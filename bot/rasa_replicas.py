"""Which Rasa replica answers a conversation: always the same one while it is up, another one when
it is not.

Rendezvous hashing: each replica scores `sha256(replica + conversation)`; the highest score is the
conversation's home. Every gateway replica computes the same order with no shared state, so two
messages of one conversation reach the same Rasa even through two gateways, and Rasa's own lock
keeps them in order (Rasa's Redis lock store only has to cover the short overlap of a failover).
When replicas come or go, only the conversations of that replica move.

An entry whose host name resolves to several addresses (Docker's name for a scaled service) counts
as one replica per address. A replica that refused a connection is tried last for a while, so
one dead Rasa costs a conversation one refused connection, not a timeout per message.
"""
from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import socket
import time
from typing import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

# How long a replica that refused a connection goes to the back of every order. Long enough that
# a dead Rasa is not retried per message, short enough that a restarted one gets its
# conversations back within seconds (its conversations' state is in the shared tracker store).
DOWN_SECONDS = 5.0
# How long a name's addresses are reused before asking the resolver again: a scaled-up replica
# gets its share of conversations within this time.
RESOLVE_SECONDS = 10.0

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, sorted (so every gateway sees one order)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _with_host(url: str, address: str) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _score(replica: str, conversation_id: str) -> bytes:
    return hashlib.sha256(f"{replica}\n{conversation_id}".encode()).digest()


class RasaReplicas:
    """The base URLs of the Rasa replicas, in the order a conversation should try them."""

    def __init__(self, urls: list[str], *, resolver: Resolver = resolve_addresses,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self._urls = urls
        self._resolver = resolver
        self._clock = clock
        self._resolved: list[str] = []
        self._resolved_at = float("-inf")
        self._down_until: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def all(self) -> list[str]:
        """Every replica now (names expanded to their addresses)."""
        if self._clock() - self._resolved_at < RESOLVE_SECONDS:
            return self._resolved
        async with self._lock:
            if self._clock() - self._resolved_at >= RESOLVE_SECONDS:
                self._resolved = await self._expand()
                self._resolved_at = self._clock()
        return self._resolved

    async def order(self, conversation_id: str) -> list[str]:
        """Home replica first; replicas that refused a connection lately go last (still tried)."""
        now = self._clock()
        ranked = sorted(await self.all(), key=lambda url: _score(url, conversation_id), reverse=True)
        return ([url for url in ranked if self._down_until.get(url, 0.0) <= now]
                + [url for url in ranked if self._down_until.get(url, 0.0) > now])

    def mark_down(self, url: str) -> bool:
        """True when the replica was taken as up until now (worth one warning, not one per message)."""
        now = self._clock()
        was_up = self._down_until.get(url, 0.0) <= now
        self._down_until[url] = now + DOWN_SECONDS
        return was_up

    def mark_up(self, url: str) -> None:
        self._down_until.pop(url, None)

    async def _expand(self) -> list[str]:
        expanded: list[str] = []
        for url in self._urls:
            parts = urlsplit(url)
            host = parts.hostname or ""
            # "localhost" stays one replica: it resolves to 127.0.0.1 and ::1, one server.
            if not host or _is_address(host) or host == "localhost":
                expanded.append(url)
                continue
            try:
                addresses = await self._resolver(host, parts.port or 80)
            except OSError:
                addresses = []
            # A name that does not resolve right now stays as it is: the call fails over like a
            # refused connection, and the next resolution may find it again.
            if addresses:
                expanded.extend(_with_host(url, address) for address in addresses)
            else:
                expanded.append(url)
        return sorted(set(expanded))
