"""Alembic's entry point for the bot service's migrations: runs them on the connection that
bot.db.schema hands over (an async engine's, through run_sync). Never touches Rasa's tables."""
from __future__ import annotations

from alembic import context

from bot.db.models import Base
from bot.db.schema import include_name

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through `bot db upgrade` (bot.db.schema), which hands over the connection")

# render_as_batch: SQLite alters a table by copying it, which Alembic's batch mode does for us.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  include_name=include_name, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
