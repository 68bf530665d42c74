"""Pacing of the Telegram channel: one answer to a chat at a time, its messages about a pacing
window apart (Telegram throttles bursts to one chat).

A chat is remembered only while an answer goes to it and for one window after, so memory stays
small however many chats there are. Knows chat ids (in memory only), never text.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from typing import AsyncIterator, Callable

Clock = Callable[[], float]


class ChatPace:
    """One chat's turn: `await wait()` before each message, `sent()` after it."""

    def __init__(self, seconds: float, clock: Clock) -> None:
        self._seconds, self._clock = seconds, clock
        self.lock = asyncio.Lock()
        self.last_sent = float("-inf")
        self.users = 0  # answers holding or waiting for the lock

    async def wait(self) -> None:
        delay = self.last_sent + self._seconds - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def sent(self) -> None:
        self.last_sent = self._clock()

    def quiet(self) -> bool:
        """Nobody sends or waits, and the window has passed: forgetting the chat changes nothing."""
        return self.users == 0 and self._clock() - self.last_sent >= self._seconds


class ChatPacing:
    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self._seconds, self._clock = seconds, clock
        # Least recently finished first: the quiet ones are at the front.
        self._chats: OrderedDict[int, ChatPace] = OrderedDict()

    def __len__(self) -> int:
        """How many chats are remembered."""
        return len(self._chats)

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[ChatPace]:
        """The chat to oneself for one answer, after the answers before it."""
        pace = self._chats.get(chat_id)
        if pace is None:
            pace = self._chats[chat_id] = ChatPace(self._seconds, self._clock)
        pace.users += 1
        try:
            async with pace.lock:
                yield pace
        finally:
            pace.users -= 1
            self._chats.move_to_end(chat_id)
            self._forget_quiet_chats()

    def _forget_quiet_chats(self) -> None:
        while self._chats:
            chat_id, pace = next(iter(self._chats.items()))
            if not pace.quiet():
                return
            del self._chats[chat_id]
