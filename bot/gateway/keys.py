"""Typed app keys of the gateway: the gateway itself, the conversations table, and the limits per
client address and per conversation (bot/gateway/client_limits.py)."""
from __future__ import annotations

from aiohttp import web

from bot.gateway.client_limits import ClientLimits, HandoverLimits
from bot.gateway.conversations import Conversations
from bot.gateway.gateway import Gateway

GATEWAY = web.AppKey("gateway", Gateway)
CONVERSATIONS = web.AppKey("conversations", Conversations)
CLIENT_LIMITS = web.AppKey("client_limits", ClientLimits)
HANDOVER_LIMITS = web.AppKey("handover_limits", HandoverLimits)
