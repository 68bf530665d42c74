"""Example phrasings per intent that editors add in the staff web app, and their export as Rasa
training data. Owns the example_phrasings table and the rules a phrasing must meet. Phrasings are
written by editors, never copied from conversations; this module never logs their text.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import ExamplePhrasing
from bot.nlu.training_data import EDITOR_FILE, TrainingData, nlu_file, normalised, read_examples

log = logging.getLogger(__name__)
MIN_CHARS = 2
# Users' chat messages are short; a long example teaches the model little and is hard to review.
MAX_CHARS = 200
# Every character str.splitlines() breaks at: each would end the example in the exported file.
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# What YAML cannot hold in a file (control characters, surrogates, non-characters).
UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Rasa reads "[text](entity)" in an example as an entity annotation, and has no escape for it.
# Every annotation starts with "[", so refusing square brackets is enough: "(" and "{" on their
# own stay plain text, and users do type "(" and ":)".
BRACKETS = re.compile(r"[\[\]]")


class PhrasingError(Exception):
    """A phrasing was refused; the message is for the editor (Dutch, like the staff pages)."""


@dataclass(frozen=True)
class Phrasing:
    id: int
    intent: str
    text: str
    author_id: int | None
    created_at: datetime


def _phrasing(row: ExamplePhrasing) -> Phrasing:
    return Phrasing(row.id, row.intent, row.text, row.author_id, row.created_at)


def cleaned(text: str) -> str:
    """The text as it will be stored, or PhrasingError with the reason."""
    if LINE_BREAKS.search(text.strip()):
        raise PhrasingError("Een voorbeeldzin is één regel: haal de regeleinden weg.")
    text = " ".join(text.split())
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        raise PhrasingError(f"Een voorbeeldzin heeft {MIN_CHARS} tot {MAX_CHARS} tekens "
                            f"(deze heeft er {len(text)}).")
    if BRACKETS.search(text):
        raise PhrasingError("Gebruik geen vierkante haken [ ] in een voorbeeldzin: "
                            "de training leest die als een aanduiding.")
    if UNPRINTABLE.search(text):
        raise PhrasingError("De zin bevat een onzichtbaar teken; typ hem opnieuw.")
    return text


class Phrasings:
    def __init__(self, sessions: async_sessionmaker, training: TrainingData) -> None:
        self._sessions = sessions
        self.training = training

    @property
    def intents(self) -> list[str]:
        return sorted(self.training.intents)

    async def for_intent(self, intent: str) -> list[Phrasing]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(ExamplePhrasing).where(ExamplePhrasing.intent == intent)
                                          .order_by(ExamplePhrasing.id))).all()
        return [_phrasing(row) for row in rows]

    async def all(self) -> list[Phrasing]:
        """By intent, then text: the order of the export."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(ExamplePhrasing))).all()
        return sorted((_phrasing(row) for row in rows), key=lambda p: (p.intent, p.text, p.id))

    async def counts(self) -> dict[str, int]:
        async with self._sessions() as session:
            rows = (await session.execute(select(ExamplePhrasing.intent, func.count())
                                          .group_by(ExamplePhrasing.intent))).all()
        return {intent: count for intent, count in rows}

    async def add(self, intent: str, text: str, author_id: int | None) -> Phrasing:
        if intent not in self.training.intents:
            raise PhrasingError(f"Onbekend onderwerp: {intent[:120]}.")
        text = cleaned(text)
        owner = self.training.owner_of(text)
        if owner is not None:
            raise PhrasingError(f"Deze zin staat al in de trainingsdata, bij {owner}.")
        async with self._sessions() as session, session.begin():
            # Compared in Python: SQL lower() folds only ASCII in SQLite.
            taken = (await session.execute(select(ExamplePhrasing.intent, ExamplePhrasing.text))).all()
            owner = next((i for i, t in taken if normalised(t) == normalised(text)), None)
            if owner is not None:
                raise PhrasingError(f"Deze zin is al toegevoegd, bij {owner}.")
            row = ExamplePhrasing(intent=intent, text=text, author_id=author_id)
            session.add(row)
        log.info("phrasing_added intent=%s", intent)
        return _phrasing(row)

    async def remove(self, phrasing_id: int) -> Phrasing | None:
        """The removed phrasing, or None when there was none with this id."""
        async with self._sessions() as session, session.begin():
            row = await session.get(ExamplePhrasing, phrasing_id)
            if row is None:
                return None
            await session.delete(row)
        log.info("phrasing_removed intent=%s", row.intent)
        return _phrasing(row)

    async def export(self, path: Path = Path("data/nlu") / EDITOR_FILE) -> int:
        """Writes every phrasing as a Rasa NLU file; returns how many."""
        phrasings = await self.all()
        text = nlu_file((p.intent, p.text) for p in phrasings)
        await asyncio.to_thread(_write, path, text)
        return len(phrasings)

    async def seed(self, path: Path) -> int:
        """Takes the phrasings of an exported file into an empty table (a fresh database next to
        a committed file), so the next export does not drop them. Returns how many."""
        async with self._sessions() as session, session.begin():
            if (await session.scalars(select(ExamplePhrasing.id).limit(1))).first() is not None:
                return 0
            found = await asyncio.to_thread(read_examples, path)
            seen: set[str] = set()
            for intent, texts in found:
                for text in texts:
                    try:
                        text = cleaned(text)
                    except PhrasingError:
                        continue
                    if intent in self.training.intents and normalised(text) not in seen:
                        seen.add(normalised(text))
                        session.add(ExamplePhrasing(intent=intent, text=text, author_id=None))
        if seen:
            log.info("phrasings_seeded count=%s", len(seen))
        return len(seen)


def _write(path: Path, text: str) -> None:
    """Written whole and then moved into place: Rasa or git never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
