"""HTTP client of the Rasa server: the token-protected gateway channel and its status.

Each bot message comes back as a `Reply`: what a user may see (text, buttons) apart from what the
NLG endpoint decided about it (`AnswerFacts`: key, language, crisis mark), which travels as data
through Rasa (rasa_ext/gateway_channel.py) and is never shown.

Each conversation goes to its own Rasa replica (bot/rasa_replicas.py); a replica that
refuses the connection or drops it mid-request is left for the next one, so one Rasa dying costs
no user a reply. Turns every other failure (slow, error status, bad JSON, no free slot, no replica
left) into RasaUnavailable; never logs text.

At most `max_concurrent` messages are on their way to Rasa from this process: under a flood a
message that gets no slot within `slot_wait_seconds` fails at once (the gateway answers it with
the "try again" message and its safety lines) instead of queueing behind the flood.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.rasa_replicas import RasaReplicas

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server or NLG behind it) did not answer usefully."""


class RasaBusy(RasaUnavailable):
    """Every slot for a call to Rasa stayed taken while this message waited."""


class ReplicaGone(RasaUnavailable):
    """The replica refused the connection or dropped it before answering: the next one may.

    A replica killed while it handled the message never saved that turn (Rasa saves the tracker
    after the whole turn), so the next replica handles it from the stored history. What the
    killed one's actions already did must be safe to do twice (a handover request returns the
    conversation's open handover)."""


# The crisis mark of an answer to a message the NLU called a possible crisis (bot/content/nlg.py).
POSSIBLE_CRISIS = "possible"


@dataclass(frozen=True)
class AnswerFacts:
    """What the NLG endpoint decided about an answer: its content key, its language, and
    `crisis`: "possible" (the gateway adds the calm line) or the kind of a safety answer."""
    key: str
    language: str | None
    crisis: str | None


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, str]]
    facts: AnswerFacts | None  # None for a message the NLG endpoint did not render

    def message(self) -> dict[str, Any]:
        """What the user sees: text and buttons, never the facts."""
        return {"text": self.text, "buttons": self.buttons}

    @property
    def possible_crisis(self) -> bool:
        return self.facts is not None and self.facts.crisis == POSSIBLE_CRISIS


def parse_reply(raw: Any) -> Reply:
    """One message of Rasa's REST answer, whatever its shape (anything unexpected reads as empty)."""
    if not isinstance(raw, dict):
        return Reply("", [], None)
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in raw.get("buttons") or [] if isinstance(b, dict)]
    answer = raw.get("answer")
    facts = None
    if isinstance(answer, dict) and isinstance(answer.get("key"), str):
        language, crisis = answer.get("language"), answer.get("crisis")
        facts = AnswerFacts(answer["key"], language if isinstance(language, str) else None,
                            crisis if isinstance(crisis, str) else None)
    return Reply(str(raw.get("text") or ""), buttons, facts)


# A Rasa server answers a few dozen messages at once; more only queue inside it.
DEFAULT_MAX_CONCURRENT = 32
DEFAULT_SLOT_WAIT_SECONDS = 2.0


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, replicas: RasaReplicas, gateway_token: str,
                 api_token: str, timeout_seconds: float, *,
                 max_concurrent: int = DEFAULT_MAX_CONCURRENT,
                 slot_wait_seconds: float = DEFAULT_SLOT_WAIT_SECONDS) -> None:
        """`gateway_token` (GATEWAY_TOKEN) opens the gateway channel only; `api_token` (RASA_TOKEN)
        is Rasa's HTTP API, which takes it only in the query string: here just for /status."""
        self._session = session
        self._replicas = replicas
        self._gateway_token = gateway_token
        self._api_token = api_token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._slot_wait = slot_wait_seconds

    async def send(self, conversation_id: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[Reply]:
        """Sends one user message; returns the bot's messages in order."""
        body = {"sender": conversation_id, "message": text, "metadata": metadata or {}}
        try:
            await asyncio.wait_for(self._slots.acquire(), self._slot_wait)
        except asyncio.TimeoutError:
            raise RasaBusy("no free slot") from None
        try:
            replies = await self._send_to_a_replica(conversation_id, body)
        finally:
            self._slots.release()
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected reply shape")
        return [parse_reply(reply) for reply in replies]

    async def _send_to_a_replica(self, conversation_id: str, body: dict[str, Any]) -> Any:
        for replica in await self._replicas.order(conversation_id):
            try:
                replies = await self._call(replica, "POST", "/webhooks/gateway/webhook", json=body,
                                           headers={"Authorization": f"Bearer {self._gateway_token}"})
            except ReplicaGone as gone:
                if self._replicas.mark_down(replica):
                    log.warning("rasa_replica_unreachable error=%s (trying the others first for a while)", gone)
                continue
            self._replicas.mark_up(replica)
            return replies
        raise RasaUnavailable("no Rasa replica reachable")

    async def is_ready(self) -> bool:
        """At least one replica has a model loaded."""
        for replica in await self._replicas.all():
            try:
                status = await self._call(replica, "GET", "/status", params={"token": self._api_token})
            except RasaUnavailable:
                continue
            if isinstance(status, dict) and status.get("model_id"):
                return True
        return False

    async def _call(self, base: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, base + path, timeout=self._timeout,
                                             **kwargs) as response:
                if response.status >= 400:
                    raise RasaUnavailable(f"status {response.status} from {path.split('/')[1]}")
                return await response.json(content_type=None)
        # Refused, reset or closed before the answer: this replica is gone, another may answer.
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            raise ReplicaGone(type(error).__name__) from error
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
