"""The bot/actions contract as the bot service keeps it: the committed JSON Schema is the one the
models make, and the internal API refuses a body of the wrong shape with a 400 that says what is
wrong (never a 500), while it still reads leniently what is safe to drop or cut.
(The action server's side: tests/actions/test_contract.py, run with .venv-rasa.)
"""
from __future__ import annotations

import logging

import pytest
from aiohttp import web

from bot.app import create_app
from bot.internal_contract import ENDPOINTS, REGENERATE, SCHEMA_PATH, schema_text
from support.paths import ROOT
from support.tokens import bearer
def test_the_committed_schema_is_the_one_the_models_make():
    committed = (ROOT / SCHEMA_PATH).read_text(encoding="utf-8")
    assert committed == schema_text(), (
        f"{SCHEMA_PATH} is out of date with bot/internal_contract.py; regenerate it: {REGENERATE}")


# Served, but no part of the contract: the check texts are moving to the NLG step.
NOT_IN_THE_CONTRACT: set[str] = set()


def routes_of(app: web.Application) -> set[str]:
    """"METHOD /path" of every route, in nested apps too (mounting gives their paths the prefix)."""
    found = set()
    for resource in app.router.resources():
        nested = getattr(resource, "_app", None)
        if isinstance(resource, web.PrefixedSubAppResource) and nested is not None:
            found |= routes_of(nested)
        else:
            found |= {f"{route.method} {resource.canonical}" for route in resource if route.method != "HEAD"}
    return found


def test_every_internal_route_the_service_serves_is_in_the_contract(settings):
    served = {route for route in routes_of(create_app(settings)) if route.split(" ")[1].startswith("/internal/")}
    assert {"POST /internal/v1/handovers", "GET /internal/v1/rules"} <= served  # found at all
    assert served - NOT_IN_THE_CONTRACT <= set(ENDPOINTS), "add the route's bodies to bot/internal_contract.py"


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def internal(settings) -> dict[str, str]:
    return bearer(settings.internal_token.get_secret_value())


@pytest.mark.parametrize("body, problem", [
    ({}, "conversation: Field required"),
    ({"conversation": ""}, "conversation: String should have at least 1 character"),
    ({"conversation": "abc", "consent": "yes"}, "consent: Input should be a valid boolean"),
    ({"conversation": "abc", "topics": "ask_debt"}, "topics: Input should be a valid list"),
    ({"conversation": "abc", "scan": {"money": 3}}, "scan.money: Input should be a valid string"),
    (["conversation"], "body: Input should be a valid dictionary"),
])
async def test_a_handover_request_of_the_wrong_shape_is_refused_saying_what_is_wrong(
        client, internal, caplog, body, problem):
    caplog.set_level(logging.INFO)
    response = await client.post("/internal/v1/handovers", json=body, headers=internal)
    assert response.status == 400
    text = await response.text()
    assert text.startswith('expected {"conversation": "...", ...}') and problem in text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_region_question_of_the_wrong_shape_is_refused_saying_what_is_wrong(client, internal):
    for body in ({}, {"municipality": 5}, {"sentence": None}, "Apeldoorn"):
        response = await client.post("/internal/v1/regions/resolve", json=body, headers=internal)
        assert response.status == 400, body
        assert (await response.text()).startswith('expected {"municipality": "..."} or {"sentence": "..."}')
    refused = await client.post("/internal/v1/regions/resolve", data=b"{not json", headers=internal)
    assert (refused.status, await refused.text()) == (400, 'expected {"municipality": "..."} or {"sentence": "..."}')


async def test_a_sentence_wins_over_a_municipality_and_a_long_answer_is_cut_not_refused(client, internal):
    both = {"sentence": "is er hulp in Apeldoorn", "municipality": "Rotterdam"}
    found = await (await client.post("/internal/v1/regions/resolve", json=both, headers=internal)).json()
    assert found["gemeente"]["name"] == "Apeldoorn"
    long = await client.post("/internal/v1/regions/resolve", json={"municipality": "Apeldoorn" + "x" * 5000},
                             headers=internal)
    assert long.status == 200
