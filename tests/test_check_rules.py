"""The yearly figures and rules as data: served to the action server with their year, shown in
answers with their year, edited in the browser (the next answer and check use the new value),
flagged with every answer that uses them when the year has passed, and refused at start when a
rule cannot be used."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.checks.editing import RuleEditing
from bot.checks.rules import RuleError, read_rules
from bot.db.engine import make_engine, session_factory
from bot.settings import Settings
from bot.staff.rule_editor import read_amount
from support.tokens import BOUNDARY_TOKENS, bearer
from support.staff import add_user

TOKEN = BOUNDARY_TOKENS["internal_token"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def client(aiohttp_client, settings, static_data):
    return await aiohttp_client(create_app(settings, static=static_data))


async def test_the_checks_get_every_rule_with_its_year_and_whether_it_has_passed(client):
    response = await client.get("/internal/v1/rules", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    rules = await response.json()
    limit = rules["bijstand_asset_limit_single"]
    assert (limit["value"], limit["year"], limit["check_at"]) == (7575, 2024, "rijksoverheid.nl")
    assert limit["stale"] is (2024 < date.today().year)
    assert rules["schuldhulp_urgent_working_days"]["value"] == 3
    assert rules["bijstand_norm_single_21"]["value"] == 1369.06


async def test_the_rules_need_the_internal_token(client):
    assert (await client.get("/internal/v1/rules")).status == 401
    assert (await client.get("/internal/v1/rules", headers={"Authorization": "Bearer wrong"})).status == 401


@pytest.mark.parametrize(("entry", "message"), [
    ("x:\n  value: veel\n  year: 2026\n  source: s\n  check_at: c\n", "x: value must be a number"),
    ("x:\n  value: 3\n  source: s\n  check_at: c\n", "x: year must be the year the value holds for"),
    ("x:\n  value: 3\n  year: 2026\n  check_at: c\n", "x: a source and where to check"),
])
def test_a_rule_that_cannot_be_used_stops_the_start_with_its_name(tmp_path, settings, entry, message, static_data):
    path = tmp_path / "check_rules.yml"
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        read_rules(path)
    broken = Settings(**{**settings.model_dump(), "check_rules_file": path})
    with pytest.raises(RuleError, match=message):
        create_app(broken, static=static_data.for_settings(broken))


async def test_editors_see_which_rules_have_a_passed_year(client, log_in):
    editor = await log_in(client, await add_user(client, "rules@x.nl", "editor"))
    listing = await (await editor.get("/staff/editor")).text()
    rules = listing[listing.index('id="rules"'):]
    assert "bijstand_asset_limit_single" in rules and "jaar 2024 verlopen" in rules


async def served(client, key: str, language: str = "nl") -> str:
    body = {"response": key, "arguments": {}, "tracker": {"sender_id": "x", "slots": {"language": language}}}
    response = await client.post("/nlg", json=body, headers=bearer(BOUNDARY_TOKENS["nlg_token"]))
    assert response.status == 200
    return (await response.json())["text"]


async def test_an_editor_updates_a_yearly_figure_and_answers_and_checks_use_it_with_its_year(client, log_in):
    this_year = date.today().year
    before = await served(client, "utter_ask_benefits/bijstand")
    assert "€ 1.369,06 per maand (2025)" in before and "{rule:" not in before
    assert "€1,369.06 a month (2025)" in await served(client, "utter_ask_benefits/bijstand", "en")
    editor = await log_in(client, await add_user(client, "figures@x.nl", "editor"))
    listing = await (await editor.get("/staff/editor?filter=stale")).text()
    assert "bedrag verlopen: bijstand_norm_single_21" in listing  # the answer that uses it
    form = {"value": "1.401,50", "unit": "euro per maand", "year": str(this_year),
            "source": f"Rijksoverheid, normen 1 januari {this_year}", "check_at": "rijksoverheid.nl"}
    response = await editor.form("/staff/editor/rules/bijstand_norm_single_21", form)
    assert response.status == 200 and "Bewaard" in await response.text()
    assert f"€ 1.401,50 per maand ({this_year})" in await served(client, "utter_ask_benefits/bijstand")
    rules = await (await client.get("/internal/v1/rules", headers={"Authorization": f"Bearer {TOKEN}"})).json()
    assert rules["bijstand_norm_single_21"] == {"value": 1401.5, "unit": "euro per maand", "year": this_year,
                                                "check_at": "rijksoverheid.nl", "verify": False, "stale": False}
    listing = await (await editor.get("/staff/editor?filter=stale")).text()
    assert "bedrag verlopen: bijstand_norm_single_21" not in listing


@pytest.mark.parametrize(("change", "message"), [
    ({"value": "veel"}, "waarde en jaar moeten getallen zijn"),
    ({"source": ""}, "Een bron en waar je het actuele bedrag kunt nakijken zijn verplicht."),
    ({"year": "1999"}, "Vul het jaar in waarvoor het bedrag geldt"),
])
async def test_a_wrong_figure_is_refused_and_the_old_one_stays(client, change, message, log_in):
    editor = await log_in(client, await add_user(client, "figures2@x.nl", "editor"))
    form = {"value": "7600", "unit": "euro", "year": "2026", "source": "x (2026)", "check_at": "rijksoverheid.nl",
            **change}
    response = await editor.form("/staff/editor/rules/bijstand_asset_limit_single", form)
    assert response.status == 400 and message in await response.text()
    assert "€ 7.575 (2024)" in await served(client, "utter_ask_benefits/bijstand")


async def test_workers_cannot_change_figures(client, log_in):
    worker = await log_in(client, await add_user(client, "w@x.nl", "worker", ["apeldoorn"]))
    assert (await worker.form("/staff/editor/rules/bijstand_asset_limit_single", {"value": "1"})).status == 403


@pytest.mark.parametrize(("typed", "value"), [
    ("1.401,50", 1401.5), ("1401,50", 1401.5), ("1401.50", 1401.5), ("€ 7.575", 7575), ("1.225", 1225),
    ("7575", 7575), ("3", 3),
])
def test_an_amount_is_read_as_editors_write_it(typed, value):
    assert read_amount(typed) == value and isinstance(read_amount(typed), type(value))


def test_rules_import_then_export_is_byte_identical_and_keeps_an_editors_change(tmp_path, new_database):
    copy = tmp_path / "check_rules.yml"
    shutil.copy(ROOT / "data" / "check_rules.yml", copy)
    env = {"DATABASE_URL": new_database("cli.db"), "RASA_TOKEN": "t" * 32, "SECRET_KEY": "s" * 32,
           "ENCRYPTION_KEY": Fernet.generate_key().decode(), "PATH": "/usr/bin:/bin"}

    def rules(direction: str) -> None:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "rules", direction, "--file", str(copy)],
                                cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]

    rules("import")
    rules("export")
    assert copy.read_bytes() == (ROOT / "data" / "check_rules.yml").read_bytes()
    # An editor's new value reaches the file; the comments and the other rules stay as they were.
    engine = make_engine(env["DATABASE_URL"])
    try:
        asyncio.run(_save_norm(engine))
    finally:
        asyncio.run(engine.dispose())
    rules("export")
    written = copy.read_text(encoding="utf-8")
    assert "value: 1401.5\n  unit: euro per maand\n  year: 2026" in written
    assert written.startswith("# The yearly figures")
    assert written.count("\n") == (ROOT / "data" / "check_rules.yml").read_text(encoding="utf-8").count("\n")


async def _save_norm(engine) -> None:
    editing = RuleEditing(session_factory(engine), {})
    data = (await editing.entries())["bijstand_norm_single_21"]
    await editing.save("bijstand_norm_single_21", {**data, "value": 1401.5, "year": 2026})
