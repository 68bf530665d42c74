"""Rasa's SQL tracker store, configured by one URL (TRACKER_STORE_URL) like the bot service.

The bot service shares the database and deletes a conversation's `events` rows for "forget me"
and retention (bot/gateway/conversations.py).
"""
from __future__ import annotations

import os
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url


class UrlSQLTrackerStore(SQLTrackerStore):
    # Rasa hands the endpoint's `url` over as `host`.
    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        parsed = make_url(host or os.environ["TRACKER_STORE_URL"])
        super().__init__(
            domain=domain, dialect=parsed.drivername, host=parsed.host, port=parsed.port,
            db=parsed.database, username=parsed.username, password=parsed.password,
            event_broker=event_broker, query=dict(parsed.query), **kwargs)
