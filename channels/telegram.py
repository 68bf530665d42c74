"""The Telegram channel (python-telegram-bot): webhook or polling, inline-keyboard buttons,
commands, pacing, and deleting the chat's messages on "forget me".

Only text reaches the gateway: photos, voice, stickers and files get the fixed "I can only read
text" answer and are never downloaded. Only private chats are answered; an update is handled once
(channels/telegram_updates.py). Messages are sent with protect_content. Never logs chat ids or text.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import OrderedDict, deque
from datetime import datetime, timezone
from typing import Any, AsyncIterator

from aiohttp import web
from telegram import Bot, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import TelegramError

from bot.appkeys import REDIS, SESSIONS, SETTINGS
from bot.gateway.keys import GATEWAY
from bot.handover.keys import RELAY
from bot.gateway.gateway import FORGET_COMMAND, Gateway
from bot.handover.turns import RESUME, is_resume_command
from bot.json_body import read_json
from channels.telegram_pacing import ChatPacing
from channels.telegram_updates import SEEN_FOR, DatabaseUpdateLog, RedisUpdateLog, UpdateLog

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
CHANNEL = "telegram"
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities", "/taal": "/change_language",
            "/language": "/change_language", "/wis": "/forget_me"}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (the header's name, not its value)
# Telegram throttles bursts to one chat; about one message a second keeps every bubble.
PACING_SECONDS = 1.0
# Telegram lets a bot delete messages for 48 hours.
DELETABLE_SECONDS = 48 * 3600
_TRACKED_CHATS = 10_000
_MESSAGES_PER_CHAT = 200
POLL_TIMEOUT_SECONDS = 25
# Callback data of the "yes, continue" button after a typed reference code: "r:HAK-GFE".
RESUME_DATA = "r:"


def speaker_line(message: dict[str, Any]) -> str:
    """In a live chat, who speaks: a worker by name, or the assistant's automatic line."""
    if message.get("sender") == "worker":
        return f"👤 {message.get('name') or 'PMW'} (PMW):\n"
    if message.get("automatic"):
        return "🤖 (auto):\n"
    return ""


def callback_data(payload: str) -> str:
    """Short whitelisted callback data (Telegram allows 64 bytes): a hash of the payload; the
    reference code's confirmation carries the code itself (the user just typed it)."""
    if is_resume_command(payload):
        return RESUME_DATA + payload.split()[-1]
    return "b:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def in_a_private_chat(update: Update) -> bool:
    """Only one person's own chat with the bot is a conversation: in a group every member would
    share it, read its answers, press its buttons and could wipe it with /wis."""
    message = update.callback_query.message if update.callback_query is not None else update.message
    return message is not None and message.chat.type == Chat.PRIVATE


def is_stale(update: Update, now: datetime) -> bool:
    """A message older than Telegram keeps delivering one can only be a replay (its id may be
    forgotten already). A button press carries no date of its own: its id is the guard."""
    return update.message is not None and update.message.date < now - SEEN_FOR


class TelegramChannel:
    def __init__(self, bot: Bot, gateway: Gateway, updates: UpdateLog) -> None:
        self.bot = bot
        self._gateway = gateway
        self._updates = updates
        self._payloads: dict[str, str] = {}
        self._payloads_from: frozenset[str] = frozenset()
        self._pacing = ChatPacing(PACING_SECONDS)
        self._messages: OrderedDict[int, deque[tuple[int, float]]] = OrderedDict()

    async def handle_update(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.bot)
        if update is None:
            return
        if update.callback_query is not None:
            await self._safely(update.callback_query.answer())  # always, or the button keeps spinning
        if not in_a_private_chat(update):
            log.info("telegram_update_ignored reason=not_private")
            return
        if is_stale(update, datetime.now(timezone.utc)):
            log.warning("telegram_update_ignored reason=stale")
            return
        if not await self._updates.first_time(update.update_id):
            # Telegram's own retries end here too, so this is no sign of an attack on its own.
            log.info("telegram_update_ignored reason=duplicate")
            return
        if update.callback_query is not None:
            query = update.callback_query
            if query.message is None:  # never: in_a_private_chat needs it (this tells the type checker)
                return
            chat_id = query.message.chat.id
            # Unknown data (a button from before a content change) opens the menu.
            text: str | None = self._payload_of(query.data or "") or "/ask_capabilities"
            user: User | None = query.from_user
        elif update.message is not None:
            message = update.message
            chat_id = message.chat.id
            self._track(chat_id, message.message_id)
            text = message.text  # None for photos, voice, stickers, files: never downloaded
            if text is not None:
                command = text.split("@", 1)[0].split(" ", 1)[0].lower()
                text = COMMANDS.get(command, text)
            user = message.from_user
        else:
            return
        language = "en" if user and (user.language_code or "").startswith("en") else None
        replies = await self._gateway.handle(CHANNEL, str(chat_id), text, address=str(chat_id),
                                             channel_language=language)
        if text == FORGET_COMMAND:
            await self._delete_chat_messages(chat_id)
        await self.send(chat_id, replies)

    async def send(self, chat_id: int, messages: list[dict[str, Any]]) -> bool:
        """Sends in order, paced; False when any message did not arrive."""
        all_sent = True
        async with self._pacing.turn(chat_id) as pace:
            for message in messages:
                await pace.wait()
                keyboard = [[InlineKeyboardButton(b["title"], callback_data=callback_data(b["payload"]))]
                            for b in message.get("buttons", [])]
                sent = await self._safely(self.bot.send_message(
                    chat_id, speaker_line(message) + (message["text"] or "…"), protect_content=True,
                    reply_markup=InlineKeyboardMarkup(keyboard) if keyboard else None))
                pace.sent()
                if sent is not None:
                    self._track(chat_id, sent.message_id)
                all_sent = all_sent and sent is not None
        return all_sent

    async def push(self, address: str, messages: list[dict[str, Any]]) -> bool:
        """A worker's messages in a live handover, to the chat's stored address."""
        return await self.send(int(address), messages)

    def _payload_of(self, data: str) -> str | None:
        if data.startswith(RESUME_DATA) and is_resume_command(f"{RESUME} {data[len(RESUME_DATA):]}"):
            return f"{RESUME} {data[len(RESUME_DATA):]}"
        payloads = self._gateway.button_payloads()
        if payloads is not self._payloads_from:
            self._payloads = {callback_data(p): p for p in payloads}
            self._payloads_from = payloads
        return self._payloads.get(data)

    def _track(self, chat_id: int, message_id: int) -> None:
        """Remembers message ids (in memory only) so "forget me" can delete them in the chat."""
        messages = self._messages.setdefault(chat_id, deque(maxlen=_MESSAGES_PER_CHAT))
        messages.append((message_id, time.time()))
        self._messages.move_to_end(chat_id)
        if len(self._messages) > _TRACKED_CHATS:
            self._messages.popitem(last=False)

    async def _delete_chat_messages(self, chat_id: int) -> None:
        cutoff = time.time() - DELETABLE_SECONDS
        ids = [i for i, sent in self._messages.pop(chat_id, ()) if sent > cutoff]
        for start in range(0, len(ids), 100):  # the API takes at most 100 at a time
            await self._safely(self.bot.delete_messages(chat_id, ids[start:start + 100]))

    @staticmethod
    async def _safely(call: Any) -> Any:
        try:
            return await call
        except TelegramError as error:
            log.warning("telegram_call_failed error=%s", type(error).__name__)
            return None


