"""The bot service's schema migrations (Alembic): env.py and versions/, run by bot.db.schema.

A new migration: `.venv/bin/python -m bot.db.new_migration "what changes"` (it writes
versions/NNNN_what_changes.py from the difference between the models and the newest migration;
read it, fix what autogenerate cannot know, and commit it with the model change). SQLite changes
most columns by copying the table (batch mode): for `handovers` and `handover_messages` pass
`table_kwargs={"sqlite_autoincrement": True}` so numbers are still never reused (tests/test_migrations.py
checks it)."""
