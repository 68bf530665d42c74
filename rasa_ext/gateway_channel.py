"""Rasa's end of the gateway: the REST channel, but only for callers that hold GATEWAY_TOKEN, and
with what the NLG endpoint decided about each answer kept on the messages it became.

Rasa's own REST webhook has no authentication; this one refuses every request without the token
in its Authorization header, so the only way to talk to the dialogue engine is through the bot
service's gateway. The token opens this channel only, not Rasa's HTTP API (RASA_TOKEN).

The NLG endpoint (bot/content/nlg.py) adds an `answer` field to every response it renders: its
key, language and crisis mark. Rasa keeps fields it does not know as the bot message's metadata
and passes them to the output channel with the text; `AnswerCollector` puts them on each message,
so the gateway reads them as data (bot/gateway/rasa_client.py) and never shows them. Never logs
message text.
"""
from __future__ import annotations

import hmac
import logging
import os
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)
# The field of an NLG response that says what the answer is; bot/content/nlg.py sets it.
ANSWER_FIELD = "answer"


class AnswerCollector(CollectingOutputChannel):
    """Rasa's collecting channel (a text becomes one message per paragraph, buttons stay with
    their text), with the answer's metadata on every message it becomes."""

    @classmethod
    def name(cls) -> Text:
        return "gateway"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._persist_message(_with_answer(self._message(recipient_id, text=part), kwargs))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._persist_message(_with_answer(self._message(recipient_id, text=text, buttons=buttons),
                                                 kwargs))


def _with_answer(message: Dict[Text, Any], fields: Dict[Text, Any]) -> Dict[Text, Any]:
    answer = fields.get(ANSWER_FIELD)
    return {**message, ANSWER_FIELD: answer} if isinstance(answer, dict) else message


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
        """Rasa's REST webhook (`/webhook`, `/` for health) without streaming, which the gateway
        never asks for."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            return None

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            collector = AnswerCollector()
            try:
                await on_new_message(UserMessage(
                    self._extract_message(request), collector, await self._extract_sender(request),
                    input_channel=self._extract_input_channel(request), metadata=self.get_metadata(request)))
            except CancelledError:
                log.error("gateway_message_timeout")
            except Exception as error:  # noqa: BLE001  Rasa's REST channel answers with what it has, too
                log.error("gateway_message_failed error=%s", type(error).__name__)
            return response.json(collector.messages)

        return webhook
