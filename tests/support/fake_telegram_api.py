"""A fake Telegram Bot API on loopback (aiohttp), so python-telegram-bot's real HTTP path runs.

Records every call with its parameters; answers in the Bot API's JSON shapes.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web


class FakeTelegramApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.pending_updates: list[dict[str, Any]] = []  # what getUpdates hands out next
        self._ids = itertools.count(1000)
        # Chats whose sendMessage does not answer until `release()`: a Telegram that is slow.
        self.stalled_chats: set[str] = set()
        self._released = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self._handle)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.called(method)) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.called(method)

    def release(self) -> None:
        self._released.set()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        self.calls.append((method, params))
        if method == "sendMessage" and str(params.get("chat_id")) in self.stalled_chats:
            await self._released.wait()
        if method == "getUpdates" and not self.pending_updates:
            await asyncio.sleep(0.2)  # a short long-poll
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "Test", "username": "test_bot"}
        if method == "sendMessage":
            return {"message_id": next(self._ids), "date": int(time.time()), "text": params.get("text"),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}}
        if method == "getUpdates":
            updates, self.pending_updates = self.pending_updates, []
            return updates
        return True


def _decode(value: Any) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


_update_ids = itertools.count(1)


def text_update(chat_id: int, text: str, language_code: str = "nl",
                chat_type: str = "private") -> dict[str, Any]:
    """`chat_type`: "private", or "group", "supergroup", "channel" (then `chat_id` is the group's)."""
    return {"update_id": next(_update_ids), "message": {
        "message_id": next(_update_ids), "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": chat_type},
        "from": {"id": chat_id, "is_bot": False, "first_name": "A", "language_code": language_code}}}


def photo_update(chat_id: int) -> dict[str, Any]:
    update = text_update(chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "F1", "file_unique_id": "U1", "width": 10, "height": 10}]
    return update


def button_update(chat_id: int, data: str, chat_type: str = "private") -> dict[str, Any]:
    return {"update_id": next(_update_ids), "callback_query": {
        "id": str(next(_update_ids)), "chat_instance": "c", "data": data,
        "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
        "message": {"message_id": next(_update_ids), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": chat_type}, "text": "..."}}}
