"""The action server finds every action the domain names: rasa_sdk imports the `actions` package
and each of its modules and subpackages, and registers the actions by name (without retraining,
the names must stay those of domain.yml). Run with .venv-rasa's pytest."""
from __future__ import annotations

import asyncio

from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from action_inputs import DOMAIN
from actions.api import bot_client

# Rasa's own actions the domain may list; the rest must come from `actions`.
CUSTOM_PREFIXES = ("action_", "validate_")


def test_every_custom_action_of_the_domain_is_registered_and_none_is_unknown_to_it():
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = {name for name in executor.actions if not name.endswith("_")}  # not the base classes
    registered.discard("action__check_result")
    named = {name for name in DOMAIN["actions"] if name.startswith(CUSTOM_PREFIXES)}
    assert named == registered


def test_the_internal_api_is_reached_over_one_kept_connection(bot_api):
    async def peer(request: web.Request) -> web.Response:
        return web.json_response({"port": request.transport.get_extra_info("peername")[1]})
    bot_api.answer("GET", "/internal/v1/rules", peer)

    async def twice() -> list:
        return [await bot_client.get_rules(), await bot_client.get_rules()]

    first, second = bot_api.run(twice)
    assert first == second  # the same client port: one connection, not one per call
    assert [request["auth"] for request in bot_api.requests] == [f"Bearer {bot_api.token}"] * 2


def test_closing_the_client_leaves_no_session_open(bot_api):
    bot_api.answer_with("GET", "/internal/v1/rules", 200, {})

    async def run() -> bool:
        await bot_client.get_rules()
        session = bot_client._connection.session
        await bot_client.close()
        return session is not None and session.closed

    assert bot_api.run(run)
    assert asyncio.run(bot_client.close()) is None  # closing twice is fine
