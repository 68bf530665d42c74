"""HTTP client of the Rasa server: the token-protected gateway channel and its status.

Turns every failure (down, slow, error status, bad JSON) into RasaUnavailable; never logs text.
"""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa (or the action server or NLG behind it) did not answer usefully."""


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str,
                 timeout_seconds: float) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def send(self, conversation_id: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Sends one user message; returns the bot's messages as Rasa's REST channel gives them."""
        body = {"sender": conversation_id, "message": text, "metadata": metadata or {}}
        replies = await self._call("POST", "/webhooks/gateway/webhook", json=body,
                                   headers={"Authorization": f"Bearer {self._token}"})
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply shape")
        return replies

    async def is_ready(self) -> bool:
        try:
            status = await self._call("GET", "/status", params={"token": self._token})
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
