"""Makes the databases of the previous release (tables made by create_all, no alembic_version) that
tests/test_migrations.py upgrades: an SQLite dump and a PostgreSQL dump, with data in every table.

Runs only on the release that made them (commit 72b7918; the README says so), through the service's
own code: create_app, the staff API and the domain services, and Rasa's own tracker store for the
`events` table. Every secret here is TEST-ONLY, made for these fixtures, and used nowhere else.

    git worktree add /tmp/prev 72b7918 && cd /tmp/prev && ln -s <repo>/.venv .venv && \
        ln -s <repo>/.venv-rasa .venv-rasa && cp <repo>/tests/data/previous_release/make_fixtures.py . && \
        PYTHONPATH=$PWD .venv/bin/python make_fixtures.py <repo>/tests/data/previous_release
"""
from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pyotp
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.approvals import Approvals
from bot.appkeys import SESSIONS
from bot.content.keys import CONTENT_EDITING
from bot.db.file_sync import mark_exported
from bot.gateway.keys import CONVERSATIONS
from bot.gateway.pseudonym import conversation_id
from bot.handover.handovers import NewHandover
from bot.handover.keys import HANDOVERS, INTAKE
from bot.nlu.keys import PHRASINGS, RETRAIN_JOBS
from bot.regions.keys import REGION_EDITING
from bot.checks.keys import RULE_EDITING
from bot.settings import Settings
from bot.staff.keys import ACCOUNTS, AUDIT
from channels.telegram_updates import DatabaseUpdateLog

# TEST-ONLY secrets: the fixtures' phone numbers, reply addresses, TOTP secrets and messages are
# encrypted with this key; the upgrade test reads them back with it.
TEST_ONLY_SECRETS = {
    "secret_key": "test-only-previous-release-secret-key-0123456789",
    "encryption_key": "ODbSE9X6SLHtg7Ce2YxddQEbPXHsG6XEGfnYVCJglY8=",
    "rasa_token": "test-only-previous-release-rasa-token-0123456789",
    "gateway_token": "test-only-previous-release-gateway-token-0123456789",
    "nlg_token": "test-only-previous-release-nlg-token-0123456789",
    "action_token": "test-only-previous-release-action-token-0123456789",
    "internal_token": "test-only-previous-release-internal-token-0123456789",
}
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RASA_PYTHON = Path(".venv-rasa/bin/python")

# Rasa's own SQLTrackerStore writes a conversation's events, as it does next to the bot's tables.
RASA_EVENTS = """
import asyncio
import sys
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_ext.tracker_store import UrlSQLTrackerStore

store = UrlSQLTrackerStore(host=sys.argv[1])
tracker = DialogueStateTracker(sys.argv[2], slots=[])
for event in (ActionExecuted("action_listen"),
              UserUttered("ik wil stoppen", {"name": "want_to_stop", "confidence": 0.97}),
              SlotSet("language", "nl"),
              ActionExecuted("utter_want_to_stop"),
              BotUttered("Fijn dat je het vraagt.", metadata={"utter_action": "utter_want_to_stop"}),
              ActionExecuted("action_listen")):
    tracker.update(event)
asyncio.run(store.save(tracker))
"""


def settings_for(database_url: str) -> Settings:
    return Settings(database_url=database_url, password_hash_cost="standard", **TEST_ONLY_SECRETS)


