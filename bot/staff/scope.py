"""What each staff role may see: the one place that decides it (pages, JSON API and the live
socket all ask here).

worker       handovers of their own region(s)
coordinator  handovers of their organisation's regions (given at account creation) and the national queue
editor       no conversations (the content editor, docs/editor-guide.md)
admin        no conversations; staff sessions and the audit log
"""
from __future__ import annotations

from bot.db.models import Handover, StaffUser
from bot.regions.directory import NATIONAL

HANDOVER_ROLES = frozenset({"worker", "coordinator"})
# Who may change answers, regions, yearly figures and phrasings (and approve a second editor's change).
EDITORS = ("editor", "admin")


def visible_regions(user: StaffUser) -> frozenset[str]:
    if user.role == "worker":
        return frozenset(user.regions)
    if user.role == "coordinator":
        return frozenset(user.regions) | {NATIONAL}
    return frozenset()


def can_see(user: StaffUser, handover: Handover) -> bool:
    return handover.region_id in visible_regions(user)
