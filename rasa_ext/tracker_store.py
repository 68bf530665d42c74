"""Rasa's SQL tracker store, configured by one URL (TRACKER_STORE_URL) like the bot service, with
a connection pool sized by TRACKER_STORE_POOL_SIZE and TRACKER_STORE_MAX_OVERFLOW (PostgreSQL).

The bot service shares the database and deletes a conversation's `events` rows for "forget me"
and retention (bot/gateway/conversations.py). Never logs the URL (it may hold a password).
"""
from __future__ import annotations

import os
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.constants import POSTGRESQL_MAX_OVERFLOW, POSTGRESQL_POOL_SIZE
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

# SQLAlchemy's own defaults. Rasa's are 50 and 100: 150 connections a replica at most, more than
# PostgreSQL's default limit of 100 for all replicas together (docs/operator-guide.md, "Sizing").
DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 5


def pool_setting(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, at least {least}") from None
    if value < least:
        raise SystemExit(f"{name} must be a whole number, at least {least}")
    return value


class UrlSQLTrackerStore(SQLTrackerStore):
    # Rasa hands the endpoint's `url` over as `host`.
    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        parsed = make_url(host or os.environ["TRACKER_STORE_URL"])
        # Rasa reads its pool sizes from these two variables of its process (SQLite has no pool).
        os.environ[POSTGRESQL_POOL_SIZE] = str(pool_setting("TRACKER_STORE_POOL_SIZE", DEFAULT_POOL_SIZE, 1))
        os.environ[POSTGRESQL_MAX_OVERFLOW] = str(
            pool_setting("TRACKER_STORE_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW, 0))
        super().__init__(
            domain=domain, dialect=parsed.drivername, host=parsed.host, port=parsed.port,
            db=parsed.database, username=parsed.username, password=parsed.password,
            event_broker=event_broker, query=dict(parsed.query), **kwargs)
        # Rasa logs a failed save or load with the database's error, whose parameters are the
        # conversation's events (message text); the engine reads this when it builds the error.
        self.engine.hide_parameters = True