async def fill(settings: Settings) -> list[dict[str, Any]]:
    """Data in every table of the bot service, made as the running service makes it; returns the
    staff logins (TEST-ONLY)."""
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()  # imports content, regions and rules into the empty database
    try:
        app = client.server.app
        accounts, audit = app[ACCOUNTS], app[AUDIT]
        logins = []
        for email, role, regions, name in (("admin@example.org", "admin", [], "Beheer"),
                                           ("worker@example.org", "worker", ["utrecht"], "Sanne"),
                                           ("coordinator@example.org", "coordinator", ["utrecht", "amsterdam"], "Kim"),
                                           ("editor@example.org", "editor", [], "Redactie")):
            new = await accounts.add(email, role, regions, name)
            logins.append({"email": new.email, "password": new.password, "totp_secret": new.totp_secret})
        ids = {login["email"]: await accounts.id_of(login["email"]) for login in logins}
        admin, worker, editor = ids["admin@example.org"], ids["worker@example.org"], ids["editor@example.org"]
        for login in logins[:2]:  # staff_sessions and audit rows as a real login makes them
            response = await client.post("/api/v1/staff/login", json={
                "email": login["email"], "password": login["password"],
                "totp": pyotp.TOTP(login["totp_secret"]).now()})
            assert response.status == 200, await response.text()

        conversations = app[CONVERSATIONS]
        secret = settings.secret_key.get_secret_value()
        telegram = conversation_id(secret, "telegram", "123456789")
        widget = conversation_id(secret, "webchat", "widget-session-1")
        rest = conversation_id(secret, "rest", "rest-session-1")
        await conversations.touch(telegram, "telegram", address="123456789")
        await conversations.touch(widget, "webchat")
        await conversations.choose(widget, "en")
        await conversations.touch(rest, "rest")

        intake, handovers = app[INTAKE], app[HANDOVERS]
        await intake.expect_phone(telegram)
        await intake.keep_phone(telegram, "0612345678")
        await intake.note_crisis(telegram)
        phone_handover = await handovers.create(NewHandover(
            conversation_id=telegram, channel="telegram", region_id="utrecht", gemeente_code="GM0344",
            contact="phone", availability="morning", language="nl", consent=True, topics=("ask_debt", "ask_housing"),
            urgent=False, scan={"money": "worried", "housing": "better"}, call_safety="no_voicemail", urgent_reasons=("no_place_to_sleep",)),
            await intake.take(telegram))
        await intake.expect_phone(rest)  # an unfinished form stays behind
        chat_handover = await handovers.create(NewHandover(
            conversation_id=widget, channel="webchat", region_id="utrecht", gemeente_code=None, contact="chat",
            availability="-", language="en", consent=False, topics=(), urgent=False), await intake.take(widget))
        await handovers.claim(chat_handover.id, worker)
        await handovers.add_message(chat_handover.id, "user", {"text": "Hello, is someone there?"})
        await handovers.add_message(chat_handover.id, "worker", {"text": "Hi, this is Sanne.", "name": "Sanne"},
                                    delivered=True)
        await handovers.add_message(chat_handover.id, "notice", {"text": "Sanne has left the chat.",
                                                                 "buttons": [{"title": "OK", "payload": "/affirm"}]})
        await handovers.add_message(chat_handover.id, "user", {"text": "I am scared"}, crisis=True)
        await handovers.close(chat_handover.id, "helped_in_chat")
        await handovers.set_presence(telegram, "-")
        await audit.record(worker, "view_handover", chat_handover.id)
        await audit.record(worker, "claim", chat_handover.id, "via api")
        await audit.record(admin, "view_handover", phone_handover.id)

        editing = app[CONTENT_EDITING]
        key = "utter_debt_steps"
        _, data = await editing.entry(key)
        await editing.save_draft(key, data, editor)
        await editing.publish(key, data, editor)
        await Approvals(app[SESSIONS]).propose("content", "utter_crisis_general", {"nl": {"text": "Bel 112."}}, editor)
        region = next(entry for entry in await app[REGION_EDITING].entries() if entry["id"] == "utrecht")
        await app[REGION_EDITING].save("utrecht", region, admin, approved_by=ids["coordinator@example.org"])
        rules = await app[RULE_EDITING].entries()
        await app[RULE_EDITING].save("bbz_months", rules["bbz_months"])
        await app[PHRASINGS].add("ask_debt/bailiff", "de deurwaarder staat morgen bij mij op de stoep", editor)
        jobs = app[RETRAIN_JOBS]
        done = await jobs.enqueue(requested_by=admin)
        assert (await jobs.claim()).id == done.id
        await jobs.report(done.id, "training")
        await jobs.finish(done.id, "succeeded")
        await jobs.enqueue(requested_by=None)  # waiting: active=1
        for kind in ("content", "regions", "rules"):
            await mark_exported(app[SESSIONS], kind)
        updates = DatabaseUpdateLog(app[SESSIONS], bot_id=7000000001)
        for update_id in (500, 501):
            await updates.first_time(update_id)
        await conversations.touch(telegram, "telegram")
    finally:
        await client.close()
    subprocess.run([str(RASA_PYTHON), "-W", "ignore", "-c", RASA_EVENTS, settings.tracker_store_url, widget], check=True)
    return logins


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bot.db"
        logins = {"sqlite": asyncio.run(fill(settings_for(f"sqlite+aiosqlite:///{path}")))}
        with sqlite3.connect(path) as connection:
            (out / "sqlite.sql").write_text("\n".join(connection.iterdump()) + "\n")
    name = f"previous_release_fixture_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        logins["postgresql"] = asyncio.run(fill(settings_for(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")))
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-h", "127.0.0.1", "-U", "postgres", name],
                              check=True, capture_output=True, text=True).stdout
        (out / "postgresql.sql").write_text(dump)
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    (out / "test_only_secrets.json").write_text(json.dumps(
        {"note": "TEST-ONLY: made for these fixtures by make_fixtures.py; never use them anywhere else",
         **TEST_ONLY_SECRETS, "staff_logins": logins}, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
