"""The rules of the guided checks as data: served to the action server with their year, flagged
when the year has passed, and refused at start when a rule cannot be used."""
from __future__ import annotations

from datetime import date

import pytest

from bot.app import create_app
from bot.checks.rules import RuleError, read_rules
from bot.settings import Settings
from staff_client import add_user, close_staff_sessions, log_in  # noqa: F401

TOKEN = "test-rasa-token"


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def test_the_checks_get_every_rule_with_its_year_and_whether_it_has_passed(client):
    response = await client.get("/internal/v1/rules", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    rules = await response.json()
    limit = rules["bijstand_asset_limit_single"]
    assert (limit["value"], limit["year"], limit["check_at"]) == (7575, 2024, "rijksoverheid.nl")
    assert limit["stale"] is (2024 < date.today().year)
    assert rules["schuldhulp_urgent_working_days"]["value"] == 3
    assert rules["bijstand_norm_single_21"]["value"] == 1219.64


async def test_the_rules_need_the_internal_token(client):
    assert (await client.get("/internal/v1/rules")).status == 401
    assert (await client.get("/internal/v1/rules", headers={"Authorization": "Bearer wrong"})).status == 401


@pytest.mark.parametrize(("entry", "message"), [
    ("x:\n  value: veel\n  year: 2026\n  source: s\n  check_at: c\n", "x: value must be a number"),
    ("x:\n  value: 3\n  source: s\n  check_at: c\n", "x: year must be the year the value holds for"),
    ("x:\n  value: 3\n  year: 2026\n  check_at: c\n", "x: a source and where to check"),
])
def test_a_rule_that_cannot_be_used_stops_the_start_with_its_name(tmp_path, settings, entry, message):
    path = tmp_path / "check_rules.yml"
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        read_rules(path)
    with pytest.raises(RuleError, match=message):
        create_app(Settings(**{**settings.model_dump(), "check_rules_file": path}))


async def test_editors_see_which_rules_have_a_passed_year(client):
    editor = await log_in(client, await add_user(client, "rules@x.nl", "editor"))
    listing = await (await editor.get("/staff/editor")).text()
    rules = listing[listing.index('id="rules"'):]
    assert "bijstand_asset_limit_single" in rules and "jaar 2024 verlopen" in rules


async def test_the_checks_get_their_texts_as_published_now(client):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    texts = await (await client.get("/internal/v1/checks/texts?language=en", headers=headers)).json()
    checks = ("utter_income_", "utter_debt_", "utter_housing_", "utter_stopping_", "utter_scan_")
    assert texts and all(key.startswith(checks) for key in texts)
    assert "utter_greet" not in texts and "utter_ask_debt/overview" not in texts
    assert "DigiD" in texts["utter_income_step_get_digid"]
    assert "0800-2000" in texts["utter_housing_first_veilig_thuis"]
    assert (await client.get("/internal/v1/checks/texts?language=fr", headers=headers)).status == 400
    assert (await client.get("/internal/v1/checks/texts")).status == 401
