"""The regions as data an editor can change: kept in the database (imported from data/regions.yml
on first start or with `bot regions import`), checked as a whole before a change is served, and
written back to data/regions.yml with `bot regions export` keeping its comments and layout.

Other replicas hear of a change through the event hub and reload.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import yaml_files
from bot.db.file_sync import changed_rows, mark_exported, mark_synced
from bot.db.models import RegionEntry, utcnow
from bot.events import EventHub
from bot.regions.office_hours import closure_texts
from bot.regions.directory import RegionDirectory, RegionError, parse_regions

log = logging.getLogger(__name__)
REGIONS_CHANGED = "regions_changed"


def _storable(item: dict[str, Any]) -> dict[str, Any]:
    """The region as JSON can store it: YAML reads an unquoted 2026-12-24 as a date."""
    if not item.get("closed"):
        return dict(item)
    return {**item, "closed": list(closure_texts(item["closed"]))}


class RegionEditing:
    def __init__(self, sessions: async_sessionmaker, directory: RegionDirectory,
                 hub: EventHub | None = None) -> None:
        self._sessions = sessions
        self._directory = directory
        self._hub = hub
        if hub is not None:
            hub.subscribe(self._on_event)

    async def entries(self) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(RegionEntry).order_by(RegionEntry.position))).all()
        return [row.data for row in rows]

    async def import_file(self, path: Path) -> int:
        """Replaces the stored regions with the file's, after checking them all."""
        raw = yaml_files.load(await asyncio.to_thread(path.read_text, encoding="utf-8"))
        parse_regions(raw, self._directory.gemeenten, str(path))
        async with self._sessions() as session, session.begin():
            await session.execute(delete(RegionEntry))
            session.add_all(RegionEntry(id=item["id"], position=i, data=_storable(item)) for i, item in enumerate(raw))
            await mark_synced(session, "regions", "import")
        await self.load()
        return len(raw)

    async def load(self) -> None:
        """Serves the stored regions, when there are any (the app imports data/regions.yml first
        into an empty database: bot/app.py)."""
        entries = await self.entries()
        if entries:
            self._directory.replace(parse_regions(entries, self._directory.gemeenten, "database"))

    async def check(self, region_id: str, data: dict[str, Any]) -> None:
        """Raises RegionError if this change could not be saved (for a proposal)."""
        await self._validated(region_id, data)

    async def save(self, region_id: str, data: dict[str, Any], author_id: int, approved_by: int) -> None:
        """Checks all regions with this one changed; then stores and serves it. Regions route
        people in need, so a change needs a second person: `approved_by` is not the author."""
        if approved_by == author_id:
            raise RegionError(f"region {region_id}: a second editor must approve a change to a region")
        data, regions = await self._validated(region_id, data)
        async with self._sessions() as session, session.begin():
            row = await session.get(RegionEntry, region_id)
            row.data, row.updated_at = data, utcnow()
        self._directory.replace(regions)
        if self._hub is not None:
            await self._hub.publish({"kind": REGIONS_CHANGED})
        log.info("region_saved region=%s", region_id)

    async def _validated(self, region_id: str, data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        entries = await self.entries()
        ids = [entry["id"] for entry in entries]
        if region_id not in ids:
            raise RegionError(f"region {region_id}: there is no such region")
        data = {**data, "id": region_id}
        entries[ids.index(region_id)] = data
        return data, parse_regions(entries, self._directory.gemeenten, f"region {region_id}")

    async def export_file(self, path: Path) -> int:
        """Writes the stored regions to the file; unchanged regions keep every byte."""
        entries = await self.entries()
        document = yaml_files.load_round_trip(path)
        if not isinstance(document, CommentedSeq):
            document = CommentedSeq()
        old = {item.get("id"): item for item in document}
        merged = [yaml_files.merge(old[e["id"]], e) if e["id"] in old else yaml_files.styled(e)
                  for e in entries]
        if [id(item) for item in merged] != [id(item) for item in document]:
            document[:] = merged
        yaml_files.dump_round_trip(path, document)
        await mark_exported(self._sessions, "regions")
        return len(entries)

    async def changes_since_sync(self) -> tuple[int, datetime | None]:
        """Regions editors changed since data/regions.yml was last imported or exported."""
        return await changed_rows(self._sessions, "regions", RegionEntry.updated_at)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == REGIONS_CHANGED:
            await self.load()
