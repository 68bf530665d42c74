"""Rasa's end of the gateway: the REST channel, but only for callers that hold GATEWAY_TOKEN.

Rasa's own REST webhook has no authentication; this one refuses every request without the token
in its Authorization header, so the only way to talk to the dialogue engine is through the bot
service's gateway. The token opens this channel only, not Rasa's HTTP API (RASA_TOKEN).
"""
from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request


class GatewayInput(RestInput):
    def __init__(self, token: Text) -> None:
        if not token:
            raise ValueError("GATEWAY_TOKEN is not set; the gateway channel refuses to start without it")
        self.token = token

    @classmethod
    def name(cls) -> Text:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GatewayInput":
        return cls(os.environ.get("GATEWAY_TOKEN", ""))

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), self.token.encode())

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def require_token(request: Request) -> Optional[response.HTTPResponse]:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            return None

        return webhook
