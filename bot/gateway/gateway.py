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
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.content.render import render
from bot.content.schema import DEFAULT_LANGUAGE
from bot.content.store import ContentStore
from bot.gateway.client_limits import ClientLimits
from bot.gateway.conversations import ChatLanguage, Conversations, settle
from bot.gateway.crisis import CrisisPhrases
from bot.gateway.language import LanguageGuesser, Reading
from bot.gateway.pseudonym import conversation_id
from bot.gateway.rasa_client import RasaClient, RasaUnavailable
from bot.gateway.rate_limit import RateLimiter
from bot.handover.handovers import Handovers
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
# On shutdown, how long messages still on their way to Rasa may take.
BACKGROUND_GRACE_SECONDS = 2.0


@dataclass
class _Turn:
    """One user message on its way through `Gateway.handle`, filled in step by step."""
    conversation: str
    channel: str
    text: str
    address: str | None
    channel_language: str | None
    client: str | None
    shortened: bool = False
    crisis: str | None = None  # the kind of a curated crisis phrase in the text
    language: str = DEFAULT_LANGUAGE  # the chat's language before this message
    is_button: bool = False
    waiting: list[Message] = field(default_factory=list)  # what a worker wrote meanwhile


Step = Callable[[_Turn], Awaitable["list[Message] | None"]]


