"""HTTP client of the bot service's internal API; the only way actions reach regions and data.

One aiohttp session for the life of the action server, with the address and the token read once
when it opens. Failures become BotApiUnavailable, so each action can still answer the user.
Never logs a request's body.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Optional

import aiohttp

# The user is waiting: a slow answer is worse than the national fallback.
TIMEOUT = aiohttp.ClientTimeout(total=5)
TOO_MANY_REQUESTS = 429
DEFAULT_URL = "http://127.0.0.1:8080"


class BotApiUnavailable(Exception):
    pass


class BotApiRefused(BotApiUnavailable):
    """The service refused on purpose (429: too many requests lately); `details` is its answer."""

    def __init__(self, details: Dict[str, Any]) -> None:
        super().__init__("refused")
        self.details = details


class _Connection:
    """The session of the running event loop, opened at the first request. The action server
    runs one loop for its whole life; a test that starts a new loop gets a new session."""

    def __init__(self) -> None:
        self.session: Optional[aiohttp.ClientSession] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.base = DEFAULT_URL

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self.session is None or self.session.closed or self.loop is not loop:
            # BOT_INTERNAL_URL and INTERNAL_TOKEN are given by the supervisor (bot/supervisor.py);
            # the token opens the internal API and nothing else.
            self.base = os.environ.get("BOT_INTERNAL_URL", DEFAULT_URL).rstrip("/")
            headers = {"Authorization": f"Bearer {os.environ.get('INTERNAL_TOKEN', '')}"}
            self.session = aiohttp.ClientSession(timeout=TIMEOUT, headers=headers)
            self.loop = loop
        return self.session

    async def close(self) -> None:
        if self.session is not None and not self.session.closed:
            await self.session.close()
        self.session, self.loop = None, None


_connection = _Connection()


async def close() -> None:
    """Closes the session (the action server calls it when it stops)."""
    await _connection.close()


async def resolve_region(municipality: str) -> Dict[str, Any]:
    """{"gemeente": {code, name} | None, "region": {id, name, organisation, office_open,
    next_open: {"nl", "en"}, ...}}"""
    return await _request("POST", "/internal/v1/regions/resolve", {"municipality": municipality})


async def find_region_in(sentence: str) -> Dict[str, Any]:
    """Like resolve_region, for a sentence that may name a gemeente ("is er hulp in Rotterdam")."""
    return await _request("POST", "/internal/v1/regions/resolve", {"sentence": sentence})


async def create_handover(request: Dict[str, Any]) -> Dict[str, Any]:
    """Creates the handover the user asked for; `request` holds the form's answers and the
    topics the user agreed to share (never message text).

    Returns {"reference", "region": {id, name, organisation, contact}, "office_open",
    "response_minutes", "next_open": {"nl", "en"}, "urgent"}. Raises BotApiRefused when the
    conversation or its client asked too often lately (details: {"refused", "region"}).
    """
    return await _request("POST", "/internal/v1/handovers", request, expected_status=201)


async def expect_phone(conversation: str) -> None:
    """Tells the gateway that the conversation's next message answers the phone question, so it
    keeps the number (encrypted) for the handover and Rasa never sees it."""
    await _request("POST", "/internal/v1/intake/expect-phone", {"conversation": conversation},
                   expected_status=204)


async def get_rules() -> Dict[str, Dict[str, Any]]:
    """The amounts and limits the guided checks use (data/check_rules.yml as served):
    {name: {"value", "unit", "year", "check_at", "verify", "stale"}}."""
    rules = await _request("GET", "/internal/v1/rules")
    return {name: rule for name, rule in rules.items() if isinstance(rule, dict)}


async def _request(method: str, path: str, body: Optional[Dict[str, Any]] = None,
                   expected_status: int = 200) -> Dict[str, Any]:
    try:
        session = _connection.get()
        async with session.request(method, f"{_connection.base}{path}", json=body) as response:
            if response.status == TOO_MANY_REQUESTS:
                details = await response.json()
                raise BotApiRefused(details if isinstance(details, dict) else {})
            if response.status != expected_status:
                raise BotApiUnavailable(f"status {response.status}")
            if response.status == 204:
                return {}
            found = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        raise BotApiUnavailable(type(error).__name__) from error
    if not isinstance(found, dict):
        raise BotApiUnavailable("not a mapping")
    return found
