"""How staff objects look as JSON (a staff member, a handover in the queue, a relayed message):
one shape for the staff JSON API and the staff socket. No HTTP, no rules: scope and audit live in
bot/staff/inbox.py.
"""
from __future__ import annotations

from typing import Any

from bot.db.models import Handover, StaffUser
from bot.handover.handovers import Relayed
from bot.staff.labels import LABELS


def user_json(user: StaffUser) -> dict[str, Any]:
    return {"email": user.email, "display_name": user.display_name, "role": user.role,
            "regions": user.regions}


def handover_json(handover: Handover) -> dict[str, Any]:
    """The queue's view: no contact details, no messages."""
    return {"id": handover.id, "reference": handover.reference, "region": handover.region_id,
            "status": handover.status, "live": handover.live, "urgent": handover.urgent,
            "escalated": handover.escalated_at is not None, "contact": handover.contact,
            "availability": handover.availability, "language": handover.language,
            "consent": handover.consent, "created_at": handover.created_at.isoformat(),
            "claimed": handover.claimed_by is not None, "outcome": handover.outcome,
            # Why it is urgent, as codes and as the worker reads them (Dutch).
            "urgent_reasons": [{"code": code, "label": LABELS["urgent_reasons"].get(code, code)}
                               for code in handover.urgent_reasons or []],
            # Whether the user's widget is connected now (online | offline; "-": not a widget).
            "user_presence": handover.user_presence,
            "user_presence_since": handover.user_presence_since.isoformat()
            if handover.user_presence_since else None}


def call_safety_json(handover: Handover) -> dict[str, str] | None:
    """For a call: whether a voicemail or a text is safe, as the page says it; None otherwise."""
    if handover.contact != "phone":
        return None
    labels = LABELS["call_safety"]
    return {"code": handover.call_safety, "label": labels.get(handover.call_safety, labels["-"])}


def message_json(message: Relayed) -> dict[str, Any]:
    return {"id": message.id, "sender": message.sender, "text": message.text,
            "crisis": message.crisis, "at": message.created_at.isoformat()}
