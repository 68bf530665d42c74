"""Typed app keys of the content feature: the store that serves answers, and content editing."""
from __future__ import annotations

from aiohttp import web

from bot.content.editing import ContentEditing
from bot.content.store import ContentStore

CONTENT_STORE = web.AppKey("content_store", ContentStore)
CONTENT_EDITING = web.AppKey("content_editing", ContentEditing)
