"""Notices for the user of a handover (a worker joined, the chat ended, it takes longer), in the
language of the user's conversation. Renders only; sending is the relay's.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from bot.content.render import pick_language, render
from bot.content.store import ContentStore
from bot.db.models import Handover

LanguageOf = Callable[[str], Awaitable[str | None]]


class UserNotices:
    def __init__(self, store: ContentStore, language_of: LanguageOf) -> None:
        """`language_of`: the language of a conversation, by its id (bot/gateway/conversations.py)."""
        self._store = store
        self._language_of = language_of

    async def render(self, handover: Handover, key: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        language = pick_language(await self._language_of(handover.conversation_id))
        return render(self._store.require(key), language, self._store, values=values)
