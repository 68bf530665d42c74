"""Shared fixtures of the action tests: a real local aiohttp server as the bot service's internal
API (tracker builders and the project's files are in action_inputs.py).

Run with .venv-rasa's pytest and `--confcutdir=tests/actions`, so the bot service's
tests/conftest.py (which needs the bot's environment) is never loaded.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, TypeVar

import pytest
from aiohttp import web

from action_inputs import served_rules
from actions.api import bot_client

TOKEN = "s3cret-internal-token"

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BotApi:
    """A real aiohttp server on a free port standing in for the bot service's internal API.
    `answer()` adds a route; `run()` runs an action's coroutine with BOT_INTERNAL_URL and
    INTERNAL_TOKEN pointing at it; `requests` holds what it received."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.token = TOKEN
        self._routes: List[tuple] = []
        self.requests: List[Dict[str, Any]] = []

    def reset(self) -> None:
        """No routes, nothing received: for a test that runs several actions."""
        self._routes.clear()
        self.requests.clear()

    def answer(self, method: str, path: str, handler: Handler) -> None:
        self._routes.append((method, path, handler))

    def answer_with(self, method: str, path: str, status: int, body: Any) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response(body, status=status)
        self.answer(method, path, handler)

    def run(self, action: Callable[[], Awaitable[T]], listening: bool = True) -> T:
        """Runs `action()` against the server; `listening=False`: nothing listens at the address."""
        async def main() -> T:
            app = web.Application()
            for method, path, handler in self._routes:
                app.router.add_route(method, path, self._recorded(handler))
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            port = runner.addresses[0][1]
            if not listening:
                await runner.cleanup()  # the port is free again: nothing answers
            self._monkeypatch.setenv("BOT_INTERNAL_URL", f"http://127.0.0.1:{port}")
            self._monkeypatch.setenv("INTERNAL_TOKEN", TOKEN)
            try:
                return await action()
            finally:
                await bot_client.close()
                await runner.cleanup()
        return asyncio.run(main())

    def _recorded(self, handler: Handler) -> Handler:
        async def recorded(request: web.Request) -> web.StreamResponse:
            body = await request.json() if request.can_read_body else None
            self.requests.append({"path": request.path, "auth": request.headers.get("Authorization"),
                                  "body": body})
            return await handler(request)
        return recorded


@pytest.fixture
def bot_api(monkeypatch: pytest.MonkeyPatch) -> BotApi:
    return BotApi(monkeypatch)


@pytest.fixture
def rules_api(bot_api: BotApi) -> BotApi:
    """The internal API serving this year's rules."""
    bot_api.answer_with("GET", "/internal/v1/rules", 200, served_rules())
    return bot_api
