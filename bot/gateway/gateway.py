"""The gateway every channel goes through: pseudonymise, clean, redact, route to Rasa, keep safety.

It guarantees a reply: when Rasa is down, silent or too busy the user gets the fixed message with
the safety lines, and a curated crisis phrase always brings the safety answer of its kind at once,
without waiting for Rasa (which still gets the message, in the background, so the conversation
goes on from it) and without waiting for a database that is slow under load. Someone over a rate
limit (per conversation, per client address) gets a kind "slow down", after the safety answer when
the message is a crisis phrase. When the NLU calls a message a possible crisis, the answer ends with
one calm line with 112 and 113. While a handover is open (live, or waiting in the chat) or a reference code
is typed, bot.handover.turns answers instead of Rasa.
Never logs message text or native ids.
"""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.content.render import render
from bot.content.schema import DEFAULT_LANGUAGE
from bot.content.store import ContentStore
from bot.db.models import Handover
from bot.gateway.client_limits import ClientLimits
from bot.gateway.conversations import ChatLanguage, Conversations, settle
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.language import LanguageGuesser, Reading
from bot.gateway.pseudonym import conversation_id
from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.rate_limit import RateLimiter
from bot.handover.intake import IntakeNotes
from bot.handover.relay import Relay, as_message
from bot.handover.turns import HandoverTurns, is_resume_command
from bot.privacy.redactor import Redactor

log = logging.getLogger(__name__)

Message = dict[str, Any]
# Control and invisible characters, and lone surrogates (valid JSON, but no text: they break
# every encoder after this point).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ud800-\udfff]")
# What channels send for their own controls (Telegram's /start and /wis, the widget's menu);
# with our buttons' payloads, the only texts that may name an intent.
CHANNEL_COMMANDS = frozenset({"/greet", "/ask_capabilities", "/forget_me", "/change_language"})
# The confirmation button of "forget me": handled here, never sent to Rasa.
FORGET_COMMAND = "/forget_me_confirmed"
# What the NLG endpoint adds to an answer when the NLU called its message a possible crisis
# (bot/content/nlg.py); it travels as Rasa's "custom" reply, never shown.
POSSIBLE_CRISIS = "possible"
# On shutdown, how long messages still on their way to Rasa may take.
BACKGROUND_GRACE_SECONDS = 2.0


