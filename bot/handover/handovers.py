"""The handovers and their relayed messages: create, list by scope, claim, messages, end, close,
escalate, forget and purge. Message bodies and phone numbers are stored only encrypted.

Never logs message text, phone numbers or conversation ids.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import Handover, HandoverIntake, HandoverMessage, StaffUser, utcnow
from bot.handover.intake import Intake
# The codes a handover keeps are the contract's allow-lists, shared with the action server.
from bot.internal_contract import (AVAILABILITY, CALL_SAFETY, CONTACTS, SCAN_DOMAINS, SCAN_RATINGS,
                                   URGENT_REASONS)

# What a worker records on closing: anonymous statistics later, no free text about the person.
OUTCOMES = ("intake_planned", "referred_elsewhere", "no_contact", "user_withdrew", "helped_in_chat")
OPEN = ("waiting", "claimed")
# Outcomes the service sets, never a worker: the user left (quick exit, "wis gesprek") or did
# not come back within the retention period. The handover stays, without the conversation, with
# this line for the worker (staff pages are Dutch).
LEFT_NOTICES = {
    "user_left": "De gebruiker heeft de chat verlaten (snel weg of 'wis gesprek'). Het gesprek en "
                 "alles wat erbij hoorde is gewist. Je kunt deze persoon niet meer bereiken.",
    "user_gone": "De gebruiker is niet teruggekomen binnen de bewaartermijn. Het gesprek is gewist.",
}
# No 0/O, 1/I/L: a reference is read out over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_TOPICS = 12


class HandoverError(Exception):
    """A state change that is not possible now (already claimed, already closed, ...)."""


@dataclass(frozen=True)
class NewHandover:
    conversation_id: str
    channel: str
    region_id: str
    gemeente_code: str | None
    contact: str
    availability: str
    language: str
    consent: bool
    topics: tuple[str, ...]
    urgent: bool
    scan: dict[str, str] | None = None
    call_safety: str = "-"
    urgent_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relayed:
    id: int
    # user | worker | notice (to the user) | assistant (its automatic lines in a live chat) |
    # system (for the worker only: the user left, came back, withdrew)
    sender: str
    text: str
    buttons: list[dict[str, str]]
    crisis: bool
    created_at: datetime
    name: str | None = None  # the worker's display name, for the user's screen


def new_reference() -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"{code[:3]}-{code[3:]}"


class Handovers:
    def __init__(self, sessions: async_sessionmaker, fernet: Fernet) -> None:
        self._sessions = sessions
        self._fernet = fernet

    async def create(self, new: NewHandover, intake: Intake) -> Handover:
        said = set(new.urgent_reasons) | ({"crisis_phrase"} if intake.crisis_seen else set())
        reasons = [code for code in URGENT_REASONS if code in said]  # the allow-list's order
        call_safety_applies = new.contact == "phone" and new.call_safety in CALL_SAFETY
        for _ in range(5):  # a reference collision is rare; try another
            row = Handover(
                reference=new_reference(), conversation_id=new.conversation_id, channel=new.channel,
                region_id=new.region_id, gemeente_code=new.gemeente_code,
                contact=new.contact if new.contact in CONTACTS else "chat",
                phone=intake.phone if new.contact == "phone" else None,
                availability=new.availability if new.availability in AVAILABILITY else "-",
                language=new.language[:8], consent=new.consent,
                topics=list(new.topics[:MAX_TOPICS]) if new.consent else [],
                scan={domain: rating for domain, rating in (new.scan or {}).items()
                      if domain in SCAN_DOMAINS and rating in SCAN_RATINGS} if new.consent else {},
                urgent=new.urgent or intake.crisis_seen or bool(reasons),
                call_safety=new.call_safety if call_safety_applies else "-",
                urgent_reasons=reasons)
            try:
                async with self._sessions() as session, session.begin():
                    session.add(row)
                return row
            except IntegrityError:
                continue
        raise HandoverError("no free reference")

    async def get(self, handover_id: int) -> Handover | None:
        async with self._sessions() as session:
            return await session.get(Handover, handover_id)

    async def visible(self, region_ids: frozenset[str], include_closed: bool = False) -> list[Handover]:
        """Urgent first, then escalated, then oldest first."""
        query = select(Handover).where(Handover.region_id.in_(region_ids))
        if not include_closed:
            query = query.where(Handover.status != "closed")
        query = query.order_by(Handover.urgent.desc(), Handover.escalated_at.is_(None),
                               Handover.created_at)
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())

    async def claim(self, handover_id: int, staff_user_id: int) -> Handover:
        """Only one worker gets it: the update matches only while nobody has claimed it."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Handover, handover_id)
            if row is None:
                raise HandoverError("gone")
            result = await session.execute(
                update(Handover).where(Handover.id == handover_id, Handover.status == "waiting")
                .values(status="claimed", claimed_by=staff_user_id, claimed_at=utcnow(),
                        live=row.contact == "chat"))
            if result.rowcount != 1:
                raise HandoverError("already claimed")
        return await self.get(handover_id)  # type: ignore[return-value]

    async def involves(self, conversation_id: str) -> bool:
        """Whether the conversation has a handover (in any state: its worker's messages may still
        wait) or intake notes (bot.handover.intake, read only). Most conversations have neither,
        and then one statement saves the three that look for them."""
        async with self._sessions() as session:
            return bool(await session.scalar(select(or_(
                exists().where(Handover.conversation_id == conversation_id),
                exists().where(HandoverIntake.conversation_id == conversation_id)))))

    async def open_for(self, conversation_id: str) -> Handover | None:
        """The conversation's newest handover that is not closed (live, claimed or waiting)."""
        async with self._sessions() as session:
            return await session.scalar(select(Handover).where(
                Handover.conversation_id == conversation_id, Handover.status.in_(OPEN))
                .order_by(Handover.id.desc()).limit(1))

    async def by_reference(self, reference: str) -> Handover | None:
        async with self._sessions() as session:
            return await session.scalar(select(Handover).where(Handover.reference == reference.upper()))

    async def move(self, handover_id: int, conversation_id: str, channel: str) -> Handover | None:
        """The user came back in another conversation (typed the reference code): the handover
        follows them there, still open. None when it was closed meanwhile."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Handover, handover_id)
            if row is None or row.status not in OPEN:
                return None
            row.conversation_id, row.channel = conversation_id, channel
            row.user_presence = "online" if channel == "web" else "-"
            row.user_presence_since = utcnow()
        return row

    async def set_presence(self, conversation_id: str, presence: str) -> list[Handover]:
        """The user's widget connected or went away: their open handovers, changed."""
        async with self._sessions() as session, session.begin():
            rows = (await session.scalars(select(Handover).where(
                Handover.conversation_id == conversation_id, Handover.status.in_(OPEN),
                Handover.user_presence != presence))).all()
            for row in rows:
                row.user_presence, row.user_presence_since = presence, utcnow()
        return list(rows)

    async def since(self, handover_id: int, after_id: int, with_user: bool = False) -> list[Relayed]:
        """The handover's messages after `after_id` for the user's screen (a resumed widget, a
        user back by their code); marks them delivered. The user's own only with `with_user`."""
        query = select(HandoverMessage).where(HandoverMessage.handover_id == handover_id,
                                              HandoverMessage.id > after_id)
        query = query.where(HandoverMessage.sender != "system")
        if not with_user:
            query = query.where(HandoverMessage.sender != "user")
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(HandoverMessage.id))).all()
        await self.mark_delivered([r.id for r in rows if r.sender != "user"])
        return [self._relayed(r) for r in rows]

    async def add_message(self, handover_id: int, sender: str, message: dict[str, Any],
                          crisis: bool = False, delivered: bool = False) -> Relayed:
        """Persists first: nothing is acknowledged or pushed before it is stored."""
        body = {"text": str(message.get("text", "")), "buttons": list(message.get("buttons") or [])}
        if message.get("name"):
            body["name"] = str(message["name"])
        row = HandoverMessage(handover_id=handover_id, sender=sender,
                              body=self._fernet.encrypt(json.dumps(body).encode()), crisis=crisis,
                              delivered_at=utcnow() if delivered else None)
        async with self._sessions() as session, session.begin():
            session.add(row)
        return self._relayed(row)

    async def messages(self, handover_id: int) -> list[Relayed]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(HandoverMessage).where(
                HandoverMessage.handover_id == handover_id).order_by(HandoverMessage.id))).all()
        return [self._relayed(r) for r in rows]

    async def message(self, message_id: int) -> Relayed | None:
        async with self._sessions() as session:
            row = await session.get(HandoverMessage, message_id)
        return self._relayed(row) if row is not None else None

    async def pending(self, conversation_id: str) -> list[Relayed]:
        """Worker messages and notices the user's channel does not have yet, oldest first."""
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(HandoverMessage).join(Handover)
                .where(Handover.conversation_id == conversation_id,
                       HandoverMessage.sender.not_in(("user", "system")), HandoverMessage.delivered_at.is_(None))
                .order_by(HandoverMessage.id))).all()
        return [self._relayed(r) for r in rows]

    async def mark_delivered(self, message_ids: list[int]) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(HandoverMessage).where(
                HandoverMessage.id.in_(message_ids), HandoverMessage.delivered_at.is_(None))
                .values(delivered_at=utcnow()))

    def _relayed(self, row: HandoverMessage) -> Relayed:
        body = self._decrypt(row.body)
        message: dict[str, Any] = json.loads(body) if body else {"text": "", "buttons": []}
        return Relayed(row.id, row.sender, message["text"], message["buttons"], row.crisis, row.created_at,
                       message.get("name"))

    async def worker_name(self, handover: Handover) -> str | None:
        if handover.claimed_by is None:
            return None
        async with self._sessions() as session:
            return await session.scalar(select(StaffUser.display_name).where(StaffUser.id == handover.claimed_by))

    async def mark_urgent(self, handover_id: int, reason: str) -> None:
        """Something said while waiting cannot wait (a crisis phrase); the worker sees why."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Handover, handover_id)
            if row is not None:
                said = set(row.urgent_reasons or []) | {reason}
                row.urgent = True
                row.urgent_reasons = [code for code in URGENT_REASONS if code in said]

    async def end_chat(self, handover_id: int) -> bool:
        """Turns the relay off; False when it was not on."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(Handover).where(
                Handover.id == handover_id, Handover.live.is_(True)).values(live=False))
        return result.rowcount == 1

    async def close(self, handover_id: int, outcome: str) -> Handover:
        if outcome not in OUTCOMES:
            raise HandoverError("unknown outcome")
        async with self._sessions() as session, session.begin():
            row = await session.get(Handover, handover_id)
            if row is None or row.status == "closed":
                raise HandoverError("not open")
            row.status, row.outcome, row.live, row.closed_at = "closed", outcome, False, utcnow()
        return row

    def phone_of(self, handover: Handover) -> str | None:
        return self._decrypt(handover.phone) if handover.phone else None

    async def escalate_due(self, older_than: timedelta, is_open: Callable[[str], bool],
                           now: datetime | None = None) -> list[Handover]:
        """Waiting handovers unclaimed for `older_than` while their region is open: marked
        escalated once, and returned so coordinators can be told. With several replicas only one
        escalates a handover: like `claim`, the update matches only while nobody else has."""
        cutoff = (now or datetime.now(timezone.utc)) - older_than
        async with self._sessions() as session:
            rows = (await session.scalars(select(Handover).where(
                Handover.status == "waiting", Handover.escalated_at.is_(None),
                Handover.created_at < cutoff))).all()
        escalated = []
        for row in rows:
            if not is_open(row.region_id):
                continue
            at = utcnow()
            async with self._sessions() as session, session.begin():
                result = await session.execute(update(Handover).where(
                    Handover.id == row.id, Handover.status == "waiting",
                    Handover.escalated_at.is_(None)).values(escalated_at=at))
            if result.rowcount == 1:
                row.escalated_at = at
                escalated.append(row)
        return escalated

    async def forget(self, conversation_id: str) -> list[Handover]:
        """Deletes everything of the conversation's handovers. An open one is not made to vanish
        under its worker: it is closed as "user_left", keeps only its anonymous facts (region,
        contact kind, urgency) and a notice for the worker, and loses its link to the
        conversation, its messages, topics, scan and phone number. Returns those closed now."""
        async with self._sessions() as session, session.begin():
            rows = (await session.scalars(select(Handover).where(
                Handover.conversation_id == conversation_id))).all()
            await session.execute(delete(HandoverMessage).where(
                HandoverMessage.handover_id.in_([row.id for row in rows])))
            left = [row for row in rows if row.status in OPEN]
            for row in rows:
                if row in left:
                    _leave(row, "user_left")
                    session.add(self._notice(row.id, "user_left"))
                else:
                    await session.delete(row)
        return left

    def _notice(self, handover_id: int, outcome: str) -> HandoverMessage:
        body = json.dumps({"text": LEFT_NOTICES[outcome], "buttons": []}).encode()
        return HandoverMessage(handover_id=handover_id, sender="system", body=self._fernet.encrypt(body),
                               delivered_at=utcnow())

    async def purge(self, retention_days: int,
                    now: datetime | None = None) -> tuple[int, list[Handover]]:
        """Deletes handovers closed longer ago than the retention. Open ones nobody touched in
        that time (the user's conversation is gone by then too) are closed as "user_gone" with
        a notice for the worker, like a user who left, and deleted one retention period later.
        Returns (deleted, closed now)."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)
        async with self._sessions() as session, session.begin():
            last_message = select(HandoverMessage.handover_id).where(HandoverMessage.created_at >= cutoff)
            ids = (await session.scalars(select(Handover.id).where(Handover.closed_at < cutoff))).all()
            await session.execute(delete(HandoverMessage).where(HandoverMessage.handover_id.in_(ids)))
            await session.execute(delete(Handover).where(Handover.id.in_(ids)))
            gone = (await session.scalars(select(Handover).where(
                Handover.status.in_(OPEN), Handover.created_at < cutoff,
                Handover.id.not_in(last_message)))).all()
            await session.execute(delete(HandoverMessage).where(
                HandoverMessage.handover_id.in_([row.id for row in gone])))
            for row in gone:
                _leave(row, "user_gone")
                session.add(self._notice(row.id, "user_gone"))
        return len(ids), list(gone)

    def _decrypt(self, value: bytes) -> str | None:
        try:
            return self._fernet.decrypt(value).decode()
        except InvalidToken:  # the key was rotated
            return None


def _leave(row: Handover, outcome: str) -> None:
    """Closes a handover whose user is gone, keeping nothing that points to them."""
    row.status, row.outcome, row.live, row.closed_at = "closed", outcome, False, utcnow()
    # Unique per row and never a real pseudonym (those are 64 hex characters).
    row.conversation_id = f"gone-{row.id}"
    row.topics, row.scan, row.phone = [], {}, None
    row.user_presence, row.user_presence_since = "-", None