@routes.post("/telegram/webhook")
async def webhook(request: web.Request) -> web.Response:
    channel = request.app.get(TELEGRAM)
    secret = request.app[SETTINGS].telegram_webhook_secret
    if channel is None or secret is None:
        raise web.HTTPNotFound()
    given = request.headers.get(SECRET_HEADER, "")
    # An empty header never matches, not even an empty secret (Settings refuses one anyway).
    if not given or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        log.warning("telegram_webhook_forged")
        raise web.HTTPForbidden()
    try:
        data = await read_json(request)
    except ValueError:
        raise web.HTTPBadRequest() from None
    # Answer Telegram at once; pacing can make a reply take seconds.
    task = asyncio.create_task(_guarded(channel.handle_update(data)))
    request.app[TELEGRAM_TASKS].add(task)
    task.add_done_callback(request.app[TELEGRAM_TASKS].discard)
    return web.Response(text="ok")


async def _guarded(handling: Any) -> None:
    """A failed update is logged by kind only: the traceback could quote the message."""
    try:
        await handling
    except Exception as error:  # noqa: BLE001 - the background task must not die silently
        log.error("telegram_update_failed error=%s", type(error).__name__)


TELEGRAM = web.AppKey("telegram", TelegramChannel)
TELEGRAM_TASKS = web.AppKey("telegram_tasks", set[asyncio.Task[None]])


async def telegram_context(app: web.Application) -> AsyncIterator[None]:
    """Starts the channel when TELEGRAM_TOKEN is set: webhook with PUBLIC_URL, else polling."""
    settings = app[SETTINGS]
    app[TELEGRAM_TASKS] = set()
    if settings.telegram_token is None:
        yield
        return
    if settings.public_url and settings.telegram_webhook_secret is None:
        raise RuntimeError("TELEGRAM_WEBHOOK_SECRET is required for webhook mode (PUBLIC_URL is set)")
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url)
    async with bot:
        redis = app[REDIS]
        updates: UpdateLog = (RedisUpdateLog(redis, bot.id) if redis is not None
                              else DatabaseUpdateLog(app[SESSIONS], bot.id))
        app[TELEGRAM] = TelegramChannel(bot, app[GATEWAY], updates)
        app[RELAY].register_channel(CHANNEL, app[TELEGRAM].push)
        poller = None if settings.public_url else asyncio.create_task(_poll(app[TELEGRAM]))
        yield
        if poller is not None:
            poller.cancel()
        for task in app[TELEGRAM_TASKS].copy():
            task.cancel()


async def _poll(channel: TelegramChannel) -> None:
    """Polling for local use (no PUBLIC_URL): only messages and button presses."""
    await channel.bot.delete_webhook()
    offset = None
    while True:
        try:
            updates = await channel.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT_SECONDS,
                                                    allowed_updates=["message", "callback_query"])
        except TelegramError as error:
            log.warning("telegram_poll_failed error=%s", type(error).__name__)
            await asyncio.sleep(5)
            continue
        for update in updates:
            offset = update.update_id + 1
            await _guarded(channel.handle_update(update.to_dict()))


async def set_webhook(bot: Bot, public_url: str, secret: str) -> bool:
    return await bot.set_webhook(url=public_url.rstrip("/") + "/telegram/webhook", secret_token=secret,
                                 allowed_updates=["message", "callback_query"])
