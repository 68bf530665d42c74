"""The real client address behind trusted reverse proxies (X-Forwarded-For), as `request.remote`.

Only the proxies named in TRUSTED_PROXIES may say who the client is: the header is read from the
right, skipping trusted proxies, and the first address that is not one of them is the client. A
client that sends its own X-Forwarded-For therefore cannot choose its address (its entries sit left
of the one our proxy appended). Without trusted proxies the header is ignored.

aiohttp-remotes' XForwardedStrict needs the exact number of hops and refuses (400) every request
whose header has more, as it does for users behind a corporate or carrier proxy; its relaxed mode
trusts any client. Hence these few lines.
Never logs addresses.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Awaitable, Callable, Iterable

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

Network = IPv4Network | IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def parse_networks(spec: str) -> tuple[Network, ...]:
    """"10.0.0.0/8, 127.0.0.1" -> networks; a wrong entry stops the start (ValueError names it)."""
    return tuple(ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def real_client(peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str | None:
    """The client's address: the peer itself unless it is a trusted proxy, then the right-most
    address in X-Forwarded-For that is not a trusted proxy."""
    # The header lists the client first and the nearest proxy last.
    hops = [part.strip() for header in forwarded_for for part in header.split(",") if part.strip()]
    candidate = peer
    for hop in [peer, *reversed(hops)]:
        address = _address(hop)
        if address is None:
            return candidate  # a garbled entry: stop at the last address we could trust
        candidate = str(address)
        if not any(address in network for network in trusted):
            return candidate
    return candidate


def _address(text: str | None) -> IPv4Address | IPv6Address | None:
    if not text:
        return None
    try:
        return ip_address(text)
    except ValueError:
        return None


def forwarded_middleware(trusted: tuple[Network, ...]) -> Middleware:
    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        if trusted:
            client = real_client(request.remote, request.headers.getall(hdrs.X_FORWARDED_FOR, []), trusted)
            if client is not None and client != request.remote:
                request = request.clone(remote=client)
        return await handler(request)
    return forwarded
