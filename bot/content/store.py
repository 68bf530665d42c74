"""The content store: every answer in memory for the NLG endpoint, backed by content_entries.

Serving never touches the database; `reload` swaps in a new set at once, so a reader sees either
the old answers or the new ones, never a mix.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.content.files import parse_entries, read_content_dir, write_content_dir
from bot.content.schema import LANGUAGES, Answer, Button, ContentError
from bot.db.file_sync import mark_exported, mark_synced
from bot.db.models import ContentEntry
from bot.internal_contract import CHECK_SLOT, LANGUAGE_SLOT

# Answers the service and the action server rely on by name (the gateway, the handover turns and
# notices, the NLG endpoint's own rules, the form's phone question); content without them is refused.
REQUIRED_KEYS = (
    "utter_greet", "utter_service_unavailable", "utter_input_empty", "utter_input_shortened",
    "utter_slow_down", "utter_forgotten", "utter_conversation_resumed", "utter_language_changed",
    "utter_crisis/danger", "utter_crisis/suicidal", "utter_crisis/trafficking",
    "utter_crisis/violence", "utter_crisis/minor", "utter_crisis/general",
    "utter_crisis_offer_person", "utter_crisis_calm_line",
    "utter_ask_handover_phone", "utter_handover_taking_longer", "utter_handover_cancel_confirm",
    "utter_handover_withdrawn", "utter_handover_code_unknown", "utter_handover_code_confirm",
    "utter_handover_code_resumed", "utter_handover_waiting_open", "utter_handover_waiting_closed",
    "utter_status_live", "utter_status_waiting_open", "utter_status_waiting_closed",
    "utter_live_joined", "utter_live_ended_by_worker", "utter_live_ended_by_user",
    "utter_live_button_paused",
)


class ContentStore:
    def __init__(self) -> None:
        self._answers: dict[str, Answer] = {}
        self._payloads: frozenset[str] = frozenset()

    def get(self, key: str) -> Answer | None:
        return self._answers.get(key)

    def require(self, key: str) -> Answer:
        """An answer the service relies on (REQUIRED_KEYS, or one of a family such as the crisis
        kinds): content without it was refused, so its absence is a bug, raised as ContentError."""
        answer = self._answers.get(key)
        if answer is None:
            raise ContentError(f"required content {key} is missing")
        return answer

    def keys(self) -> list[str]:
        return sorted(self._answers)

    def answers(self) -> list[Answer]:
        return list(self._answers.values())

    def replace(self, answers: dict[str, Answer]) -> None:
        missing = [key for key in REQUIRED_KEYS if key not in answers]
        if missing:
            raise ContentError(f"content is missing required answers: {', '.join(missing)}")
        self._answers = dict(answers)
        self._payloads = frozenset(
            self.payload(button, language)
            for answer in answers.values() for language in LANGUAGES
            for button in answer.variants[language].buttons
        )

    def payload(self, button: Button, language: str) -> str:
        """What a button sends: its reply text (a form answer, as if typed), a subtopic's canonical
        question (the ResponseSelector needs text and the question is a training example), or
        `/intent` for a plain intent."""
        if button.reply is not None:
            return button.reply
        if button.target == "change_language":
            return "/change_language" + json.dumps({LANGUAGE_SLOT: button.language})
        if button.check is not None:
            return f"/{button.target}" + json.dumps({CHECK_SLOT: button.check})
        target = self._answers.get(f"utter_{button.target}")
        if target is not None and target.question:
            return target.question[language]
        return f"/{button.target}"

    def button_payloads(self) -> frozenset[str]:
        return self._payloads

    async def reload(self, sessions: async_sessionmaker) -> None:
        async with sessions() as session:
            rows = (await session.scalars(select(ContentEntry))).all()
        self.replace(parse_entries({row.key: (row.file_name, row.data) for row in rows}))


async def import_directory(sessions: async_sessionmaker, directory: Path) -> int:
    """Validates every file first, then replaces the stored content in one transaction."""
    return await import_entries(sessions, read_content_dir(directory))


async def import_entries(sessions: async_sessionmaker, entries: dict[str, tuple[str, dict[str, Any]]]) -> int:
    """`entries` as read_content_dir returns them: validated, then stored in one transaction."""
    ContentStore().replace(parse_entries(entries))
    async with sessions() as session, session.begin():
        await session.execute(delete(ContentEntry))
        session.add_all(
            ContentEntry(key=key, file_name=file_name, data=raw)
            for key, (file_name, raw) in entries.items()
        )
        await mark_synced(session, "content", "import")
    return len(entries)


async def export_directory(sessions: async_sessionmaker, directory: Path) -> int:
    """Writes the stored content into the files (keeping their comments and layout)."""
    entries = await stored_entries(sessions)
    write_content_dir(directory, entries)
    await mark_exported(sessions, "content")
    return len(entries)


async def stored_entries(sessions: async_sessionmaker) -> dict[str, tuple[str, dict[str, Any]]]:
    async with sessions() as session:
        rows = (await session.scalars(select(ContentEntry))).all()
    return {row.key: (row.file_name, row.data) for row in rows}


async def is_empty(sessions: async_sessionmaker) -> bool:
    async with sessions() as session:
        return (await session.scalar(select(ContentEntry.key).limit(1))) is None
