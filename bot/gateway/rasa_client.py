"""HTTP client of the Rasa server: the token-protected gateway channel and its status.

Turns every failure (down, slow, error status, bad JSON, no free slot) into RasaUnavailable; never
logs text. At most `max_concurrent` messages are on their way to Rasa from this process: under a
flood a message that gets no slot within `slot_wait_seconds` fails at once (the gateway answers
it with the "try again" message and its safety lines) instead of queueing behind the flood.
"""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa (or the action server or NLG behind it) did not answer usefully."""


class RasaBusy(RasaUnavailable):
    """Every slot for a call to Rasa stayed taken while this message waited."""


# A Rasa server answers a few dozen messages at once; more only queue inside it.
DEFAULT_MAX_CONCURRENT = 32
DEFAULT_SLOT_WAIT_SECONDS = 2.0


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, gateway_token: str,
                 api_token: str, timeout_seconds: float, *,
                 max_concurrent: int = DEFAULT_MAX_CONCURRENT,
                 slot_wait_seconds: float = DEFAULT_SLOT_WAIT_SECONDS) -> None:
        """`gateway_token` (GATEWAY_TOKEN) opens the gateway channel only; `api_token` (RASA_TOKEN)
        is Rasa's HTTP API, which takes it only in the query string: here just for /status."""
        self._session = session
        self._base = base_url.rstrip("/")
        self._gateway_token = gateway_token
        self._api_token = api_token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._slot_wait = slot_wait_seconds

    async def send(self, conversation_id: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Sends one user message; returns the bot's messages as Rasa's REST channel gives them."""
        body = {"sender": conversation_id, "message": text, "metadata": metadata or {}}
        try:
            await asyncio.wait_for(self._slots.acquire(), self._slot_wait)
        except asyncio.TimeoutError:
            raise RasaBusy("no free slot") from None
        try:
            replies = await self._call("POST", "/webhooks/gateway/webhook", json=body,
                                       headers={"Authorization": f"Bearer {self._gateway_token}"})
        finally:
            self._slots.release()
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply shape")
        return replies

    async def is_ready(self) -> bool:
        try:
            status = await self._call("GET", "/status", params={"token": self._api_token})
        except RasaUnavailable:
            return False
        return bool(status.get("model_id"))

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, self._base + path, timeout=self._timeout,
                                             **kwargs) as response:
                if response.status >= 400:
                    raise RasaUnavailable(f"status {response.status} from {path.split('/')[1]}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
