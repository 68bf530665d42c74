"""The database is the truth once the assistant runs; the files in git are its seed and its export.
`bot content|regions|rules import` (what `make run` runs when a file changed) refuses to discard
what editors changed in the web app since the last import or export, says how to keep it, and
imports after an export or with --force. Through the real command line, on a temporary database.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

from cryptography.fernet import Fernet

from bot.checks.editing import RuleEditing
from bot.content.editing import ContentEditing
from bot.content.store import ContentStore, stored_entries
from bot.db.engine import make_engine, session_factory
from bot.events import EventHub
from bot.regions.directory import RegionDirectory
from bot.regions.editing import RegionEditing
from support.paths import ROOT
from support.tokens import BOUNDARY_TOKENS
REFUSED = 3  # bot.cli.REFUSED_UNEXPORTED
ANSWER = "utter_ask_debt/bailiff"
EDITED = "Een deurwaarder mag niet zomaar binnenkomen (tekst van een redacteur)."


def command_line(database_url: str):
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT),
           "DATABASE_URL": database_url,
           "RASA_TOKEN": "test-rasa-token-of-at-least-32-characters",
           "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
           "ENCRYPTION_KEY": Fernet.generate_key().decode(),
           **{name.upper(): value for name, value in BOUNDARY_TOKENS.items()}}

    def bot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    return bot, env["DATABASE_URL"]


def in_database(url: str, work):
    async def run():
        engine = make_engine(url)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()
    return asyncio.run(run())


async def publish_edit(sessions) -> None:
    store = ContentStore()
    await store.reload(sessions)
    editing = ContentEditing(sessions, store, EventHub(None))
    file_name, data = (await editing.entry(ANSWER))
    await editing.publish(ANSWER, {**data, "nl": {**data["nl"], "text": EDITED}}, author_id=1)


async def served_text(sessions) -> str:
    return (await stored_entries(sessions))[ANSWER][1]["nl"]["text"]


def test_a_content_import_keeps_an_editors_publication_until_it_is_exported_or_forced(tmp_path, new_database):
    bot, url = command_line(new_database("bot.db"))
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data" / "content", content)
    assert bot("content", "import", "--dir", str(content)).returncode == 0
    assert bot("content", "import", "--dir", str(content)).returncode == 0  # nothing edited: fine
    in_database(url, publish_edit)

    refused = bot("content", "import", "--dir", str(content))
    assert refused.returncode == REFUSED
    assert "content not imported, nothing changed: editors made 1 change(s)" in refused.stderr
    assert "`bot content export`" in refused.stderr and "`bot content import --force`" in refused.stderr
    assert in_database(url, served_text) == EDITED

    assert bot("content", "export", "--dir", str(content)).returncode == 0
    assert EDITED in (content / "debt.yml").read_text(encoding="utf-8")
    assert bot("content", "import", "--dir", str(content)).returncode == 0
    assert in_database(url, served_text) == EDITED

    in_database(url, publish_edit)  # published again: unexported once more
    shutil.copy(ROOT / "data" / "content" / "debt.yml", content / "debt.yml")
    assert bot("content", "import", "--dir", str(content)).returncode == REFUSED
    assert bot("content", "import", "--dir", str(content), "--force").returncode == 0
    assert in_database(url, served_text) != EDITED


def test_a_regions_import_keeps_an_editors_change_until_it_is_exported(tmp_path, new_database):
    bot, url = command_line(new_database("bot.db"))
    regions = tmp_path / "regions.yml"
    shutil.copy(ROOT / "data" / "regions.yml", regions)
    assert bot("regions", "import", "--file", str(regions)).returncode == 0

    async def confirm_utrecht(sessions) -> None:
        editing = RegionEditing(sessions, RegionDirectory.from_files(ROOT / "data" / "gemeenten.tsv", regions))
        utrecht = next(entry for entry in await editing.entries() if entry["id"] == "utrecht")
        await editing.save("utrecht", {**utrecht, "confirmed": True}, author_id=1, approved_by=2)

    in_database(url, confirm_utrecht)
    refused = bot("regions", "import", "--file", str(regions))
    assert refused.returncode == REFUSED and "`bot regions export`" in refused.stderr
    assert bot("regions", "export", "--file", str(regions)).returncode == 0
    assert bot("regions", "import", "--file", str(regions)).returncode == 0
    assert regions.read_text(encoding="utf-8").count("confirmed: true") == 1


def test_a_rules_import_keeps_an_editors_figure_unless_forced(tmp_path, new_database):
    bot, url = command_line(new_database("bot.db"))
    rules = tmp_path / "check_rules.yml"
    shutil.copy(ROOT / "data" / "check_rules.yml", rules)
    assert bot("rules", "import", "--file", str(rules)).returncode == 0

    async def change_limit(sessions) -> None:
        editing = RuleEditing(sessions, {})
        data = (await editing.entries())["bijstand_asset_limit_single"]
        await editing.save("bijstand_asset_limit_single", {**data, "value": 7605, "year": 2025})

    async def limit(sessions) -> int:
        return (await RuleEditing(sessions, {}).entries())["bijstand_asset_limit_single"]["value"]

    in_database(url, change_limit)
    refused = bot("rules", "import", "--file", str(rules))
    assert refused.returncode == REFUSED and "`bot rules export`" in refused.stderr
    assert in_database(url, limit) == 7605
    assert bot("rules", "import", "--file", str(rules), "--force").returncode == 0
    assert in_database(url, limit) == 7575
