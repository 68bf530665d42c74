"""A stand-in for Rasa's gateway channel (rasa_ext/gateway_channel.py), for in-process tests of the
gateway: it takes the gateway's token and body, and answers the way Rasa does, by asking the bot
service's NLG endpoint to render a response. Records every request that breaks the contract."""
from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web


class StubRasa:
    """Answers every message with `response` (rendered by the bot service's /nlg, set `nlg_url`
    once the bot service listens). `refused` lists requests Rasa would have refused."""

    def __init__(self, gateway_token: str, nlg_token: str, response: str = "utter_greet") -> None:
        self.gateway_token, self.nlg_token, self.response = gateway_token, nlg_token, response
        self.nlg_url = ""
        self.received = 0
        self.refused: list[str] = []
        self.app = web.Application()
        self.app.router.add_post("/webhooks/gateway/webhook", self._webhook)
        self.app.router.add_get("/status", self._status)

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_id": "stub", "model_file": "stub.tar.gz"})

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.gateway_token}":
            self.refused.append("token")
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await request.json()
        if not (isinstance(body, dict) and isinstance(body.get("sender"), str)
                and isinstance(body.get("message"), str) and isinstance(body.get("metadata", {}), dict)):
            self.refused.append(f"body {type(body).__name__}")
            return web.json_response({"error": "bad request"}, status=400)
        self.received += 1
        return await self._answer(body)

    async def _answer(self, body: dict[str, Any]) -> web.Response:
        rendered = await self._render(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], **rendered}])

    async def _render(self, sender: str) -> dict[str, Any]:
        tracker = {"sender_id": sender, "slots": {}, "latest_message": {}, "events": []}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.nlg_url, json={"response": self.response, "arguments": {},
                                                        "tracker": tracker, "channel": {"name": "gateway"}},
                                    headers={"Authorization": f"Bearer {self.nlg_token}"}) as answer:
                answer.raise_for_status()
                return await answer.json()