class Gateway:
    def __init__(self, rasa: RasaClient, store: ContentStore, phrases: CrisisPhrases,
                 guesser: LanguageGuesser, redactor: Redactor, conversations: Conversations,
                 limiter: RateLimiter, secret_key: str, max_chars: int, relay: Relay,
                 intake: IntakeNotes, turns: HandoverTurns, *, clients: ClientLimits,
                 crisis_wait_seconds: float) -> None:
        self._rasa = rasa
        self._relay = relay
        self._turns = turns
        self._intake = intake
        self._conversations = conversations
        self._limiter = limiter
        self._clients = clients
        self._crisis_wait = crisis_wait_seconds
        self._redactor = redactor
        self._store = store
        self._phrases = phrases
        self._guesser = guesser
        self._secret_key = secret_key
        self._max_chars = max_chars
        self._payloads_source: frozenset[str] = frozenset()
        self._payloads_cache: frozenset[str] = CHANNEL_COMMANDS
        # Messages still on their way to Rasa after a crisis phrase was answered, and the
        # bookkeeping of crisis phrases answered before the database was done.
        self._background: set[asyncio.Task[Any]] = set()

    async def handle(self, channel: str, native_id: str, text: Any,
                     address: str | None = None,
                     channel_language: str | None = None,
                     client: str | None = None) -> list[Message]:
        """Answers one message. `address` is the native reply address a channel needs later
        (kept encrypted; most channels have none); `channel_language` is what the channel knows of the
        user's language (the widget's UI language), used until a message says otherwise; `client`
        is the keyed hash of the client's address (bot/gateway/client_limits.py; None on Telegram)."""
        conversation = conversation_id(self._secret_key, channel, native_id)
        cleaned = self._clean(text)
        shortened = len(cleaned) > self._max_chars
        if shortened:
            cleaned = cleaned[: self._max_chars]
        crisis = self._phrases.match(cleaned) if cleaned else None
        if crisis is not None:
            return await self._answer_crisis(conversation, channel, cleaned, crisis, shortened, address,
                                             channel_language, client)
        language = await self._known_language(conversation)
        if not cleaned:
            return [self._answer("utter_input_empty", language)]
        if cleaned == FORGET_COMMAND:
            return await self._forget(conversation, channel, language)
        notes = [self._answer("utter_input_shortened", language)] if shortened else []
        if not await self._allowed(conversation, client, channel):
            return [self._answer("utter_slow_down", language)]
        is_button = cleaned in self.button_payloads() or is_resume_command(cleaned)
        try:
            waiting = await self._relay.take_pending(conversation)
            turn = await self._turns.answer(conversation, channel, cleaned, None, is_button, language)
            if turn is not None:
                await self._touch(conversation, channel, address, None)
                return waiting + notes + turn
            await self._note_for_handover(conversation, cleaned, None, is_button)
        except SQLAlchemyError:
            # The assistant still answers; a live chat resumes when the database is back.
            log.error("handover_lookup_failed channel=%s", channel)
            waiting = []
        if not is_button:
            # From here on only the redacted text exists: Rasa and every store see placeholders.
            cleaned = self._redactor.redact(cleaned)
        # Before Rasa: the NLG endpoint answers in the language this records (bot/gateway/conversations.py).
        reading = self._guesser.read(cleaned)
        guessed = await self._touch(conversation, channel, address, reading, channel_language)
        try:
            # The actions say their lists in this language too (actions/conversation_language.py).
            raw = await self._rasa.send(conversation, cleaned, {"language": guessed} if guessed else None)
            replies = [r for r in map(self._shape, raw) if r["text"] or r["buttons"]]
            if not replies:
                raise RasaUnavailable("no reply")
        except RasaUnavailable as error:
            log.warning("rasa_unavailable channel=%s reason=%s", channel, error)
            return waiting + notes + [self._answer("utter_service_unavailable", guessed or language)]
        language = self._store.language_of(replies[0]["text"]) or language
        if any(_marks_possible_crisis(r) for r in raw):
            log.info("possible_crisis_line channel=%s", channel)
            replies.append(self._answer("utter_crisis_calm_line", language))
        return waiting + notes + replies

    async def _allowed(self, conversation: str, client: str | None, channel: str) -> bool:
        """Within the conversation's rate limit and its client address's (memory or Redis, no database)."""
        allowed = (await self._limiter.allow(conversation)
                   and await self._clients.allow_message(conversation, client))
        if not allowed:
            log.info("rate_limited channel=%s", channel)
        return allowed

    async def _answer_crisis(self, conversation: str, channel: str, text: str, crisis: str,
                             shortened: bool, address: str | None, channel_language: str | None,
                             client: str | None) -> list[Message]:
        """The safety answer waits neither for Rasa nor for the database. Under load the database
        queues (SQLite lets one writer in at a time), and the work before the answer reads and
        writes it: a live chat's relay to the worker, the note that makes a later handover urgent,
        the conversation's activity. That work gets `crisis_wait_seconds`, so that as a rule its
        answer goes out (in a live chat the worker sees the safety lines the user got); past that
        the safety answer goes out at once and the work finishes in the background (the worker
        still gets the message). What a worker wrote meanwhile waits for the next answer."""
        log.info("crisis_phrase_matched category=%s", crisis)
        try:
            # The limiters live in Redis with several replicas: a stalled Redis must not hold this.
            allowed = await asyncio.wait_for(self._allowed(conversation, client, channel), self._crisis_wait)
        except asyncio.TimeoutError:
            log.warning("rate_limit_check_slow channel=%s", channel)
            allowed = True
        work = asyncio.get_running_loop().create_task(
            self._crisis_turn(conversation, channel, text, crisis, shortened, address, channel_language, allowed))
        self._keep_in_background(work)  # finishes even if this request goes away
        done, _ = await asyncio.wait({work}, timeout=self._crisis_wait)
        if work in done and not work.cancelled() and work.exception() is None:
            return work.result()
        if work not in done:
            log.warning("crisis_answered_before_bookkeeping channel=%s", channel)
        language = self._conversations.cached_language(conversation) or \
            settle(ChatLanguage(), self._guesser.read(text), channel_language).current or DEFAULT_LANGUAGE
        return self._crisis_reply(crisis, language, shortened, allowed)

    async def _crisis_turn(self, conversation: str, channel: str, text: str, crisis: str,
                           shortened: bool, address: str | None, channel_language: str | None,
                           allowed: bool) -> list[Message]:
        """A crisis phrase's answer with everything that goes with it (see `_answer_crisis`)."""
        language = await self._known_language(conversation)
        if not allowed:
            return self._crisis_reply(crisis, language, shortened, allowed)
        notes = [self._answer("utter_input_shortened", language)] if shortened else []
        is_button = text in self.button_payloads() or is_resume_command(text)
        try:
            turn = await self._turns.answer(conversation, channel, text, crisis, is_button, language)
            if turn is not None:
                await self._touch(conversation, channel, address, None)
                return notes + turn
            await self._note_for_handover(conversation, text, crisis, is_button)
        except SQLAlchemyError:
            log.error("handover_lookup_failed channel=%s", channel)
        if not is_button:
            text = self._redactor.redact(text)
        guessed = await self._touch(conversation, channel, address, self._guesser.read(text), channel_language)
        self._send_in_background(conversation, text, channel)
        return self._crisis_reply(crisis, guessed or language, shortened, allowed)

    def _crisis_reply(self, crisis: str, language: str, shortened: bool, allowed: bool) -> list[Message]:
        notes = [self._answer("utter_input_shortened", language)] if shortened else []
        after = [] if allowed else [self._answer("utter_slow_down", language)]
        return notes + self._crisis_first(crisis, language, after)

    def _send_in_background(self, conversation: str, text: str, channel: str) -> None:
        """Rasa still hears the message (a form ends, a later handover knows), but nobody waits
        for it: the user already has the safety answer, and Rasa's own reply is dropped."""
        async def send() -> None:
            try:
                await self._rasa.send(conversation, text)
            except RasaUnavailable as error:
                log.warning("rasa_unavailable_after_crisis channel=%s reason=%s", channel, error)
        self._keep_in_background(asyncio.get_running_loop().create_task(send()))

    def _keep_in_background(self, task: asyncio.Task[Any]) -> None:
        """A task nobody waits for: kept until done (and waited for briefly on shutdown)."""
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    async def close(self) -> None:
        """Waits briefly for messages still on their way to Rasa (and crisis bookkeeping), then
        gives up on them."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=BACKGROUND_GRACE_SECONDS)
        for task in set(self._background):
            task.cancel()

    async def _note_for_handover(self, conversation: str, text: str, crisis: str | None,
                                 is_button: bool) -> None:
        """A crisis makes a later handover urgent; the answer to "which number may we call?"
        is kept encrypted for the handover (a button such as "skip" keeps none)."""
        if crisis is not None:
            await self._intake.note_crisis(conversation)
        if await self._intake.awaiting_phone(conversation):
            phone = None if is_button else self._redactor.first_phone(text)
            await self._intake.keep_phone(conversation, phone)

    def _crisis_first(self, crisis: str, language: str, replies: list[Message]) -> list[Message]:
        return [self._answer(f"utter_crisis/{crisis}", language),
                self._answer("utter_crisis_offer_person", language)] + replies

    def attach(self, channel: str, native_id: str,
               push: Callable[[list[Message]], Awaitable[bool]]) -> Callable[[], None]:
        """An open connection that can take a worker's messages at any time (the widget's
        websocket); returns the function that detaches it."""
        return self._relay.attach(conversation_id(self._secret_key, channel, native_id), push)

    async def connected(self, channel: str, native_id: str) -> None:
        """A widget socket opened: the worker of an open handover sees the user is there."""
        await self._presence(conversation_id(self._secret_key, channel, native_id), True)

    async def disconnected(self, channel: str, native_id: str) -> None:
        await self._presence(conversation_id(self._secret_key, channel, native_id), False)

    async def _presence(self, conversation: str, online: bool) -> None:
        try:
            if online:
                await self._relay.user_connected(conversation)
            else:
                await self._relay.user_disconnected(conversation)
        except SQLAlchemyError:
            log.error("presence_update_failed")

    async def resume(self, channel: str, native_id: str, after_id: int,
                     screen_empty: bool) -> list[Message] | None:
        """A widget back on an existing conversation (a dropped socket, a reload): the messages
        after `after_id` it has not shown; with an empty screen, also a line that the conversation
        goes on and a live chat so far. None when the conversation is gone (deleted, expired)."""
        conversation = conversation_id(self._secret_key, channel, native_id)
        language = await self._known_language(conversation)
        try:
            if await self._conversations.channel_of(conversation) is None:
                return None
            handover = await self._relay.handovers.open_for(conversation)
            replies = [self._answer("utter_conversation_resumed", language)] if screen_empty else []
            if handover is not None:
                # An empty screen needs the whole live chat again, whatever it showed before.
                shown = await self._relay.handovers.since(handover.id, 0 if screen_empty else after_id,
                                                          with_user=screen_empty)
                replies += [{**as_message(m), "sender": m.sender} for m in shown]
                if screen_empty and handover.status == "waiting":
                    replies.append(self._turns.waiting_answer(handover, language))
            return replies + await self._relay.take_pending(conversation)
        except SQLAlchemyError:
            log.error("resume_failed channel=%s", channel)
            return [self._answer("utter_service_unavailable", language)]

    async def status(self, channel: str, native_id: str) -> dict[str, str]:
        """The widget's status bar: waiting for a worker, in a live chat, or nothing."""
        conversation = conversation_id(self._secret_key, channel, native_id)
        try:
            return await self._turns.status(conversation, await self._known_language(conversation))
        except SQLAlchemyError:
            return {"state": "none", "text": ""}

    async def pending(self, channel: str, native_id: str) -> list[Message]:
        """Messages from a worker waiting for a client that cannot be pushed to (REST)."""
        return await self._relay.take_pending(conversation_id(self._secret_key, channel, native_id))

    async def forget(self, channel: str, native_id: str) -> bool:
        """Deletes everything about the conversation (quick exit, "forget me")."""
        return await self._delete(conversation_id(self._secret_key, channel, native_id), channel)

    async def _forget(self, conversation: str, channel: str, language: str) -> list[Message]:
        deleted = await self._delete(conversation, channel)
        return [self._answer("utter_forgotten" if deleted else "utter_service_unavailable", language)]

    async def _delete(self, conversation: str, channel: str) -> bool:
        try:
            await self._conversations.forget(conversation)
            left = await self._relay.handovers.forget(conversation)
            await self._intake.forget(conversation)
            for handover in left:  # the worker's page shows it at once
                await self._relay.staff_event("left", handover)
        except SQLAlchemyError:
            log.error("forget_failed channel=%s", channel)
            return False
        log.info("conversation_forgotten channel=%s", channel)
        return True

    async def _known_language(self, conversation: str) -> str:
        try:
            return await self._conversations.language_of(conversation) or DEFAULT_LANGUAGE
        except SQLAlchemyError:
            return DEFAULT_LANGUAGE

    async def _touch(self, conversation: str, channel: str, address: str | None,
                     reading: Reading | None = None, fallback: str | None = None) -> str | None:
        """Returns the chat's language after this message."""
        try:
            return await self._conversations.touch(conversation, channel, address, reading, fallback)
        except SQLAlchemyError:
            # The answer matters more than the bookkeeping; retention still sees Rasa's events.
            log.error("conversation_touch_failed channel=%s", channel)
            return settle(ChatLanguage(), reading, fallback).current  # what this message alone says

    def button_payloads(self) -> frozenset[str]:
        """Every text a button or a channel control may send (the same object until content changes)."""
        store_payloads = self._store.button_payloads()
        if store_payloads is not self._payloads_source:
            self._payloads_cache = store_payloads | CHANNEL_COMMANDS
            self._payloads_source = store_payloads
        return self._payloads_cache

    async def rasa_ready(self) -> bool:
        return await self._rasa.is_ready()

    def _clean(self, text: Any) -> str:
        if not isinstance(text, str):
            return ""
        text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text)).strip()
        if text.startswith("/") and text not in self.button_payloads() and not is_resume_command(text):
            # Only our own buttons may name an intent; a typed "/crisis" is just text.
            text = text.lstrip("/").strip()
        return text

    def _answer(self, key: str, language: str) -> Message:
        return render(self._store.require(key), language, self._store)

    @staticmethod
    def _shape(reply: dict[str, Any]) -> Message:
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in reply.get("buttons") or [] if isinstance(b, dict)
        ]
        return {"text": str(reply.get("text") or ""), "buttons": buttons}


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background_task_failed error=%s", type(task.exception()).__name__)


def _marks_possible_crisis(reply: Any) -> bool:
    custom = reply.get("custom") if isinstance(reply, dict) else None
    return isinstance(custom, dict) and custom.get("crisis") == POSSIBLE_CRISIS
