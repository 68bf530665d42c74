"""Several Rasa replicas behind the gateway: each conversation stays with one replica while it is
up (so Rasa's own lock keeps its messages in order, whichever gateway replica they come through),
conversations spread over the replicas, and a replica that is gone costs nobody a reply.

In-process, against stand-ins for Rasa's gateway channel; the real processes are in
tests/cluster/ (make test-cluster)."""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.rasa_replicas import DOWN_SECONDS, RasaReplicas
from bot.content.files import parse_entries, read_content_dir
from support.paths import ROOT
from support.rest import rest_chat
from support.stub_rasa import StubRasa

REPLICAS = ["http://10.0.0.1:5005", "http://10.0.0.2:5005"]
GREETING = parse_entries(read_content_dir(ROOT / "data" / "content"))["utter_greet"].variants["nl"].text


async def test_every_gateway_sends_a_conversation_to_the_same_replica_and_conversations_spread():
    first_gateway, second_gateway = RasaReplicas(REPLICAS), RasaReplicas(list(reversed(REPLICAS)))
    homes = Counter()
    for number in range(400):
        conversation = f"conversation-{number}"
        home = (await first_gateway.order(conversation))[0]
        assert (await second_gateway.order(conversation))[0] == home
        homes[home] += 1
    assert set(homes) == set(REPLICAS)
    assert min(homes.values()) > 150  # about half each


async def test_a_new_replica_takes_conversations_only_for_itself():
    before, after = RasaReplicas(REPLICAS), RasaReplicas([*REPLICAS, "http://10.0.0.3:5005"])
    moved = Counter()
    for number in range(300):
        conversation = f"conversation-{number}"
        old, new = (await before.order(conversation))[0], (await after.order(conversation))[0]
        if old != new:
            moved[new] += 1
    assert set(moved) == {"http://10.0.0.3:5005"}  # nobody moves between the two old ones
    assert 60 < moved["http://10.0.0.3:5005"] < 140  # about a third


async def test_a_replica_that_refused_goes_last_for_a_while_then_gets_its_conversations_back():
    now = [0.0]
    replicas = RasaReplicas(REPLICAS, clock=lambda: now[0])
    conversation = [c for c in (f"c{n}" for n in range(100)) if (await replicas.order(c))[0] == REPLICAS[0]][0]
    assert replicas.mark_down(REPLICAS[0]) is True
    assert replicas.mark_down(REPLICAS[0]) is False  # already known: no second warning
    assert await replicas.order(conversation) == [REPLICAS[1], REPLICAS[0]]
    now[0] += DOWN_SECONDS + 0.1
    assert (await replicas.order(conversation))[0] == REPLICAS[0]


async def test_a_name_with_several_addresses_is_one_replica_per_address():
    asked = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["172.18.0.7", "172.18.0.5"]

    replicas = RasaReplicas(["http://rasa:5005"], resolver=resolver)
    assert await replicas.all() == ["http://172.18.0.5:5005", "http://172.18.0.7:5005"]
    await replicas.all()
    assert asked == [("rasa", 5005)]  # resolved again only after a while


async def test_a_name_that_does_not_resolve_now_is_kept_so_the_next_resolution_can_find_it():
    async def resolver(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    assert await RasaReplicas(["http://rasa:5005"], resolver=resolver).all() == ["http://rasa:5005"]


class RecordingRasa(StubRasa):
    """A stand-in that notes which conversations it answered; `drop_next` drops the connection
    before answering, as a Rasa killed in the middle of a turn does."""

    def __init__(self, gateway_token: str, nlg_token: str) -> None:
        super().__init__(gateway_token, nlg_token)
        self.senders: list[str] = []
        self.drop_next = False

    async def _webhook(self, request: web.Request) -> web.Response:
        if self.drop_next:
            self.drop_next = False
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        return await super()._webhook(request)

    async def _answer(self, body: dict[str, Any]) -> web.Response:
        self.senders.append(body["sender"])
        return await super()._answer(body)


@pytest.fixture
async def two_rasas_and_client(aiohttp_client, settings, static_data):
    stubs, servers = [], []
    for _ in range(2):
        stub = RecordingRasa(settings.gateway_token.get_secret_value(), settings.nlg_token.get_secret_value())
        server = TestServer(stub.app, host="127.0.0.1")
        await server.start_server()
        stubs.append(stub)
        servers.append(server)
    urls = ",".join(str(server.make_url("")).rstrip("/") for server in servers)
    client = await aiohttp_client(create_app(settings.model_copy(update={"rasa_urls": urls}), static=static_data))
    for stub in stubs:
        stub.nlg_url = str(client.make_url("/nlg"))
    yield stubs, servers, client
    for server in servers:
        await server.close()


def greeting_texts(replies: list[dict]) -> bool:
    """The stand-ins' answer, not the "try again" message the gateway gives when no Rasa answers."""
    return [reply["text"] for reply in replies] == [GREETING]


async def test_the_messages_of_a_conversation_all_reach_one_replica(two_rasas_and_client):
    stubs, _, client = two_rasas_and_client
    for number in range(12):
        sender = f"user-{number}"
        for _ in range(3):
            assert greeting_texts(await rest_chat(client, sender, "hallo"))
    for stub in stubs:
        assert all(count == 3 for count in Counter(stub.senders).values())
    assert not set(stubs[0].senders) & set(stubs[1].senders)
    assert stubs[0].senders and stubs[1].senders


async def test_when_a_replica_is_gone_its_conversations_are_answered_by_the_other(two_rasas_and_client):
    stubs, servers, client = two_rasas_and_client
    senders = [f"user-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    for sender in senders:
        await rest_chat(client, sender, "hallo")
    home_of_first = 0 if stubs[0].senders else 1
    await servers[home_of_first].close()  # refuses connections from now on
    survivor = stubs[1 - home_of_first]
    answered_before = len(survivor.senders)
    for sender in senders:
        replies = await rest_chat(client, sender, "hallo")
        assert greeting_texts(replies), replies  # an answer, not the "try again" message
    assert len(survivor.senders) == answered_before + len(senders)


async def test_a_replica_that_drops_the_turn_midway_is_replaced_by_the_next_one(two_rasas_and_client):
    stubs, _, client = two_rasas_and_client
    await rest_chat(client, "mid-turn", "hallo")
    home = stubs[0] if stubs[0].senders else stubs[1]
    other = stubs[1] if home is stubs[0] else stubs[0]
    home.drop_next = True
    replies = await rest_chat(client, "mid-turn", "hallo")
    assert greeting_texts(replies), replies
    assert len(other.senders) == 1 and len(home.senders) == 1
