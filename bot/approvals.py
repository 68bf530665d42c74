"""The two-person rule for safety content: a change to a crisis answer, a help line or a region
(contacts, gemeenten) is served only after a second editor (or an admin) approves it.

Holds the proposals and who decided; never applies a change itself: the editor pages do that
through bot.content.editing and bot.regions.editing, which refuse a safety change without a
second person.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import PendingChange, utcnow

CONTENT = "content"
REGION = "region"


class ApprovalError(ValueError):
    """An approval that cannot be given; the message says why."""


@dataclass(frozen=True)
class Proposal:
    id: int
    kind: str
    key: str
    data: dict[str, Any]
    author_id: int
    created_at: datetime
    state: str
    decided_by: int | None
    version_id: int | None


def _proposal(row: PendingChange) -> Proposal:
    return Proposal(row.id, row.kind, row.key, row.data, row.author_id, row.created_at, row.state,
                    row.decided_by, row.version_id)


class Approvals:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self._sessions = sessions

    async def propose(self, kind: str, key: str, data: dict[str, Any], author_id: int) -> Proposal:
        """Keeps the change for a second person; an earlier proposal for the same item is replaced."""
        row = PendingChange(kind=kind, key=key, data=data, author_id=author_id)
        async with self._sessions() as session, session.begin():
            await session.execute(update(PendingChange).where(
                PendingChange.kind == kind, PendingChange.key == key, PendingChange.state == "pending")
                .values(state="replaced", decided_at=utcnow()))
            session.add(row)
        return _proposal(row)

    async def pending(self, kind: str | None = None, key: str | None = None) -> list[Proposal]:
        query = select(PendingChange).where(PendingChange.state == "pending").order_by(PendingChange.id)
        if kind is not None:
            query = query.where(PendingChange.kind == kind)
        if key is not None:
            query = query.where(PendingChange.key == key)
        async with self._sessions() as session:
            return [_proposal(row) for row in (await session.scalars(query)).all()]

    async def to_approve(self, proposal_id: int, approver_id: int) -> Proposal:
        """The proposal a second person may now apply; refuses the author and decided ones."""
        async with self._sessions() as session:
            row = await session.get(PendingChange, proposal_id)
        if row is None or row.state != "pending":
            raise ApprovalError("deze wijziging wacht niet (meer) op goedkeuring")
        if row.author_id == approver_id:
            raise ApprovalError("een tweede persoon moet dit goedkeuren, niet wie het schreef")
        return _proposal(row)

    async def approved(self, proposal_id: int, approver_id: int, version_id: int | None = None) -> None:
        """Records the approval once the change is served."""
        async with self._sessions() as session, session.begin():
            row = await session.get(PendingChange, proposal_id)
            row.state, row.decided_by, row.decided_at, row.version_id = "approved", approver_id, utcnow(), version_id

    async def approvers_of(self, version_ids: list[int]) -> dict[int, int]:
        """{content version id: who approved it}, for the history page."""
        if not version_ids:
            return {}
        async with self._sessions() as session:
            rows = (await session.execute(select(PendingChange.version_id, PendingChange.decided_by).where(
                PendingChange.version_id.in_(version_ids), PendingChange.state == "approved"))).all()
        return {version: approver for version, approver in rows}
