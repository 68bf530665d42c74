"""Who the client is behind a reverse proxy: only trusted proxies may say so."""
from aiohttp import web

from bot.client_address import forwarded_middleware, parse_networks, real_client

PROXY = parse_networks("127.0.0.1, 10.0.0.0/8")


def test_a_trusted_proxy_names_the_client():
    assert real_client("127.0.0.1", ["203.0.113.7"], PROXY) == "203.0.113.7"


def test_a_client_cannot_choose_its_address_through_the_proxy():
    # The client sent "X-Forwarded-For: 198.51.100.1"; our proxy appended the real peer.
    assert real_client("127.0.0.1", ["198.51.100.1, 203.0.113.7"], PROXY) == "203.0.113.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    assert real_client("10.0.0.2", ["203.0.113.7, 10.0.0.1"], PROXY) == "203.0.113.7"


def test_an_untrusted_peer_is_the_client_whatever_it_claims():
    assert real_client("203.0.113.9", ["127.0.0.1"], PROXY) == "203.0.113.9"


def test_garbage_in_the_header_does_not_move_the_client():
    assert real_client("127.0.0.1", ["not-an-ip, 203.0.113.7"], PROXY) == "203.0.113.7"
    assert real_client("127.0.0.1", ["203.0.113.7, <script>"], PROXY) == "127.0.0.1"


def test_without_trusted_proxies_the_header_is_ignored():
    assert real_client("127.0.0.1", ["203.0.113.7"], ()) == "127.0.0.1"


async def _app_seen_remote(aiohttp_client, trusted: str, headers: dict) -> str:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=str(request.remote))
    app = web.Application(middlewares=[forwarded_middleware(parse_networks(trusted))])
    app.router.add_get("/", echo)
    client = await aiohttp_client(app)
    return await (await client.get("/", headers=headers)).text()


async def test_routes_see_the_real_client_as_request_remote(aiohttp_client):
    assert await _app_seen_remote(aiohttp_client, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    assert await _app_seen_remote(aiohttp_client, "", {"X-Forwarded-For": "203.0.113.7"}) == "127.0.0.1"
