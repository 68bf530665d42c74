"""The action server finds every action the domain names: rasa_sdk imports the `actions` package
and each of its modules and subpackages, and registers the actions by name (without retraining,
the names must stay those of domain.yml). Run with .venv-rasa's pytest."""
from __future__ import annotations

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


def peer_port(bot_api) -> None:
    """The internal API answers with the client's port: one port, one connection."""
    async def peer(request: web.Request) -> web.Response:
        return web.json_response({"peer": {"port": request.transport.get_extra_info("peername")[1]}})
    bot_api.answer("GET", "/internal/v1/rules", peer)


def test_the_internal_api_is_reached_over_one_kept_connection(bot_api):
    peer_port(bot_api)

    async def twice() -> list:
        return [await bot_client.get_rules(), await bot_client.get_rules()]

    first, second = bot_api.run(twice)
    assert first == second  # the same client port: one connection, not one per call
    assert [request["auth"] for request in bot_api.requests] == [f"Bearer {bot_api.token}"] * 2


def test_closing_the_client_ends_its_connection_and_a_later_call_opens_a_new_one(bot_api):
    peer_port(bot_api)

    async def closed_between() -> list:
        first = await bot_client.get_rules()
        await bot_client.close()
        await bot_client.close()  # closing twice is fine
        return [first, await bot_client.get_rules()]

    first, second = bot_api.run(closed_between)
    assert first != second
