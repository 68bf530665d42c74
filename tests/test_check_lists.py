"""A guided check's result as the user reads it: the actions send codes, the NLG endpoint says
them in the conversation's language with their amounts, joins them into lists and splits a long
list into bubbles that fit, heading once and numbering on. An editor's published change reaches
the next result."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.content.keys import CONTENT_EDITING
from bot.staff.keys import ACCOUNTS
from bot.checks.rules import Rule, read_rules
from bot.content.check_lists import CONTINUED, MAX_BUBBLE, NotACheckList, careful_amount, chunks, render_part
from bot.content.files import parse_entries, read_content_dir
from bot.content.store import ContentStore
from support.tokens import BOUNDARY_TOKENS, bearer
from support.staff import add_user

ROOT = Path(__file__).resolve().parent.parent
# A year in which every rule of data/check_rules.yml is current, and one in which all have passed.
CURRENT, LATER = 2024, 2100


@pytest.fixture(scope="module")
def store() -> ContentStore:
    found = ContentStore()
    found.replace(parse_entries(read_content_dir(ROOT / "data" / "content")))
    return found


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    return read_rules(ROOT / "data" / "check_rules.yml")


def steps(check: str, *codes: str, amounts: dict[str, str] | None = None) -> dict[str, Any]:
    """A list of steps as the actions send it (actions/checks/result.py)."""
    return {"heading": f"utter_{check}_steps", "items": [{"key": f"utter_{check}_step_{code}"} for code in codes],
            "amounts": amounts or {}, "numbered": True}


def said(response: str, listed: dict[str, Any], part: int, language: str, store: ContentStore,
         rules: dict[str, Rule], year: int = LATER) -> str | None:
    return render_part(response, {"check_list": listed, "part": part}, language, store, rules, year).get("text")


URGENT_DEBT = steps("debt", "call_gemeente_today_eviction", "tell_creditor_help_asked", "bailiff_call_back",
                    "pay_fixed_costs_first", "pmw_can_help", amounts={"days": "schuldhulp_urgent_working_days"})


@pytest.mark.parametrize("language, heading, today", [
    ("nl", "Dit kun je doen, in deze volgorde:\n1. Bel vandaag", "binnen 3 (in {year}; check wat nu geldt"),
    ("en", "What you can do, in this order:\n1. Call your municipality", "within 3 (in {year}; check what applies"),
])
def test_a_result_is_said_from_its_codes_in_the_conversations_language(store, rules, language, heading, today):
    first = said("utter_debt_steps", URGENT_DEBT, 1, language, store, rules)
    assert first.startswith(heading)
    assert today.format(year=rules["schuldhulp_urgent_working_days"].year) in first
    rest = said(CONTINUED, URGENT_DEBT, 2, language, store, rules)
    # Too long for one bubble: the list goes on without its heading, the numbering running on.
    assert rest.startswith("3. ") and not rest.startswith(heading.split("\n")[0])
    assert [line.split(".")[0] for line in (first + "\n" + rest).splitlines()[1:]] == ["1", "2", "3", "4", "5"]
    assert all(len(text) <= MAX_BUBBLE for text in (first, rest))
    # A part the list does not fill says nothing (Rasa then sends no message).
    assert render_part(CONTINUED, {"check_list": URGENT_DEBT, "part": 3}, language, store, rules, LATER) == {}


def test_an_amount_of_this_year_is_said_plainly_and_one_of_a_passed_year_with_care(store, rules):
    listed = steps("income", "bbz_before_stopping", amounts={"bbz_months": "bbz_months"})
    year = rules["bbz_months"].year
    assert "tot 12 maanden" in said("utter_income_steps", listed, 1, "nl", store, rules, year)
    assert f"12 (in {year}; check wat nu geldt bij" in said("utter_income_steps", listed, 1, "nl", store, rules,
                                                            year + 1)


def test_without_an_amount_the_entry_that_needs_none_is_said(store, rules):
    listed = steps("debt", "call_gemeente_today_eviction", "pmw_can_help")  # no amounts: the rules were down
    text = said("utter_debt_steps", listed, 1, "nl", store, rules)
    assert "snel iets doen" in text and "{" not in text and "werkdagen" not in text


def test_the_scan_overview_names_each_rating_in_the_language(store, rules):
    overview = {"heading": "utter_scan_overview", "amounts": {}, "numbered": False, "items": [
        {"key": "utter_scan_step_housing", "texts": {"rating": "utter_scan_rating_worried"}},
        {"key": "utter_scan_step_money", "texts": {"rating": "utter_scan_rating_better"}}]}
    dutch = said("utter_scan_overview", overview, 1, "nl", store, rules).splitlines()
    english = said("utter_scan_overview", overview, 1, "en", store, rules).splitlines()
    assert dutch[-2].startswith("- Wonen") and "je maakt je zorgen" in dutch[-2] and "kan beter" in dutch[-1]
    assert english[-2].startswith("- Housing") and english[-1].startswith("- Money")


@pytest.mark.parametrize("check", ["income", "debt", "housing", "stopping"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_entry_of_a_check_in_one_list_still_fits_its_bubbles(store, rules, check, language):
    for kind, heading in (("first", "first"), ("option", "options"), ("step", "steps"), ("note", "notes")):
        keys = [key for key in store.keys() if key.startswith(f"utter_{check}_{kind}_")]
        listed = {"heading": f"utter_{check}_{heading}", "items": [{"key": key} for key in keys],
                  "amounts": {placeholder: name for placeholder, name in AMOUNTS.items() if name in rules},
                  "numbered": kind == "step"}
        texts, part = [], 1
        while text := said(heading_or_continued(listed, part), listed, part, language, store, rules):
            texts.append(text)
            part += 1
        assert bool(texts) == bool(keys) and len(texts) <= len(keys)
        assert all(len(text) <= MAX_BUBBLE and "{" not in text for text in texts), (kind, texts)


# The placeholders of the checks' entries and the rules that fill them (actions/checks/*/decision.py).
AMOUNTS = {"days": "schuldhulp_urgent_working_days", "weeks": "schuldhulp_first_action_weeks",
           "asset_limit": "bijstand_asset_limit_couple", "bbz_months": "bbz_months",
           "search_weeks": "under_27_search_weeks", "months": "bbz_months", "hours": "bbz_min_hours_per_year",
           "years": "books_keep_years"}


def heading_or_continued(listed: dict[str, Any], part: int) -> str:
    return listed["heading"] if part == 1 else CONTINUED


def test_the_steps_are_numbered_in_order_and_a_long_list_goes_on_in_a_next_bubble():
    assert chunks(["a", "b"], numbered=True) == ["1. a\n2. b"]
    assert chunks(["a" * 300, "b" * 300, "c"], numbered=True, limit=400) == [
        "1. " + "a" * 300, "2. " + "b" * 300 + "\n3. c"]


def test_a_long_list_is_spread_evenly_rather_than_leaving_one_step_alone():
    parts = chunks(["x" * 100] * 5, numbered=True, limit=450)  # 4 fit, 5 do not
    assert [len(part.splitlines()) for part in parts] == [3, 2]
    assert parts[1].startswith("4. ")
    # Bubbles after the first have no heading, so they may hold more.
    parts = chunks(["x" * 100] * 9, numbered=True, limit=300, later_limit=600)
    assert len(parts) == 3 and all(len(part) <= 600 for part in parts) and len(parts[0]) <= 300
    assert [line.split(".")[0] for part in parts for line in part.splitlines()] == [str(n) for n in range(1, 10)]


def test_a_passed_year_is_worded_with_care_and_a_current_one_plainly(rules):
    limit = rules["bijstand_asset_limit_single"]
    assert careful_amount(limit, "nl", 2026) == "€ 7.575 (in 2024; check het bedrag van nu bij rijksoverheid.nl)"
    assert careful_amount(limit, "en", 2026) == "€ 7,575 (in 2024; check the current amount at rijksoverheid.nl)"
    assert careful_amount(limit, "nl", 2024) == "€ 7.575 (2024)"
    norm = rules["bijstand_norm_single_21"]
    assert careful_amount(norm, "nl", norm.year) == "€ 1.369,06 (2025)"
    assert careful_amount(norm, "en", norm.year) == "€ 1,369.06 (2025)"
    days = rules["schuldhulp_urgent_working_days"]  # not money: no "amount" in the hint
    assert careful_amount(days, "nl", days.year + 1) == f"3 (in {days.year}; check wat nu geldt bij de gemeente)"
    assert careful_amount(days, "en", days.year + 1) == f"3 (in {days.year}; check what applies now at de gemeente)"


@pytest.mark.parametrize("response, arguments", [
    ("utter_greet", {"check_list": {"heading": "utter_greet", "items": [], "amounts": {}}, "part": 1}),
    ("utter_debt_steps", {"check_list": {**steps("debt"), "items": [{"key": "utter_crisis/danger"}]}, "part": 1}),
    ("utter_debt_steps", {"check_list": steps("debt", "geldfit"), "part": 0}),
    ("utter_debt_steps", {"check_list": steps("debt", "geldfit"), "part": 2}),  # a later part: the continuation
    ("utter_debt_steps", {"check_list": "utter_debt_step_geldfit", "part": 1}),
])
def test_a_list_that_is_not_a_checks_own_is_refused(store, rules, response, arguments):
    with pytest.raises(NotACheckList):
        render_part(response, arguments, "nl", store, rules, LATER)


# --- through the NLG endpoint -------------------------------------------------------------------

@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def nlg(client, response: str, arguments: dict[str, Any], language: str = "nl") -> tuple[int, Any]:
    body = {"response": response, "arguments": arguments, "channel": {"name": "gateway"},
            "tracker": {"sender_id": "c0ffee", "slots": {"language": language}, "latest_message": {}}}
    answer = await client.post("/nlg", json=body, headers=bearer(BOUNDARY_TOKENS["nlg_token"]))
    return answer.status, await answer.json() if answer.status == 200 else None


async def test_the_nlg_endpoint_says_a_check_list_and_nothing_for_an_unfilled_part(client):
    listed = steps("income", "get_digid", "pmw_can_help")
    status, first = await nlg(client, "utter_income_steps", {"check_list": listed, "part": 1}, "en")
    assert status == 200 and first["text"].startswith("What you can do, in this order:\n1. Apply for DigiD")
    assert await nlg(client, CONTINUED, {"check_list": listed, "part": 2}) == (200, {})
    assert (await nlg(client, "utter_income_steps", {"check_list": "x", "part": 1}))[0] == 400


async def test_an_editors_published_change_reaches_the_next_result(client):
    await add_user(client, "editor@x.nl", "editor")
    editing = client.server.app[CONTENT_EDITING]
    author = (await client.server.app[ACCOUNTS].all())[0].id
    key = "utter_income_step_get_digid"
    _, entry = await editing.entry(key)
    await editing.publish(key, {**entry, "nl": {"text": "Vraag DigiD aan (nieuw gepubliceerd)."}}, author)
    _, said_now = await nlg(client, "utter_income_steps", {"check_list": steps("income", "get_digid"), "part": 1})
    assert "1. Vraag DigiD aan (nieuw gepubliceerd)." in said_now["text"]
