"""Editing answers without a developer: drafts, publishing, history, diffs and rollback.

Publishing validates the whole content set exactly as `bot content import` does, stores the new
text, swaps it into this process's content store at once and tells other replicas (through the
event hub) to reload. Rasa is never retrained for a text change.
"""
from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import yaml_files
from bot.content.files import parse_entries
from bot.content.safety import SafetyContacts, is_safety_answer
from bot.content.schema import RULE_PLACEHOLDER, Answer, ContentError
from bot.content.store import ContentStore, stored_entries
from bot.db.file_sync import last_synced
from bot.db.models import ContentEntry, ContentVersion
from bot.events import EventHub

log = logging.getLogger(__name__)
CONTENT_CHANGED = "content_published"


class NeedsSecondPerson(ContentError):
    """A safety answer published without a second editor's approval."""


@dataclass(frozen=True)
class Version:
    id: int
    state: str
    author_id: int | None
    created_at: datetime
    data: dict[str, Any]


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """A line diff of two versions, written as in data/content/, for review."""
    return list(difflib.unified_diff(yaml_files.dumps(old).splitlines(), yaml_files.dumps(new).splitlines(),
                                     "before", "after", lineterm="", n=2))


async def published_since_sync(sessions: async_sessionmaker) -> tuple[int, datetime | None]:
    """Publications by editors since data/content/ was last imported or exported (all of them
    when it never was), and the newest one's time: what an import would discard."""
    since = await last_synced(sessions, "content")
    query = select(func.count(), func.max(ContentVersion.created_at)).where(
        ContentVersion.state == "published", ContentVersion.author_id.is_not(None))
    if since is not None:
        query = query.where(ContentVersion.created_at > since)
    async with sessions() as session:
        count, newest = (await session.execute(query)).one()
    return count, newest


class ContentEditing:
    def __init__(self, sessions: async_sessionmaker, store: ContentStore, hub: EventHub,
                 figures: Mapping[str, object] | None = None, contacts: SafetyContacts | None = None) -> None:
        self._sessions = sessions
        self._store = store
        self._hub = hub
        self._figures = figures if figures is not None else {}  # the yearly figures "{rule:…}" may name
        # Where one wrong edit hurts most (bot.content.safety): what safety answers may name.
        self._contacts = contacts if contacts is not None else SafetyContacts.from_file()
        hub.subscribe(self._on_event)

    async def entry(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """(file name, published data) of an answer."""
        async with self._sessions() as session:
            row = await session.get(ContentEntry, key)
        return (row.file_name, row.data) if row is not None else None

    async def file_names(self) -> dict[str, str]:
        """Which file each answer lives in: the topic it is listed under."""
        async with self._sessions() as session:
            rows = (await session.execute(select(ContentEntry.key, ContentEntry.file_name))).all()
        return dict(rows)

    async def draft(self, key: str) -> Version | None:
        """The newest draft, if it is newer than the newest publication."""
        history = await self.history(key)
        return history[0] if history and history[0].state == "draft" else None

    async def keys_with_drafts(self) -> set[str]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(ContentVersion.key, ContentVersion.state).order_by(ContentVersion.id))).all()
        latest = {key: state for key, state in rows}
        return {key for key, state in latest.items() if state == "draft"}

    async def history(self, key: str) -> list[Version]:
        """Newest first."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(ContentVersion).where(ContentVersion.key == key)
                                          .order_by(ContentVersion.id.desc()))).all()
        return [Version(r.id, r.state, r.author_id, r.created_at, r.data) for r in rows]

    async def save_draft(self, key: str, data: dict[str, Any], author_id: int) -> Version:
        """Keeps a checked draft; nothing is served from a draft."""
        file_name, current = await self._require(key)
        await self._validated(key, file_name, data)
        row = ContentVersion(key=key, file_name=file_name, data=data, state="draft", author_id=author_id)
        async with self._sessions() as session, session.begin():
            await self._keep_original(session, key, file_name, current)
            session.add(row)
        return Version(row.id, row.state, row.author_id, row.created_at, data)

    async def is_safety(self, key: str) -> bool:
        """A crisis answer, a help line or the safety lines (bot.content.safety): a change is served
        only with a second person's approval (bot.approvals)."""
        entry = await self.entry(key)
        return entry is not None and is_safety_answer(key, entry[0])

    async def check(self, key: str, data: dict[str, Any]) -> None:
        """Raises ContentError if this change could not be published (for a proposal)."""
        file_name, _ = await self._require(key)
        await self._validated(key, file_name, data)

    async def publish(self, key: str, data: dict[str, Any], author_id: int,
                      approved_by: int | None = None) -> Version:
        """Validates the whole content with this answer changed, stores it, serves it. A safety
        answer needs `approved_by`: someone other than the author."""
        file_name, current = await self._require(key)
        if is_safety_answer(key, file_name) and (approved_by is None or approved_by == author_id):
            raise NeedsSecondPerson(f"{key}: a second editor must approve a change to a safety answer")
        answers = await self._validated(key, file_name, data)
        async with self._sessions() as session, session.begin():
            await self._keep_original(session, key, file_name, current)
            row = await session.get(ContentEntry, key)
            row.data = data
            version = ContentVersion(key=key, file_name=file_name, data=data, state="published",
                                     author_id=author_id)
            session.add(version)
        self._store.replace(answers)
        await self._hub.publish({"kind": CONTENT_CHANGED, "key": key})
        log.info("content_published key=%s", key)
        return Version(version.id, version.state, author_id, version.created_at, data)

    async def version(self, key: str, version_id: int) -> Version:
        old = next((v for v in await self.history(key) if v.id == version_id), None)
        if old is None:
            raise ContentError(f"{key}: no version {version_id}")
        return old

    async def rollback(self, key: str, version_id: int, author_id: int) -> Version:
        """Publishes an earlier version again (as a new version: history only grows)."""
        return await self.publish(key, (await self.version(key, version_id)).data, author_id)

    @staticmethod
    async def _keep_original(session: Any, key: str, file_name: str, current: dict[str, Any]) -> None:
        """The first change of an answer starts its history with what was served until then
        (from data/content/), so that can be restored too."""
        if not (await session.scalars(select(ContentVersion.id).where(
                ContentVersion.key == key).limit(1))).first():
            session.add(ContentVersion(key=key, file_name=file_name, data=current, state="published",
                                       author_id=None))
            await session.flush()  # before the new version: history is in id order

    async def _validated(self, key: str, file_name: str, data: dict[str, Any]) -> dict[str, Answer]:
        """All answers with this one changed, checked exactly as `bot content import` checks."""
        entries = await stored_entries(self._sessions)
        entries[key] = (file_name, data)
        answers = parse_entries(entries)
        unknown = {name for variant in answers[key].variants.values()
                   for name in RULE_PLACEHOLDER.findall(variant.text)} - set(self._figures)
        if unknown:
            raise ContentError(f"{key}: no yearly figure named {', '.join(sorted(unknown))}")
        if is_safety_answer(key, file_name):
            self._contacts.check(answers[key])
        ContentStore().replace(answers)  # the required answers are all there
        return answers

    async def _require(self, key: str) -> tuple[str, dict[str, Any]]:
        entry = await self.entry(key)
        if entry is None:
            # New answers need a new response name in Rasa, so a retrain: not an editor's job.
            raise ContentError(f"{key}: there is no such answer")
        return entry

    async def _on_event(self, event: dict[str, Any]) -> None:
        """Another replica published: serve the new text here too."""
        if event.get("kind") == CONTENT_CHANGED:
            await self._store.reload(self._sessions)
