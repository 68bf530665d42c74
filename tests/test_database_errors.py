"""A database error never puts the values of its query into a log: the error text of SQLAlchemy
names the query, and without `hide_parameters` also its parameters (an e-mail address at login,
a conversation id)."""
from __future__ import annotations

import logging

from sqlalchemy import text

from bot.app import create_app
from bot.appkeys import ENGINE

MARKER = "marker-7f3a9c@example.org"


async def test_a_database_error_during_login_logs_no_email_address(aiohttp_client, settings, caplog):
    client = await aiohttp_client(create_app(settings))
    async with client.server.app[ENGINE].begin() as connection:
        await connection.execute(text("DROP TABLE staff_users"))
    caplog.set_level(logging.INFO)  # as `bot serve` logs
    response = await client.post("/api/v1/staff/login", json={"email": MARKER, "password": "x", "totp": "1"})
    assert response.status == 500
    assert "unhandled_error" in caplog.text, "the error was logged, with its traceback"
    assert "no such table" in caplog.text
    assert MARKER not in caplog.text
    assert MARKER not in await response.text()
