"""Handovers nobody claimed in time, during their region's office hours, escalate to the
coordinators, and a user waiting in the chat is told it takes longer than usual (not left
wondering); the optional staff Telegram group hears of new and escalated handovers.

Built from its collaborators, no web app: with several replicas only one escalates a handover
(Handovers.escalate_due is a conditional update). The group notice names only the region and
whether it is urgent: no reference, no topics.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from bot.db.models import Handover
from bot.handover.handovers import Handovers
from bot.handover.notices import UserNotices
from bot.handover.relay import Relay
from bot.regions.directory import RegionDirectory
from bot.staff_group import StaffGroup

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 60
GROUP_NOTICES = {"new": "Nieuwe overdracht", "escalated": "Overdracht wacht nog (geëscaleerd)"}


class Escalation:
    def __init__(self, *, handovers: Handovers, relay: Relay, regions: RegionDirectory,
                 notices: UserNotices, group: StaffGroup, after: timedelta) -> None:
        """`after`: how long a handover may wait unclaimed while its region is open."""
        self._handovers = handovers
        self._relay = relay
        self._regions = regions
        self._notices = notices
        self._group = group
        self._after = after
        # Notices on their way to the staff group (kept so the tasks are not collected early).
        self._sending: set[asyncio.Task[None]] = set()

    async def escalate_due(self, now: datetime | None = None) -> list[Handover]:
        """Escalates what is due now; returns the handovers this call escalated."""
        now = now or datetime.now(timezone.utc)

        def is_open(region_id: str) -> bool:
            region = self._regions.regions.get(region_id)
            return region is not None and region.hours.is_open(now)

        due = await self._handovers.escalate_due(self._after, is_open, now)
        for handover in due:
            log.info("handover_escalated region=%s urgent=%s", handover.region_id, str(handover.urgent).lower())
            await self._relay.staff_event("escalated", handover)
            await self.notify_group("escalated", handover)
            if handover.contact == "chat":
                await self._tell_user(handover)
        return due

    async def _tell_user(self, handover: Handover) -> None:
        """Pushed (or waiting for the user's next visit) like a worker's message."""
        region = self._regions.regions.get(handover.region_id)
        message = await self._notices.render(handover, "utter_handover_taking_longer", {
            "organisation": region.organisation if region else "", "reference": handover.reference})
        await self._relay.to_user(handover, "notice", message)

    def notify_group_soon(self, action: str, handover: Handover) -> None:
        """Like notify_group, without waiting: the action server gives up on a new handover after
        a few seconds, and a slow Telegram must not turn a stored handover into a failed one."""
        task = asyncio.create_task(self.notify_group(action, handover))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def notify_group(self, action: str, handover: Handover) -> None:
        """`action`: "new" or "escalated"."""
        region = self._regions.regions.get(handover.region_id)
        text = f"{GROUP_NOTICES[action]}, regio {region.name if region else handover.region_id}" + \
            (", URGENT" if handover.urgent else "")
        await self._group.send(text)
