"""The yearly figures and rules as data an editor can change: kept in the database (imported from
data/check_rules.yml on first start or with `bot rules import`), checked as a whole before a
change is served, and written back with `bot rules export` keeping the file's comments.

The served rules are one dict shared with the internal API and the NLG endpoint; a change
replaces its contents, and other replicas hear of it through the event hub and reload.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import yaml_files
from bot.db.file_sync import changed_rows, mark_exported, mark_synced
from bot.checks.rules import Rule, RuleError, parse_rules
from bot.db.models import CheckRuleEntry, utcnow
from bot.events import EventHub

log = logging.getLogger(__name__)
RULES_CHANGED = "rules_changed"


class RuleEditing:
    def __init__(self, sessions: async_sessionmaker, rules: dict[str, Rule], hub: EventHub | None = None) -> None:
        self._sessions = sessions
        self._rules = rules
        self._hub = hub
        if hub is not None:
            hub.subscribe(self._on_event)

    async def entries(self) -> dict[str, dict[str, Any]]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(CheckRuleEntry).order_by(CheckRuleEntry.position))).all()
        return {row.name: row.data for row in rows}

    async def load_or_import(self, path: Path) -> None:
        """Serves the stored rules; imports the file first when there are none."""
        if await self.entries():
            await self.load()
        else:
            await self.import_file(path)

    async def import_file(self, path: Path) -> int:
        """Replaces the stored rules with the file's, after checking them all."""
        raw = yaml_files.load(await asyncio.to_thread(path.read_text, encoding="utf-8"))
        parse_rules(raw, str(path))
        async with self._sessions() as session, session.begin():
            await session.execute(delete(CheckRuleEntry))
            session.add_all(CheckRuleEntry(name=name, position=i, data=dict(item))
                            for i, (name, item) in enumerate(raw.items()))
            await mark_synced(session, "rules", "import")
        await self.load()
        return len(raw)

    async def load(self) -> None:
        entries = await self.entries()
        if entries:
            self._serve(parse_rules(entries, "database"))

    async def save(self, name: str, data: dict[str, Any]) -> Rule:
        """Checks the rule; then stores and serves it. Adding or removing rules is a code change."""
        entries = await self.entries()
        if name not in entries:
            raise RuleError(f"{name}: there is no such rule")
        entries[name] = data
        rules = parse_rules(entries, "editor")
        async with self._sessions() as session, session.begin():
            row = await session.get(CheckRuleEntry, name)
            row.data, row.updated_at = data, utcnow()
        self._serve(rules)
        if self._hub is not None:
            await self._hub.publish({"kind": RULES_CHANGED})
        log.info("rule_saved rule=%s", name)
        return rules[name]

    async def export_file(self, path: Path) -> int:
        """Writes the stored rules to the file; unchanged rules keep every byte."""
        entries = await self.entries()
        document = yaml_files.load_round_trip(path)
        if not isinstance(document, CommentedMap):
            document = CommentedMap()
        for name in [name for name in document if name not in entries]:
            del document[name]
        for name, data in entries.items():
            document[name] = yaml_files.merge(document[name], data) if name in document else yaml_files.styled(data)
        yaml_files.dump_round_trip(path, document)
        await mark_exported(self._sessions, "rules")
        return len(entries)

    async def changes_since_sync(self) -> tuple[int, datetime | None]:
        """Rules editors changed since data/check_rules.yml was last imported or exported."""
        return await changed_rows(self._sessions, "rules", CheckRuleEntry.updated_at)

    def _serve(self, rules: dict[str, Rule]) -> None:
        self._rules.clear()
        self._rules.update(rules)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == RULES_CHANGED:
            await self.load()
