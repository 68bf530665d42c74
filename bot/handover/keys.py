"""Typed app keys of handovers: the handovers table, the intake notes, the live relay and escalation."""
from __future__ import annotations

from aiohttp import web

from bot.handover.escalation import Escalation
from bot.handover.handovers import Handovers
from bot.handover.intake import IntakeNotes
from bot.handover.relay import Relay

HANDOVERS = web.AppKey("handovers", Handovers)
INTAKE = web.AppKey("intake", IntakeNotes)
RELAY = web.AppKey("relay", Relay)
ESCALATION = web.AppKey("escalation", Escalation)