class Gateway:
    def __init__(self, *, rasa: RasaClient, store: ContentStore, phrases: CrisisPhrases,
                 guesser: LanguageGuesser, redactor: Redactor, conversations: Conversations,
                 limiter: RateLimiter, clients: ClientLimits, handovers: Handovers, relay: Relay,
                 intake: IntakeNotes, turns: HandoverTurns, secret_key: str, max_chars: int,
                 crisis_wait_seconds: float) -> None:
        """`limiter`: messages per conversation; `clients`: per client address; `max_chars`: longer
        messages are shortened; `crisis_wait_seconds`: see `_answer_crisis`."""
        self._rasa = rasa
        self._handovers = handovers
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
        # After the crisis phrase check, in order: the first step that answers ends the turn.
        self._steps: tuple[Step, ...] = (self._empty, self._forget_if_confirmed, self._rate_limit,
                                         self._live_or_handover)

    async def handle(self, channel: str, native_id: str, text: Any,
                     address: str | None = None,
                     channel_language: str | None = None,
                     client: str | None = None) -> list[Message]:
        """Answers one message. `address` is the native reply address a channel needs later
        (kept encrypted; most channels have none); `channel_language` is what the channel knows of the
        user's language (the widget's UI language), used until a message says otherwise; `client`
        is the keyed hash of the client's address (bot/gateway/client_limits.py; None on Telegram).

        The pipeline: clean and shorten the text; a crisis phrase is answered at once; then an
        empty message, "forget me", the rate limits and an open handover (the live relay, the
        intake notes) may answer; else the text is redacted, its language and the activity
        recorded, and Rasa answers."""
        turn = self._read(channel, native_id, text, address, channel_language, client)
        if turn.crisis is not None:
            return await self._answer_crisis(turn, turn.crisis)
        turn.language = await self._known_language(turn.conversation)
        for step in self._steps:
            answer = await step(turn)
            if answer is not None:
                return answer
        return await self._ask_rasa(turn)

    def _read(self, channel: str, native_id: str, text: Any, address: str | None,
              channel_language: str | None, client: str | None) -> _Turn:
        """Cleans and shortens the text, and matches the curated crisis phrases in it."""
        cleaned = self._clean(text)
        turn = _Turn(conversation_id(self._secret_key, channel, native_id), channel, cleaned[: self._max_chars],
                     address, channel_language, client, shortened=len(cleaned) > self._max_chars)
        turn.crisis = self._phrases.match(turn.text) if turn.text else None
        turn.is_button = turn.text in self.button_payloads() or is_resume_command(turn.text)
        return turn

    async def _empty(self, turn: _Turn) -> list[Message] | None:
        return [self._answer("utter_input_empty", turn.language)] if not turn.text else None

    async def _forget_if_confirmed(self, turn: _Turn) -> list[Message] | None:
        return await self._forget(turn.conversation, turn.channel, turn.language) \
            if turn.text == FORGET_COMMAND else None

    async def _rate_limit(self, turn: _Turn) -> list[Message] | None:
        if await self._allowed(turn.conversation, turn.client, turn.channel):
            return None
        return [self._answer("utter_slow_down", turn.language)]

    async def _live_or_handover(self, turn: _Turn) -> list[Message] | None:
        """While a handover is open (a live chat, a wait, a reference code typed) it answers
        instead of Rasa; what a worker wrote meanwhile comes first. A message Rasa answers may
        still be noted for a handover (the phone number the form asked for)."""
        try:
            # One statement for the many conversations that never asked for a person.
            involved = await self._handovers.involves(turn.conversation)
            turn.waiting = await self._relay.take_pending(turn.conversation) if involved else []
            answer = await self._turns.answer(turn.conversation, turn.channel, turn.text, None, turn.is_button,
                                              turn.language, involved)
            if answer is not None:
                await self._touch(turn.conversation, turn.channel, turn.address, None)
                return turn.waiting + self._notes(turn) + answer
            if involved:  # the phone question's answer: only with intake notes
                await self._note_for_handover(turn.conversation, turn.text, None, turn.is_button)
        except SQLAlchemyError:
            # The assistant still answers; a live chat resumes when the database is back.
            log.error("handover_lookup_failed channel=%s", turn.channel)
            turn.waiting = []
        return None

    async def _ask_rasa(self, turn: _Turn) -> list[Message]:
        """Redacts the text, records its language and the activity, and asks Rasa. The answer's
        language and crisis mark come with it as data (bot/gateway/rasa_client.py)."""
        text = turn.text if turn.is_button else self._redactor.redact(turn.text)
        # From here on only the redacted text exists: Rasa and every store see placeholders.
        # Before Rasa: the NLG endpoint answers in the language this records (bot/gateway/conversations.py).
        guessed = await self._touch(turn.conversation, turn.channel, turn.address, self._guesser.read(text),
                                    turn.channel_language)
        before = turn.waiting + self._notes(turn)
        try:
            # The actions say their lists in this language too (actions/conversation_language.py).
            replies = await self._rasa.send(turn.conversation, text, {"language": guessed} if guessed else None)
            shown = [reply for reply in replies if reply.text or reply.buttons]
            if not shown:
                raise RasaUnavailable("no reply")
        except RasaUnavailable as error:
            log.warning("rasa_unavailable channel=%s reason=%s", turn.channel, error)
            return before + [self._answer("utter_service_unavailable", guessed or turn.language)]
        answered_in = shown[0].facts.language if shown[0].facts is not None else None
        messages = [reply.message() for reply in shown]
        if any(reply.possible_crisis for reply in replies):
            log.info("possible_crisis_line channel=%s", turn.channel)
            messages.append(self._answer("utter_crisis_calm_line", answered_in or turn.language))
        return before + messages

    def _notes(self, turn: _Turn) -> list[Message]:
        """Said before the answer: the message was too long and was shortened."""
        return [self._answer("utter_input_shortened", turn.language)] if turn.shortened else []

    async def _allowed(self, conversation: str, client: str | None, channel: str) -> bool:
        """Within the conversation's rate limit and its client address's (memory or Redis, no database)."""
        allowed = (await self._limiter.allow(conversation)
                   and await self._clients.allow_message(conversation, client))
        if not allowed:
            log.info("rate_limited channel=%s", channel)
        return allowed

    async def _answer_crisis(self, turn: _Turn, crisis: str) -> list[Message]:
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
            allowed = await asyncio.wait_for(self._allowed(turn.conversation, turn.client, turn.channel),
                                             self._crisis_wait)
        except asyncio.TimeoutError:
            log.warning("rate_limit_check_slow channel=%s", turn.channel)
            allowed = True
        work = asyncio.get_running_loop().create_task(self._crisis_turn(turn, crisis, allowed))
        self._keep_in_background(work)  # finishes even if this request goes away
        done, _ = await asyncio.wait({work}, timeout=self._crisis_wait)
        if work in done and not work.cancelled() and work.exception() is None:
            return work.result()
        if work not in done:
            log.warning("crisis_answered_before_bookkeeping channel=%s", turn.channel)
        language = self._conversations.cached_language(turn.conversation) or \
            settle(ChatLanguage(), self._guesser.read(turn.text), turn.channel_language).current or DEFAULT_LANGUAGE
        return self._crisis_reply(crisis, language, turn.shortened, allowed)

    async def _crisis_turn(self, turn: _Turn, crisis: str, allowed: bool) -> list[Message]:
        """A crisis phrase's answer with everything that goes with it (see `_answer_crisis`)."""
        conversation, channel, text = turn.conversation, turn.channel, turn.text
        language = await self._known_language(conversation)
        if not allowed:
            return self._crisis_reply(crisis, language, turn.shortened, allowed)
        notes = [self._answer("utter_input_shortened", language)] if turn.shortened else []
        try:
            answer = await self._turns.answer(conversation, channel, text, crisis, turn.is_button, language)
            if answer is not None:
                await self._touch(conversation, channel, turn.address, None)
                return notes + answer
            await self._note_for_handover(conversation, text, crisis, turn.is_button)
        except SQLAlchemyError:
            log.error("handover_lookup_failed channel=%s", channel)
        if not turn.is_button:
            text = self._redactor.redact(text)
        guessed = await self._touch(conversation, channel, turn.address, self._guesser.read(text),
                                    turn.channel_language)
        self._send_in_background(conversation, text, channel)
        return self._crisis_reply(crisis, guessed or language, turn.shortened, allowed)

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
            handover = await self._handovers.open_for(conversation)
            replies = [self._answer("utter_conversation_resumed", language)] if screen_empty else []
            if handover is not None:
                # An empty screen needs the whole live chat again, whatever it showed before.
                shown = await self._handovers.since(handover.id, 0 if screen_empty else after_id,
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
            left = await self._handovers.forget(conversation)
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


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background_task_failed error=%s", type(task.exception()).__name__)

