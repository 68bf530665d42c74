"""The guided checks' conversation: the answers' word lists, the forms' validation, the
income check's result with the rules from a real local aiohttp server as the bot API, the scan's
order (worried first), and the scan in a handover only with consent. Run with .venv-rasa's pytest.
"""
from __future__ import annotations

import asyncio
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import check_answers as answers
from actions import check_texts as texts
from actions.check_form import ActionStartCheck
from actions.check_result import result_lists
from actions.checks.advice import Advice
from actions.checks.income import IncomeAnswers, advise
from actions.checks.scan import ordered, ratings
from actions.handover import handover_request
from actions.handover import ActionCreateHandover
from actions.income_check import ActionIncomeCheckResult, ValidateIncomeCheckForm, income_answers
from actions.scan import ActionScanResult, ValidateScanForm

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CONTENT = yaml.safe_load((ROOT / "data" / "content" / "checks.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "data" / "check_rules.yml").read_text(encoding="utf-8"))
CONVERSATION = "7c1e0d"


def served_rules(this_year: int = 2026) -> dict[str, dict[str, Any]]:
    """data/check_rules.yml as GET /internal/v1/rules serves it."""
    return {name: {**rule, "stale": rule["year"] < this_year} for name, rule in RULES.items()}


def answering(form: str, asked: str, text: str, intent: str = "nlu_fallback",
              slots: dict[str, Any] | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    events = [{"event": "user", "text": text, "parse_data": message},
              {"event": "action", "name": form}, {"event": "slot", "name": asked, "value": text}]
    return Tracker.from_dict({
        "sender_id": CONVERSATION, "slots": {"requested_slot": asked, asked: text, **(slots or {})},
        "latest_message": message, "events": events, "paused": False, "followup_action": None,
        "active_loop": {"name": form}, "latest_action_name": form,
    })


def validate(validator, tracker: Tracker) -> tuple[dict[str, Any], list[str], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(validator.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m["response"] for m in dispatcher.messages], events


def finished(slots: dict[str, Any]) -> Tracker:
    return Tracker.from_dict({
        "sender_id": CONVERSATION, "slots": {"requested_slot": None, **slots}, "latest_message": {},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def replies(key: str) -> dict[str, list[str]]:
    return {language: [b["reply"] for b in CONTENT[key][language].get("buttons", [])]
            for language in ("nl", "en")}


# --- typed and pressed answers, both languages ---------------------------------------------

@pytest.mark.parametrize("slot, text, value", [
    ("income_age", "Jonger dan 18", "under_18"), ("income_age", "Under 18", "under_18"),
    ("income_age", "18 tot 21", "18_20"), ("income_age", "18 to 20", "18_20"),
    ("income_age", "21 tot 27", "21_26"), ("income_age", "ik ben 24", "21_26"),
    ("income_age", "27 of ouder", "27_plus"), ("income_age", "I'm 35", "27_plus"),
    ("income_age", "16", "under_18"), ("income_age", "Overslaan", "-"),
    ("income_registered", "Ja", "yes"), ("income_registered", "ja, ik heb een BSN", "yes"),
    ("income_registered", "Nee", "no"), ("income_registered", "No", "no"),
    ("income_registered", "Weet ik niet", "unknown"), ("income_registered", "Don't know", "unknown"),
    ("income_registered", "Skip", "-"),
    ("income_work", "Via de KvK", "kvk"), ("income_work", "als zzp'er", "kvk"),
    ("income_work", "Registered at KvK", "kvk"), ("income_work", "Opting-in", "opting_in"),
    ("income_work", "Opting in", "opting_in"), ("income_work", "Anders", "other"),
    ("income_work", "Other", "other"),
    ("income_household", "Alleen", "alone"), ("income_household", "With a partner", "partner"),
    ("income_household", "Met kinderen", "children"), ("income_household", "with my kids", "children"),
    ("income_savings", "Nee", "no"), ("income_savings", "Yes", "yes"),
    ("income_savings", "geen idee", "unknown"), ("income_savings", "sla over", "-"),
])
def test_income_answers_are_understood_in_dutch_and_english(slot, text, value):
    slots, said, _ = validate(ValidateIncomeCheckForm(), answering("income_check_form", slot, text))
    assert slots[slot] == value and said == []


@pytest.mark.parametrize("text, value", [
    ("Gaat goed", "fine"), ("Fine", "fine"), ("Kan beter", "better"), ("Could be better", "better"),
    ("Ik maak me zorgen", "worried"), ("I'm worried", "worried"), ("niet goed", "worried"),
    ("gaat wel", "better"), ("Overslaan", "-"), ("Skip", "-"),
])
def test_scan_ratings_are_understood_in_dutch_and_english(text, value):
    slots, said, _ = validate(ValidateScanForm(), answering("scan_form", "scan_money", text))
    assert slots["scan_money"] == value and said == []


def test_every_reply_button_of_the_checks_is_understood():
    for key, read in [(f"utter_ask_{slot}", reader) for slot, reader in answers.READERS.items()] + [
            (f"utter_ask_scan_{domain}", answers.rating) for domain in
            ("money", "safety", "housing", "health", "people", "work")]:
        for language, texts_ in replies(key).items():
            assert texts_, key
            for text in texts_:
                assert read(text) is not None, (key, language, text)


def test_an_unclear_answer_is_asked_again_kindly():
    slots, said, _ = validate(ValidateIncomeCheckForm(),
                              answering("income_check_form", "income_work", "hmm tja"))
    assert slots["income_work"] is None and said == ["utter_check_not_understood"]


@pytest.mark.parametrize("text", ["Stoppen", "Cancel", "laat maar"])
def test_stop_ends_the_check_without_an_answer(text):
    slots, _, events = validate(ValidateScanForm(), answering("scan_form", "scan_health", text))
    assert slots["scan_health"] is None and slots["check_cancelled"] is True
    assert {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None} in events \
        or slots.get("requested_slot", "missing") is None


def test_a_crisis_interrupts_unless_the_message_is_only_an_answer():
    crisis = answering("scan_form", "scan_safety", "hij slaat me en ik durf niet naar huis", "crisis")
    slots, _, events = validate(ValidateScanForm(), crisis)
    assert slots == {"scan_safety": None}
    assert any(e["event"] == "action_execution_rejected" for e in events)
    pressed = answering("scan_form", "scan_safety", "Ik maak me zorgen", "crisis")
    slots, _, events = validate(ValidateScanForm(), pressed)
    assert slots["scan_safety"] == "worried"
    assert not any(e["event"] == "action_execution_rejected" for e in events)


def test_the_menu_interrupts_only_when_it_is_not_an_answer():
    _, _, events = validate(ValidateIncomeCheckForm(),
                            answering("income_check_form", "income_age", "wat kun je allemaal", "ask_capabilities"))
    assert any(e["event"] == "action_execution_rejected" for e in events)
    slots, _, _ = validate(ValidateIncomeCheckForm(),
                           answering("income_check_form", "income_age", "27 of ouder", "ask_capabilities"))
    assert slots["income_age"] == "27_plus"


def test_an_answer_left_by_an_interrupted_run_is_asked_again():
    tracker = answering("income_check_form", "income_age", "Ja", slots={"income_registered": "yes"})
    tracker.slots["requested_slot"] = "income_age"
    dispatcher = CollectingDispatcher()
    validator = ValidateIncomeCheckForm()
    found = validator.read("income_registered", "yes", "income_age", dispatcher)
    assert found == {"income_registered": None}


def test_starting_a_check_says_its_intro_and_clears_the_check_and_old_answers():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStartCheck().run(dispatcher, finished({"check": "income"}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_income_check_intro"]
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"check", "check_cancelled", "income_age", "income_savings"} <= cleared


# --- the income check's result ---------------------------------------------------------------

def test_the_result_lists_come_from_content_with_amounts_and_their_year():
    advice = advise(IncomeAnswers(age="21_26", registered="no", work="kvk", household="alone",
                                  savings_above_limit="unknown"), served_rules())
    (_, _, options, _), (_, _, steps, _), (_, _, notes, _) = result_lists("income", advice, "nl", 2026)
    assert options[0].startswith("Bbz") and len(options) == 3
    assert steps[0].startswith("Vraag eerst de Bbz aan") and "12 maanden" in steps[0]
    assert any("4 weken" in step for step in steps)
    assert any("€ 7.575 (in 2024; check het bedrag van nu bij rijksoverheid.nl)" in n for n in notes)
    english = result_lists("income", advice, "en", 2026)
    assert any("€ 7,575 (in 2024; check the current amount at rijksoverheid.nl)" in n
               for n in english[2][2])


def test_without_the_rules_the_result_leaves_the_amounts_out():
    advice = advise(IncomeAnswers(age="21_26", work="kvk", savings_above_limit="unknown"), {})
    lists = result_lists("income", advice, "nl", 2026)
    every = [line for _, _, lines, _ in lists for line in lines]
    assert every and not any("{" in line or "€" in line for line in every)
    assert len(every) == len(advice.options) + len(advice.steps) + len(advice.notes)


@pytest.mark.parametrize("answers_", [
    IncomeAnswers(), IncomeAnswers(age="under_18"),
    IncomeAnswers(age="18_20", registered="unknown", work="kvk", household="children",
                  savings_above_limit="unknown"),
    IncomeAnswers(age="21_26", registered="no", work="opting_in", household="partner",
                  savings_above_limit="yes"),
])
def test_every_code_has_a_text_and_every_bubble_fits(answers_):
    advice = advise(answers_, served_rules())
    for language in ("nl", "en"):
        lists = result_lists("income", advice, language, 2026)
        counts = [count for count in (len(advice.first), len(advice.options), len(advice.steps), len(advice.notes))
                  if count]
        assert len(lists) == len(counts)
        for (response, placeholder, lines, numbered), count in zip(lists, counts):
            assert len(lines) == count
            parts = texts.chunks(lines, numbered, 550)
            assert sum(len(part.splitlines()) for part in parts) == count
            for part in parts:
                assert len(CONTENT[response][language]["text"].format(**{placeholder: part})) <= 600


def test_the_steps_are_numbered_in_order_and_a_long_list_goes_on_in_a_next_bubble():
    assert texts.chunks(["a", "b"], numbered=True) == ["1. a\n2. b"]
    assert texts.chunks(["a" * 300, "b" * 300, "c"], numbered=True, limit=400) == [
        "1. " + "a" * 300, "2. " + "b" * 300 + "\n3. c"]


def test_a_long_list_is_spread_evenly_rather_than_leaving_one_step_alone():
    parts = texts.chunks(["x" * 100] * 5, numbered=True, limit=450)  # 4 fit, 5 do not
    assert [len(part.splitlines()) for part in parts] == [3, 2]
    assert parts[1].startswith("4. ")
    # Bubbles after the first have no heading, so they may hold more.
    parts = texts.chunks(["x" * 100] * 9, numbered=True, limit=300, later_limit=600)
    assert len(parts) == 3 and all(len(part) <= 600 for part in parts) and len(parts[0]) <= 300
    assert [line.split(".")[0] for part in parts for line in part.splitlines()] == [str(n) for n in range(1, 10)]


DEBT_URGENT = {"debt_kinds": "tax", "debt_bailiff": "yes", "debt_threat": "eviction", "debt_attachment": "yes"}
LIST_RESPONSES = ("_first", "_options", "_steps", "_notes", texts.CONTINUED)


def bubbles(messages: list[dict[str, Any]], language: str) -> list[str]:
    """The result's list bubbles as the NLG endpoint fills them in from data/content/checks.yml."""
    found = []
    for message in messages:
        if message["response"].endswith(LIST_RESPONSES):
            placeholder = CONTENT[message["response"]]["placeholders"][0]
            found.append(CONTENT[message["response"]][language]["text"].format(**{placeholder: message[placeholder]}))
    return found


@pytest.mark.parametrize("language, heading", [("nl", "Dit kun je doen, in deze volgorde:"),
                                               ("en", "What you can do, in this order:")])
def test_a_list_longer_than_a_bubble_says_its_heading_once_and_numbers_on(monkeypatch, language, heading):
    from actions.debt_check import ActionDebtCheckResult

    def run_debt():
        dispatcher = CollectingDispatcher()

        async def run():
            await ActionDebtCheckResult().run(dispatcher, finished({**DEBT_URGENT, "language": language}), DOMAIN)
            return dispatcher
        return run

    dispatcher, _ = serve_rules(monkeypatch, 200, run_debt())
    said = [m["response"] for m in dispatcher.messages]
    at = said.index("utter_debt_steps")
    assert said.count("utter_debt_steps") == 1 and said[at + 1] == texts.CONTINUED  # too long for one
    shown = bubbles(dispatcher.messages, language)
    assert "\n".join(shown).count(heading) == 1
    steps = [line for m in dispatcher.messages[at:] if m["response"] in ("utter_debt_steps", texts.CONTINUED)
             for line in (m.get("steps") or m.get("items")).splitlines()]
    assert [line.split(".")[0] for line in steps] == [str(n) for n in range(1, 6)]
    assert "PMW" in steps[-1]  # no step lost
    assert all(len(bubble) <= texts.MAX_BUBBLE for bubble in shown)
    continued = [m["items"] for m in dispatcher.messages if m["response"] == texts.CONTINUED]
    assert all(len(part.splitlines()) > 1 for part in continued)  # no step left alone


def serve_rules(monkeypatch: pytest.MonkeyPatch, status: int | None, run_action,
                published: dict[str, str] | None = None):
    """Runs `run_action()` with BOT_INTERNAL_URL at a local server answering GET /internal/v1/rules
    (status None: nothing listens there) and, with `published`, the check texts; returns its
    result and the requests received."""
    received: list[str | None] = []

    async def rules(request: web.Request) -> web.Response:
        received.append(request.headers.get("Authorization"))
        return web.json_response(served_rules(), status=status or 200)

    async def texts_(request: web.Request) -> web.Response:
        if published is None:
            return web.Response(status=404)
        return web.json_response(published)

    async def run():
        texts._published.clear()  # each test starts without fetched texts
        app = web.Application()
        app.router.add_get("/internal/v1/rules", rules)
        app.router.add_get("/internal/v1/checks/texts", texts_)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        if status is None:
            await runner.cleanup()
        monkeypatch.setenv("BOT_INTERNAL_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("INTERNAL_TOKEN", "s3cret")
        try:
            return await run_action()
        finally:
            await runner.cleanup()
    return asyncio.run(run()), received


INCOME_SLOTS = {"income_age": "27_plus", "income_registered": "yes", "income_work": "kvk",
                "income_household": "alone", "income_savings": "no"}


def run_result(tracker: Tracker):
    dispatcher = CollectingDispatcher()

    async def run():
        return dispatcher, await ActionIncomeCheckResult().run(dispatcher, tracker, DOMAIN)
    return run


def test_the_result_action_fetches_the_rules_with_the_token_and_says_the_lists(monkeypatch):
    (dispatcher, events), received = serve_rules(monkeypatch, 200, run_result(finished(INCOME_SLOTS)))
    assert received == ["Bearer s3cret"]
    said = [m["response"] for m in dispatcher.messages]
    assert said[0] == "utter_income_options" and said[-2:] == ["utter_income_notes", "utter_income_check_end"]
    at = said.index("utter_income_steps")
    continued = takewhile(lambda m: m["response"] == texts.CONTINUED, dispatcher.messages[at + 1:])
    steps = "\n".join([dispatcher.messages[at]["steps"]] + [m["items"] for m in continued])
    assert steps.startswith("1. Vraag eerst de Bbz aan") and "tot 12 maanden" in steps
    assert [line.split(".")[0] for line in steps.splitlines()] == [
        str(n) for n in range(1, len(steps.splitlines()) + 1)]
    assert "PMW'er" in steps.splitlines()[-1]  # no step lost to the bubble's length
    assert dispatcher.messages[0]["options"].splitlines()[0].startswith("- Bbz")
    assert {e["name"] for e in events if e["value"] is None} >= set(INCOME_SLOTS)


def test_the_result_action_still_answers_when_the_service_is_down(monkeypatch):
    (dispatcher, _), _ = serve_rules(monkeypatch, None, run_result(finished(INCOME_SLOTS)))
    said = [m["response"] for m in dispatcher.messages]
    assert said[-1] == "utter_income_check_end" and "utter_income_steps" in said
    assert "12 maanden" not in dispatcher.messages[1]["steps"]
    (dispatcher, _), _ = serve_rules(monkeypatch, 500, run_result(finished(INCOME_SLOTS)))
    assert [m["response"] for m in dispatcher.messages][-1] == "utter_income_check_end"


def test_a_stopped_income_check_says_nothing_was_kept():
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionIncomeCheckResult().run(dispatcher, finished({"check_cancelled": True}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_check_cancelled"]


def test_skipped_answers_count_as_unknown():
    skipped = income_answers(finished({slot: "-" for slot in INCOME_SLOTS}))
    assert skipped == IncomeAnswers()
    assert isinstance(advise(skipped, {}), Advice)


# --- the scan ----------------------------------------------------------------------------------

SCAN = {"scan_money": "better", "scan_safety": "fine", "scan_housing": "worried",
        "scan_health": "-", "scan_people": "worried", "scan_work": "better"}


def test_the_overview_speaks_the_language_the_gateway_chose_for_the_latest_message():
    """The user wrote English in a chat whose slot still says Dutch: the lines the action builds
    come in English, like the heading the NLG endpoint gives (no English heading over Dutch lines)."""
    tracker = finished({**SCAN, "language": "nl"})
    tracker.events = [{"event": "user", "text": "how am i doing", "metadata": {"language": "en"}}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionScanResult().run(dispatcher, tracker, DOMAIN))
    assert dispatcher.messages[0]["overview"].splitlines()[0].startswith("- Housing")


def test_the_scan_overview_puts_worried_domains_first():
    rated = ratings(SCAN.get)
    assert "health" not in rated
    assert ordered(rated) == [("housing", "worried"), ("people", "worried"),
                              ("money", "better"), ("work", "better")]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionScanResult().run(dispatcher, finished(SCAN), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_scan_overview", "utter_scan_offer"]
    lines = dispatcher.messages[0]["overview"].splitlines()
    assert [line.split(" (")[0] for line in lines] == ["- Wonen", "- Mensen om je heen", "- Geld",
                                                       "- Werk en leren"]
    assert "je maakt je zorgen" in lines[0] and "kan beter" in lines[2]
    assert events == []  # the ratings stay for a handover the user may ask for next


def test_an_all_fine_scan_says_so_and_still_offers_a_worker():
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionScanResult().run(dispatcher, finished({"scan_money": "fine"}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_scan_all_fine", "utter_scan_offer"]


def handover_slots(consent: bool) -> dict[str, Any]:
    return {**SCAN, "municipality": "Utrecht", "handover_contact": "chat",
            "handover_availability": "anytime", "handover_language": "nl", "handover_consent": consent}


def test_the_scan_goes_with_the_handover_only_with_consent():
    shared = handover_request(finished(handover_slots(True)))
    assert shared["scan"] == {"money": "better", "safety": "fine", "housing": "worried",
                              "people": "worried", "work": "better"}
    assert "scan" not in handover_request(finished(handover_slots(False)))
    assert "scan" not in handover_request(finished({"handover_consent": True}))


@pytest.mark.parametrize("consent", [True, False])
def test_the_handover_request_sent_carries_the_scan_only_with_consent(monkeypatch, consent):
    received: list[dict] = []

    async def handovers(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"reference": "K7M-4QX", "region": {"id": "utrecht", "name": "Utrecht",
                                  "organisation": "Belle"}, "office_open": True, "response_minutes": 15,
                                  "next_open": {"nl": "maandag 9:00", "en": "Monday 9:00"}}, status=201)

    async def run():
        app = web.Application()
        app.router.add_post("/internal/v1/handovers", handovers)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        monkeypatch.setenv("BOT_INTERNAL_URL", f"http://127.0.0.1:{runner.addresses[0][1]}")
        monkeypatch.setenv("INTERNAL_TOKEN", "s3cret")
        try:
            return await ActionCreateHandover().run(CollectingDispatcher(),
                                                    finished(handover_slots(consent)), DOMAIN)
        finally:
            await runner.cleanup()

    events = asyncio.run(run())
    assert len(received) == 1
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    if consent:
        assert received[0]["scan"]["housing"] == "worried" and "health" not in received[0]["scan"]
        assert "scan_money" in cleared  # shared: done
    else:
        assert "scan" not in received[0] and received[0]["topics"] == []
        assert "scan_money" not in cleared  # kept for a later handover with consent


def test_a_published_text_is_used_over_the_file(monkeypatch):
    """An editor's change to a check entry reaches the result without a restart."""
    published = {key: text for key, text in replies_published().items()}
    published["utter_income_step_get_digid"] = "Vraag DigiD aan (nieuw gepubliceerd)."
    (dispatcher, _), _ = serve_rules(monkeypatch, 200, run_result(finished(INCOME_SLOTS)), published)
    steps = "\n".join(m["steps"] for m in dispatcher.messages if "steps" in m)
    assert "Vraag DigiD aan (nieuw gepubliceerd)." in steps


def replies_published() -> dict[str, str]:
    """What the bot service would publish now: the file's Dutch texts."""
    entries = yaml.safe_load(texts.CONTENT.read_text(encoding="utf-8"))
    return {key: entry["nl"]["text"] for key, entry in entries.items()
            if key.startswith(("utter_income_", "utter_scan_"))}


def test_someone_under_18_is_asked_nothing_more_and_the_next_handover_is_urgent():
    form = ValidateIncomeCheckForm()
    income_slots = ["income_age", "income_registered", "income_work", "income_household", "income_savings"]
    asked = asyncio.run(form.required_slots(income_slots, CollectingDispatcher(), finished({}), DOMAIN))
    assert asked == income_slots
    minor = finished({"income_age": "under_18"})
    assert asyncio.run(form.required_slots(income_slots, CollectingDispatcher(), minor, DOMAIN)) == []
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionIncomeCheckResult().run(dispatcher, minor, DOMAIN))
    said = [m["response"] for m in dispatcher.messages]
    assert said[0] == "utter_income_first" and said[-1] == "utter_income_check_urgent_end"
    assert "niet jouw schuld" in dispatcher.messages[0]["first"]
    assert {"name": "urgent_need", "value": ["income_under_18"]} in [
        {"name": e["name"], "value": e["value"]} for e in events]
