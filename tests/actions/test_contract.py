"""The action server against the bot service's contract (docs/contract/internal-api.schema.json,
made from bot/internal_contract.py), checked from Rasa's own environment: the bodies the real
actions send validate, the answers the action tests' fake bot API gives validate (so a fake cannot
drift from the real API), and the names both sides spell alike are spelled alike.
Run with .venv-rasa's pytest, like the other action tests.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest
import yaml
from aiohttp import web
from jsonschema import Draft202012Validator
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api import contract
from actions.api.contract import SCAN_SLOTS
from actions.checks.income.conversation import ActionIncomeCheckResult
from actions.handover.create import ActionCreateHandover
from actions.handover.form import ValidateHandoverForm
from actions.helpline import ActionAnswerHelpline
from action_inputs import served_rules
from bot_api_answers import CANNED, created, resolved

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "contract" / "internal-api.schema.json").read_text(encoding="utf-8"))
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CONSTANTS = SCHEMA["constants"]
CONVERSATION = "5d0b7e"


def validator(reference: Dict[str, str]) -> Draft202012Validator:
    """A validator of one body: the endpoint's `$ref`, resolved in the document's `$defs`."""
    return Draft202012Validator({**reference, "$defs": SCHEMA["$defs"]})


def violations(route: str, body: Any, status: str | None = None) -> List[str]:
    """What is wrong with a request body (status None) or with an answer, per the schema."""
    endpoint = SCHEMA["endpoints"][route]
    reference = endpoint["request"] if status is None else endpoint["responses"][status]
    return [f"{'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
            for error in validator(reference).iter_errors(body)]


def test_the_schema_itself_is_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)
    for route, endpoint in SCHEMA["endpoints"].items():
        for reference in [endpoint["request"], *endpoint["responses"].values()]:
            if reference is not None:
                assert reference["$ref"].removeprefix("#/$defs/") in SCHEMA["$defs"], route


# --- (a) what the real actions send -----------------------------------------------------------

Received = List[Tuple[str, Any]]


def served(run: Callable[[], Awaitable[Any]], monkeypatch: pytest.MonkeyPatch) -> Received:
    """Runs `run()` against a local bot API that answers every route of the contract with a
    canned answer; returns (route, body) of every request it received."""
    received: Received = []

    def route(method: str, path: str, answer: Any, status: int) -> web.RouteDef:
        async def handler(request: web.Request) -> web.Response:
            received.append((f"{method} {path}", await request.json() if request.can_read_body else None))
            return web.json_response(answer, status=status) if answer is not None else web.Response(status=status)
        return web.route(method, path, handler)

    async def outside(request: web.Request) -> web.Response:
        received.append((f"{request.method} {request.path}", None))
        return web.Response(status=404)

    async def serve() -> None:
        app = web.Application()
        app.add_routes([
            route("POST", "/internal/v1/handovers", created(), 201),
            route("POST", "/internal/v1/regions/resolve", resolved(office_open=True), 200),
            route("GET", "/internal/v1/rules", served_rules(), 200),
            route("POST", "/internal/v1/intake/expect-phone", None, 204),
            # The check texts are on their way out of the contract: served, not modelled.
            route("GET", "/internal/v1/checks/texts", {}, 200),
            web.route("*", "/{anything:.*}", outside),
        ])
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        monkeypatch.setenv("BOT_INTERNAL_URL", f"http://127.0.0.1:{runner.addresses[0][1]}")
        monkeypatch.setenv("INTERNAL_TOKEN", "s3cret")
        try:
            await run()
        finally:
            await runner.cleanup()

    asyncio.run(serve())
    return received


def tracker(slots: Dict[str, Any], latest: Dict[str, Any] | None = None, events: List[dict] | None = None,
            active_loop: Dict[str, Any] | None = None) -> Tracker:
    return Tracker.from_dict({
        "sender_id": CONVERSATION, "slots": slots, "latest_message": latest or {}, "events": events or [],
        "paused": False, "followup_action": None, "active_loop": active_loop or {},
        "latest_action_name": "action_listen"})


def user(text: str, intent: str, subtopic: str | None = None) -> dict:
    parse_data: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if subtopic:
        parse_data["response_selector"] = {"default": {"response": {"intent_response_key": subtopic}}}
    return {"event": "user", "text": text, "parse_data": parse_data}


EVERYTHING_SHARED = {
    "municipality": "Apeldoorn", "region": "apeldoorn", "handover_contact": "phone", "handover_phone": "given",
    "handover_call_safety": "no_voicemail", "handover_availability": "evening", "handover_language": "pl",
    "handover_consent": True, "urgent_need": ["housing_leave_within_days", "debt_eviction"],
    "scan_money": "worried", "scan_safety": "fine", "scan_housing": "better", "scan_health": "-",
    "scan_people": "worried", "scan_work": "fine", "requested_slot": None,
}
ASKED = [user("ik heb schulden", "ask_debt", "ask_debt/bailiff"), user("ik word bedreigd", "crisis"),
         user("waar kan ik slapen", "ask_housing", "ask_housing/shelter")]


@pytest.mark.parametrize("slots, events", [
    (EVERYTHING_SHARED, ASKED),
    ({**EVERYTHING_SHARED, "handover_consent": False}, ASKED),  # codes without details
    ({"handover_contact": "chat"}, []),  # every question skipped
    ({"handover_contact": "meeting", "urgent_need": True, "handover_consent": True}, []),  # an older slot value
])
def test_the_handover_request_the_action_sends_is_what_the_bot_service_takes(monkeypatch, slots, events):
    async def run() -> None:
        await ActionCreateHandover().run(CollectingDispatcher(), tracker(slots, events=events), DOMAIN)

    received = served(run, monkeypatch)
    assert [route for route, _ in received] == ["POST /internal/v1/handovers"]
    assert violations(*received[0]) == []


# The handover form answered question by question (a call, so the phone question is asked too).
FORM_ANSWERS = [("municipality", "Apeldorn"), ("handover_contact", "bellen"),
                ("handover_phone", f"mijn nummer is {contract.PHONE_PLACEHOLDER}"),
                ("handover_call_safety", "alleen sms"), ("handover_availability", "s avonds"),
                ("handover_language", "Nederlands"), ("handover_consent", "ja")]


def test_every_call_the_handover_form_makes_is_to_a_route_of_the_contract_with_a_body_it_takes(monkeypatch):
    async def run() -> None:
        slots: Dict[str, Any] = {}
        for asked, answer in FORM_ANSWERS:
            message = user(answer, "nlu_fallback")
            events = [message, {"event": "action", "name": "handover_form"},
                      {"event": "slot", "name": asked, "value": answer}]
            form = tracker({**slots, "requested_slot": asked, asked: answer}, message["parse_data"], events,
                           {"name": "handover_form"})
            set_now = await ValidateHandoverForm().run(CollectingDispatcher(), form, DOMAIN)
            slots.update({e["name"]: e["value"] for e in set_now if e["event"] == "slot"})
        assert slots["handover_phone"] == "given" and slots["handover_consent"] is True
        await ActionCreateHandover().run(CollectingDispatcher(), tracker(slots), DOMAIN)

    received = served(run, monkeypatch)
    routes = [route for route, _ in received]
    assert set(routes) <= set(SCHEMA["endpoints"]), routes
    assert "POST /internal/v1/handovers" in routes
    for route, body in received:
        if SCHEMA["endpoints"][route]["request"] is not None:
            assert violations(route, body) == [], route


def test_the_gemeente_question_and_help_nearby_ask_the_region_as_the_bot_service_takes_it(monkeypatch):
    asked = {"requested_slot": "municipality", "municipality": "Apeldorn"}
    message = user("Apeldorn", "nlu_fallback")
    form = tracker(asked, message["parse_data"], [message, {"event": "action", "name": "handover_form"},
                                                 {"event": "slot", "name": "municipality", "value": "Apeldorn"}],
                   {"name": "handover_form"})
    nearby = tracker({}, {"text": "is er hulp in Rotterdam", "intent": {"name": "ask_helpline"},
                          "response_selector": {"default": {"response": {
                              "intent_response_key": "ask_helpline/nearby"}}}})

    async def run() -> None:
        await ValidateHandoverForm().run(CollectingDispatcher(), form, DOMAIN)
        await ActionAnswerHelpline().run(CollectingDispatcher(), nearby, DOMAIN)

    received = served(run, monkeypatch)
    assert [route for route, _ in received] == ["POST /internal/v1/regions/resolve"] * 2
    assert {key for _, body in received for key in body} == {"municipality", "sentence"}
    assert [violations(route, body) for route, body in received] == [[], []]


def test_a_check_result_reads_the_rules_the_bot_service_serves(monkeypatch):
    slots = {"income_age": "27_plus", "income_registered": "yes", "income_work": "kvk",
             "income_household": "alone", "income_savings": "no"}
    said = CollectingDispatcher()

    async def run() -> None:
        await ActionIncomeCheckResult().run(said, tracker(slots), DOMAIN)

    received = served(run, monkeypatch)
    assert ("GET /internal/v1/rules", None) in received
    assert "utter_income_check_end" in [m["response"] for m in said.messages]


def test_a_body_the_bot_service_would_not_take_is_caught():
    """The check above can fail: a body with a wrong type, or a code outside a list, is caught."""
    body = {"conversation": CONVERSATION, "consent": "yes", "contact": "fax", "scan": {"horoscope": "fine"}}
    found = violations("POST /internal/v1/handovers", body)
    assert len(found) == 3 and any(problem.startswith("consent") for problem in found)
    assert violations("POST /internal/v1/regions/resolve", {"gemeente": "Apeldoorn"}) != []


# --- (b) what the fakes answer ----------------------------------------------------------------

@pytest.mark.parametrize("route, status, answer", CANNED)
def test_every_answer_of_the_fake_bot_api_is_one_the_real_api_gives(route, status, answer):
    assert violations(route, answer, status) == []


def test_a_fake_answer_the_real_api_never_gives_is_caught():
    assert violations("POST /internal/v1/handovers", {**created(), "ok": 1}, "201") != []
    without_urgent = {key: value for key, value in created().items() if key != "urgent"}
    assert violations("POST /internal/v1/handovers", without_urgent, "201") != []


# --- (c) the names both sides spell alike -----------------------------------------------------

def test_the_actions_spell_the_scan_the_checks_and_the_phone_placeholder_as_the_bot_service():
    assert list(contract.SCAN_DOMAINS) == CONSTANTS["scan_domains"]
    assert list(contract.SCAN_RATINGS) == CONSTANTS["scan_ratings"]
    assert sorted(contract.CHECKS) == sorted(CONSTANTS["checks"])
    assert contract.PHONE_PLACEHOLDER == CONSTANTS["phone_placeholder"]


def test_every_slot_the_bot_service_relies_on_is_in_the_domain():
    assert set(CONSTANTS["slots"]) <= set(DOMAIN["slots"])
    assert set(SCAN_SLOTS) <= set(CONSTANTS["slots"])
    # The phone question Rasa asks is the one the bot service recognises.
    assert "handover_phone" in DOMAIN["forms"]["handover_form"]["required_slots"]
