"""HTTP client of the bot service's internal API; the only way actions reach regions and data.

Failures become BotApiUnavailable, so each action can still answer the user.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Optional

import aiohttp

# The region that takes every gemeente no other region lists (data/regions.yml).
NATIONAL = "national"
# The user is waiting: a slow answer is worse than the national fallback.
TIMEOUT = aiohttp.ClientTimeout(total=5)
TOO_MANY_REQUESTS = 429


class BotApiUnavailable(Exception):
    pass


class BotApiRefused(BotApiUnavailable):
    """The service refused on purpose (429: too many requests lately); `details` is its answer."""

    def __init__(self, details: Dict[str, Any]) -> None:
        super().__init__("refused")
        self.details = details


async def resolve_region(municipality: str) -> Dict[str, Any]:
    """{"gemeente": {code, name} | None, "region": {id, name, organisation, office_open,
    next_open: {"nl", "en"}, ...}}"""
    return await _post("/internal/v1/regions/resolve", {"municipality": municipality})


async def find_region_in(sentence: str) -> Dict[str, Any]:
    """Like resolve_region, for a sentence that may name a gemeente ("is er hulp in Rotterdam")."""
    return await _post("/internal/v1/regions/resolve", {"sentence": sentence})


async def create_handover(request: Dict[str, Any]) -> Dict[str, Any]:
    """Creates the handover the user asked for; `request` holds the form's answers and the
    topics the user agreed to share (never message text).

    Returns {"reference", "region": {id, name, organisation, contact}, "office_open",
    "response_minutes", "next_open": {"nl", "en"}, "urgent"}. Raises BotApiRefused when the
    conversation or its client asked too often lately (details: {"refused", "region"}).
    """
    return await _post("/internal/v1/handovers", request, expected_status=201)


async def get_rules() -> Dict[str, Dict[str, Any]]:
    """The amounts and limits the guided checks use (data/check_rules.yml as served):
    {name: {"value", "unit", "year", "check_at", "verify", "stale"}}."""
    rules = await _get("/internal/v1/rules")
    return {name: rule for name, rule in rules.items() if isinstance(rule, dict)}


async def get_check_texts(language: str) -> Dict[str, str]:
    """The check entries as published now ({key: text with placeholders}), so an editor's change
    reaches the checks without a restart."""
    texts = await _get(f"/internal/v1/checks/texts?language={language}")
    return {key: text for key, text in texts.items() if isinstance(text, str)}


def _authorisation() -> Dict[str, str]:
    """INTERNAL_TOKEN, which opens the bot service's internal API and nothing else."""
    return {"Authorization": f"Bearer {os.environ.get('INTERNAL_TOKEN', '')}"}


async def _get(path: str) -> Dict[str, Any]:
    base: Optional[str] = os.environ.get("BOT_INTERNAL_URL", "http://127.0.0.1:8080")
    headers = _authorisation()
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.get(f"{base}{path}", headers=headers) as response:
                if response.status != 200:
                    raise BotApiUnavailable(f"status {response.status}")
                found = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        raise BotApiUnavailable(type(error).__name__) from error
    if not isinstance(found, dict):
        raise BotApiUnavailable("not a mapping")
    return found


async def _post(path: str, body: Dict[str, Any], expected_status: int = 200) -> Dict[str, Any]:
    base: Optional[str] = os.environ.get("BOT_INTERNAL_URL", "http://127.0.0.1:8080")
    headers = _authorisation()
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            async with session.post(f"{base}{path}", json=body, headers=headers) as response:
                if response.status == TOO_MANY_REQUESTS:
                    details = await response.json()
                    raise BotApiRefused(details if isinstance(details, dict) else {})
                if response.status != expected_status:
                    raise BotApiUnavailable(f"status {response.status}")
                return await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        raise BotApiUnavailable(type(error).__name__) from error
