"""The handover form, its phone question and action_create_handover (run with .venv-rasa's
pytest, like the other action tests). The bot service's internal API is a real local aiohttp
server on a free port (conftest.py)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from action_inputs import CONTENT, DOMAIN, user
from action_inputs import answering as answering_form
from action_inputs import finished as finished_form
from bot_api_answers import created
from actions.checks.advice import urgent_codes
from actions.checks.debt import decision as debt
from actions.checks.housing import decision as housing
from actions.forms.reading import CANCEL, SKIP, control
from actions.handover.ask_phone import ActionAskHandoverPhone
from actions.handover.create import ActionCreateHandover
from actions.handover.form import ValidateHandoverForm, region_found
from actions.handover.request import asked_topics, handover_request

FORM = "handover_form"
CONVERSATION = "3f2a9c"


def answering(asked: str, text: str, intent: str = "nlu_fallback",
              slots: dict[str, Any] | None = None, before: list[dict] | None = None) -> Tracker:
    """The tracker validate_handover_form gets: the answer extracted into the asked slot."""
    return answering_form(FORM, asked, text, intent, slots, before, sender=CONVERSATION)


def validate(tracker: Tracker) -> tuple[dict[str, Any], list[str], list[dict]]:
    """The slots the validator sets, the responses it says, and all its events."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateHandoverForm().run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m["response"] for m in dispatcher.messages], events


def finished(slots: dict[str, Any], events: list[dict] | None = None) -> Tracker:
    return finished_form(slots, events, sender=CONVERSATION)


# --- typed and pressed answers, both languages ---------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Hier in de chat", "chat"), ("Here in this chat", "chat"), ("gewoon chatten", "chat"),
    ("Bellen", "phone"), ("Phone call", "phone"), ("bel me maar", "phone"), ("call me", "phone"),
    ("telefonisch graag", "phone"), ("Afspreken", "meeting"), ("Meet in person", "meeting"),
    ("kan iemand langskomen", "meeting"), ("afspraak", "meeting"),
    ("Overslaan", "chat"), ("skip", "chat"), ("weet ik niet", "chat"),
])
def test_the_way_of_contact_is_understood_in_dutch_and_english(text, value):
    slots, said, _ = validate(answering("handover_contact", text))
    assert slots["handover_contact"] == value and said == []


def test_a_contradicting_or_unclear_way_of_contact_is_asked_again():
    for text in ("niet bellen, liever chatten", "nee", "hmm"):
        slots, said, _ = validate(answering("handover_contact", text))
        assert slots["handover_contact"] is None
        assert said == ["utter_handover_not_understood"]


@pytest.mark.parametrize("text, value", [
    ("'s Ochtends", "morning"), ("in de ochtend", "morning"), ("Morning", "morning"),
    ("'s middags", "afternoon"), ("Afternoon", "afternoon"), ("'s Avonds", "evening"),
    ("evenings are best", "evening"), ("Maakt niet uit", "anytime"), ("Any time", "anytime"),
    ("doesn't matter", "anytime"), ("Overslaan", "-"), ("Skip", "-"),
])
def test_availability_is_understood_in_dutch_and_english(text, value):
    slots, _, _ = validate(answering("handover_availability", text))
    assert slots["handover_availability"] == value


@pytest.mark.parametrize("text, code", [
    ("Nederlands", "nl"), ("Dutch", "nl"), ("Engels", "en"), ("English", "en"),
    ("Spaans", "es"), ("spanish please", "es"), ("Pools", "pl"), ("Roemeens", "ro"),
    ("Bulgaars", "bg"), ("Hongaars", "hu"), ("Portugees", "pt"), ("Frans", "fr"), ("Duits", "de"),
    ("Thai", "th"), ("Russisch", "ru"), ("Oekraïens", "uk"), ("Chinees", "zh"), ("Arabisch", "ar"),
    ("Turks", "tr"), ("Klingon", "-"), ("Overslaan", "-"), ("skip", "-"),
])
def test_the_language_for_the_worker_becomes_an_iso_code(text, code):
    slots, _, _ = validate(answering("handover_language", text, intent="change_language"))
    assert slots["handover_language"] == code


def test_naming_a_language_for_the_worker_does_not_switch_this_chat():
    before = [{"event": "slot", "name": "language", "value": "nl"}]
    tracker = answering("handover_language", "English", intent="change_language",
                        slots={"language": "en"}, before=before)
    tracker.events.insert(-2, {"event": "slot", "name": "language", "value": "en"})  # extraction
    slots, _, events = validate(tracker)
    assert slots["handover_language"] == "en" and slots["language"] == "nl"
    assert not [e for e in events if e["event"] == "action_execution_rejected"]


@pytest.mark.parametrize("text, value", [
    ("Ja, dat mag", True), ("Yes, that's fine", True), ("ja hoor", True), ("sure", True),
    ("Nee, liever niet", False), ("No, rather not", False), ("dat mag niet", False),
    ("Overslaan", False), ("Skip", False),
])
def test_consent_needs_a_clear_yes(text, value):
    slots, _, _ = validate(answering("handover_consent", text))
    assert slots["handover_consent"] is value


def test_an_unclear_consent_is_asked_again_unless_the_intent_says_yes_or_no():
    assert validate(answering("handover_consent", "👍", intent="affirm"))[0]["handover_consent"] is True
    slots, said, _ = validate(answering("handover_consent", "hmm"))
    assert slots["handover_consent"] is None and said == ["utter_handover_not_understood"]


def test_a_number_is_given_only_as_the_gateways_placeholder():
    slots, said, _ = validate(answering("handover_phone", "mijn nummer is [telefoonnummer]",
                                        slots={"handover_contact": "phone"}))
    assert slots["handover_phone"] == "given" and said == []
    slots, said, _ = validate(answering("handover_phone", "zes twee", slots={"handover_contact": "phone"}))
    assert slots["handover_phone"] is None and said == ["utter_handover_phone_invalid"]


@pytest.mark.parametrize("text", ["Overslaan", "Skip", "nee", "ik heb geen telefoon"])
def test_without_a_number_the_worker_writes_in_the_chat(text):
    slots, said, _ = validate(answering("handover_phone", text, slots={"handover_contact": "phone"}))
    assert slots["handover_phone"] == "-" and slots["handover_contact"] == "chat"
    assert said == ["utter_handover_phone_skipped"]


PHONE = {"handover_contact": "phone", "handover_phone": "given"}


@pytest.mark.parametrize("text, value", [
    # the buttons' replies
    ("Inspreken mag", "voicemail_ok"), ("Niet inspreken", "no_voicemail"), ("Alleen sms", "text_only"),
    ("Voicemail is fine", "voicemail_ok"), ("No voicemail", "no_voicemail"), ("Text only", "text_only"),
    # typed, as the buttons' titles say it or in a person's own words
    ("Bellen en inspreken mag", "voicemail_ok"), ("Bellen mag, niet inspreken of sms'en", "no_voicemail"),
    ("Alleen sms, niet bellen", "text_only"), ("niet bellen, wel een sms", "text_only"),
    ("geen sms, wel bellen", "no_voicemail"), ("you can call but don't leave a message", "no_voicemail"),
    ("texts are fine, no calls", "text_only"), ("ja hoor", "no_voicemail"), ("alles mag", "voicemail_ok"),
    ("Overslaan", "-"), ("Skip", "-"), ("weet ik niet", "-"),
])
def test_whether_a_call_is_safe_is_understood_in_dutch_and_english(text, value):
    slots, said, _ = validate(answering("handover_call_safety", text, slots=PHONE))
    assert slots["handover_call_safety"] == value and said == []


@pytest.mark.parametrize("text", ["nee", "liever niet", "bel me maar niet", "bellen mag niet",
                                  "sms mag", "hmm"])
def test_a_call_safety_answer_that_could_mean_no_call_is_asked_again(text):
    # Never guessed towards more traces on someone's phone: "bel me maar niet" is not "bellen mag".
    slots, said, _ = validate(answering("handover_call_safety", text, slots=PHONE))
    assert slots["handover_call_safety"] is None and said == ["utter_handover_not_understood"]


@pytest.mark.parametrize("text", ["Liever de chat", "Rather this chat", "niet bellen en geen sms"])
def test_when_no_call_or_text_is_safe_the_worker_writes_in_the_chat(text):
    slots, said, _ = validate(answering("handover_call_safety", text, slots=PHONE))
    assert slots["handover_contact"] == "chat" and slots["handover_call_safety"] == "-"
    assert slots["handover_phone"] == "-" and said == ["utter_handover_call_safety_chat"]
    assert not {"handover_phone", "handover_call_safety"} & set(required({**PHONE, **slots}))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_pressed_call_safety_button_is_an_answer_even_if_the_classifier_calls_it_a_crisis(language):
    for button in CONTENT["utter_ask_handover_call_safety"][language]["buttons"]:
        _, _, events = validate(answering("handover_call_safety", button["reply"], intent="crisis",
                                          slots=PHONE))
        assert not [e for e in events if e["event"] == "action_execution_rejected"], button


@pytest.mark.parametrize("asked", ["municipality", "handover_contact", "handover_call_safety",
                                   "handover_availability", "handover_language", "handover_consent"])
@pytest.mark.parametrize("text", ["Stoppen", "Cancel", "annuleren", "laat maar", "stop"])
def test_stop_ends_the_form_at_any_question(asked, text):
    slots, _, _ = validate(answering(asked, text, slots=PHONE if asked == "handover_call_safety" else {}))
    assert slots["handover_cancelled"] is True and slots[asked] is None
    assert slots["requested_slot"] is None  # the form ends: nothing more is asked


def test_stop_inside_a_longer_question_is_not_a_cancel():
    assert control("ik wil stoppen met sekswerk, hoe doe ik dat") is None


def test_a_skipped_gemeente_goes_to_the_national_route():
    for text in ("Overslaan", "Skip", "liever niet", "nee"):
        slots, _, _ = validate(answering("municipality", text))
        assert slots["municipality"] == "-" and slots["region"] == "national"


@pytest.mark.parametrize("asked", DOMAIN["forms"][FORM]["required_slots"])
def test_every_question_has_skip_and_stop_buttons_whose_texts_the_form_understands(asked):
    for language in ("nl", "en"):
        replies = [b["reply"] for b in CONTENT[f"utter_ask_{asked}"][language]["buttons"]]
        controls = [control(reply) for reply in replies]
        assert SKIP in controls and CANCEL in controls, (asked, language)
        for reply in replies:
            slots, said, _ = validate(answering(asked, reply, slots={"handover_contact": "phone"}))
            assert "utter_handover_not_understood" not in said, (asked, reply)
            assert slots.get(asked) is not None or slots.get("handover_cancelled"), (asked, reply)


# --- which questions are asked ---------------------------------------------------------------

def required(slots: dict[str, Any]) -> list[str]:
    domain_slots = DOMAIN["forms"][FORM]["required_slots"]
    return asyncio.run(ValidateHandoverForm().required_slots(
        domain_slots, CollectingDispatcher(), finished(slots), DOMAIN))


def test_the_number_and_whether_a_call_is_safe_are_asked_only_for_a_phone_call():
    for slots in ({"handover_contact": "chat"}, {"handover_contact": "meeting"}, {}):
        assert not {"handover_phone", "handover_call_safety"} & set(required(slots))
    assert required({"handover_contact": "phone"}) == [
        "municipality", "handover_contact", "handover_phone", "handover_call_safety",
        "handover_availability", "handover_language", "handover_consent"]
    assert required({"handover_cancelled": True}) == []


def test_answers_left_by_an_interrupted_form_are_asked_again_but_the_gemeente_is_kept():
    tracker = answering("handover_contact", "phone", slots={"municipality": "Utrecht"})
    tracker.slots["requested_slot"] = None  # activation: prefilled slots are validated
    tracker.events[-1:] = [{"event": "slot", "name": "municipality", "value": "Utrecht"},
                           {"event": "slot", "name": "handover_contact", "value": "phone"}]
    slots, _, _ = validate(tracker)
    assert slots["municipality"] == "Utrecht" and slots["handover_contact"] is None


# --- interruptions ----------------------------------------------------------------------------

def test_a_crisis_interrupts_the_form_and_leaves_no_text_in_the_slot():
    slots, _, events = validate(answering("handover_availability", "hij staat beneden, ik ben bang",
                                          intent="crisis"))
    assert events[-1] == {"event": "action_execution_rejected", "name": FORM, "policy": None,
                          "confidence": None, "timestamp": None}
    assert slots == {"handover_availability": None}


def test_a_pressed_button_the_classifier_calls_a_crisis_is_still_an_answer():
    slots, _, events = validate(answering("handover_availability", "'s Avonds", intent="crisis"))
    assert slots["handover_availability"] == "evening"
    assert not [e for e in events if e["event"] == "action_execution_rejected"]


def test_an_understood_answer_wins_over_the_menu_and_a_new_handover_request():
    assert validate(answering("handover_contact", "Hier in de chat", intent="ask_capabilities"))[0][
        "handover_contact"] == "chat"
    assert validate(answering("handover_contact", "Bellen", intent="request_handover"))[0][
        "handover_contact"] == "phone"


def test_the_menu_asked_for_inside_the_form_gets_the_menu():
    _, _, events = validate(answering("handover_contact", "wat kun je allemaal", intent="ask_capabilities"))
    assert events[-1]["event"] == "action_execution_rejected"


# --- what the worker may learn ----------------------------------------------------------------

CONVERSATION_EVENTS = [
    user("hoi", "greet"),
    user("ik ben zzp, kan ik bbz krijgen", "ask_benefits", "ask_benefits/bbz"),
    user("deurwaarder help", "ask_debt", "ask_debt/bailiff"),
    user("nog een vraag over bbz", "ask_benefits", "ask_benefits/bbz"),
    user("iets anders", "ask_work"),
    user("wat kun je", "ask_capabilities"),
    user("dank je", "thank"),
    user("ik wil iemand spreken", "request_handover"),
    {"event": "active_loop", "name": FORM},
    user("Utrecht", "ask_exit_program", "ask_exit_program/find"),  # an answer, not a question
    {"event": "active_loop", "name": None},
]


def test_topics_are_the_distinct_questions_in_order_finest_level_first():
    assert asked_topics(CONVERSATION_EVENTS) == ["ask_benefits/bbz", "ask_debt/bailiff", "ask_work"]


def test_topics_are_sent_only_with_consent():
    with_consent = handover_request(finished({"handover_consent": True}, CONVERSATION_EVENTS))
    without = handover_request(finished({"handover_consent": False}, CONVERSATION_EVENTS))
    assert with_consent["topics"] == ["ask_benefits/bbz", "ask_debt/bailiff", "ask_work"]
    assert without["topics"] == [] and without["consent"] is False


def test_a_selector_answer_of_another_intent_is_not_taken_as_the_subtopic():
    events = [user("hoe gaat het met werk", "ask_work", "ask_benefits/bbz")]
    assert asked_topics(events) == ["ask_work"]


def test_urgent_after_a_crisis_or_no_place_to_sleep_and_not_otherwise():
    calm = handover_request(finished({}, CONVERSATION_EVENTS))
    crisis = handover_request(finished({}, CONVERSATION_EVENTS + [user("help", "crisis")]))
    shelter = handover_request(finished({}, [user("waar kan ik vannacht slapen", "ask_housing",
                                                    "ask_housing/shelter")]))
    assert (calm["urgent"], crisis["urgent"], shelter["urgent"]) == (False, True, True)
    assert shelter["topics"] == []  # urgent without consent still shares no topic


def test_an_answer_the_classifier_called_a_crisis_is_not_urgent_but_the_safety_lines_are():
    in_form = [{"event": "active_loop", "name": FORM}, user("'s Avonds", "crisis")]
    assert handover_request(finished({}, in_form))["urgent"] is False
    answered = in_form + [{"event": "action", "name": "utter_crisis"}]
    assert handover_request(finished({}, answered))["urgent"] is True


def test_urgent_handovers_say_why_in_detail_only_with_consent():
    events = CONVERSATION_EVENTS + [user("help", "crisis"),
                                    user("waar kan ik vannacht slapen", "ask_housing", "ask_housing/shelter")]
    found = ["housing_leave_within_days", "housing_lives_at_workplace", "debt_eviction"]
    shared = handover_request(finished({"handover_consent": True, "urgent_need": found}, events))
    assert shared["urgent"] is True
    assert shared["urgent_reasons"] == ["crisis", "no_place_to_sleep"] + found
    unshared = handover_request(finished({"handover_consent": False, "urgent_need": found}, events))
    # Without consent: no more than that there was a crisis, an urgent question, and which checks.
    assert unshared["urgent_reasons"] == ["crisis", "urgent_question", "housing_check", "debt_check"]


def test_an_urgent_check_from_before_reasons_were_kept_is_still_urgent():
    request = handover_request(finished({"urgent_need": True, "handover_consent": True}))
    assert request["urgent"] is True and request["urgent_reasons"] == ["check"]


def test_an_urgent_check_keeps_its_reasons_for_the_next_handover_and_replaces_its_own_earlier_ones():
    advice = housing.advise(housing.HousingAnswers(situation="workplace", safe="yes", leaving="days",
                                                   registered="no"), {})
    codes = urgent_codes("housing", advice, ["debt_eviction", "housing_unsafe"])
    assert codes == ["debt_eviction", "housing_leave_within_days", "housing_lives_at_workplace",
                     "housing_not_registered"]
    evicted = debt.advise(debt.DebtAnswers(threat="eviction", attachment="yes"), {})
    assert urgent_codes("debt", evicted, True) == ["check", "debt_eviction", "debt_attachment"]
    assert debt.advise(debt.DebtAnswers(threat="no", attachment="no"), {}).reasons == []


def test_the_request_has_a_value_for_every_field_even_when_skipped():
    assert handover_request(finished({})) == {
        "conversation": CONVERSATION, "municipality": "-", "contact": "chat", "call_safety": "-",
        "availability": "-", "language": "-", "consent": False, "topics": [], "urgent": False,
        "urgent_reasons": []}


# --- action_create_handover against a real local API ----------------------------------------

def create(tracker: Tracker, bot_api, status: int | None = 201,
           body: Any = None) -> tuple[list[dict], list[dict], list[dict]]:
    """Runs the action against the local API answering `status` with `body` (default: created;
    status None: nothing listens there); returns the messages, the events and the requests the
    API received."""
    bot_api.reset()
    bot_api.answer_with("POST", "/internal/v1/handovers", status or 201, created() if body is None else body)
    dispatcher = CollectingDispatcher()

    async def run() -> list[dict]:
        return await ActionCreateHandover().run(dispatcher, tracker, {})

    events = bot_api.run(run, listening=status is not None)
    received = [{"auth": request["auth"], "body": request["body"]} for request in bot_api.requests]
    return dispatcher.messages, events, received


def test_a_chat_handover_while_open_says_the_worker_joins_soon(bot_api):
    tracker = finished({"municipality": "Utrecht", "handover_contact": "chat",
                        "handover_availability": "morning", "handover_language": "nl",
                        "handover_consent": True}, CONVERSATION_EVENTS)
    messages, events, received = create(tracker, bot_api, 201, created())
    assert received == [{"auth": f"Bearer {bot_api.token}", "body": {
        "conversation": CONVERSATION, "municipality": "Utrecht", "contact": "chat",
        "call_safety": "-", "availability": "morning", "language": "nl", "consent": True,
        "topics": ["ask_benefits/bbz", "ask_debt/bailiff", "ask_work"], "urgent": False,
        "urgent_reasons": []}}]
    assert messages[0]["response"] == "utter_handover_created_chat_open"
    assert (messages[0]["reference"], messages[0]["organisation"], messages[0]["response_minutes"]) == (
        "K7M-4QX", "Belle Hulpverlening", 15)
    assert len(messages) == 1
    slots = {e["name"]: e["value"] for e in events}
    assert all(slots[name] is None for name in ("handover_contact", "handover_phone",
                                                "handover_availability", "handover_language",
                                                "handover_consent", "handover_cancelled"))
    assert "municipality" not in slots and slots["region"] == "utrecht"


def test_a_chat_handover_while_closed_says_when_they_open_in_the_users_language(bot_api):
    tracker = finished({"handover_contact": "chat", "language": "en"})
    messages, _, _ = create(tracker, bot_api, 201, created(office_open=False))
    assert messages[0]["response"] == "utter_handover_created_chat_closed"
    assert messages[0]["next_open"] == "Monday 9:00"
    nl = create(finished({}), bot_api, 201, created(office_open=False))[0]
    assert nl[0]["next_open"] == "maandag 9:00"


def test_a_meeting_is_proposed_during_office_hours(bot_api):
    tracker = finished({"handover_contact": "meeting"})
    messages, _, received = create(tracker, bot_api, 201, created(office_open=False))
    assert received[0]["body"]["contact"] == "meeting" and received[0]["body"]["call_safety"] == "-"
    assert [m["response"] for m in messages] == ["utter_handover_created_meeting"]
    assert messages[0]["reference"] == "K7M-4QX"


@pytest.mark.parametrize("safety, confirmation", [
    ("voicemail_ok", "utter_handover_created_phone"),
    ("no_voicemail", "utter_handover_created_phone_no_voicemail"),
    ("text_only", "utter_handover_created_phone_text_only"),
    # skipped: the worker is told to leave no trace, and the user hears the same
    ("-", "utter_handover_created_phone_no_voicemail"),
])
def test_a_phone_handover_says_back_what_is_safe_and_how_to_call_them(bot_api, safety, confirmation):
    tracker = finished({"handover_contact": "phone", "handover_phone": "given",
                        "handover_call_safety": safety})
    messages, _, received = create(tracker, bot_api, 201, created(office_open=False))
    assert received[0]["body"]["contact"] == "phone" and received[0]["body"]["call_safety"] == safety
    assert [m["response"] for m in messages] == [confirmation, "utter_handover_call_gemeente"]
    assert messages[0]["reference"] == messages[1]["reference"] == "K7M-4QX"


def test_the_organisations_own_contact_details_are_given_when_the_region_has_them(bot_api):
    region = {"id": "rotterdam", "name": "Rotterdam", "organisation": "Humanitas PMW",
              "contact": "010 123 45 67"}  # as an operator would enter it in data/regions.yml
    tracker = finished({"handover_contact": "phone", "handover_phone": "given",
                        "handover_call_safety": "text_only"})
    messages, _, _ = create(tracker, bot_api, 201, created(region=region))
    assert messages[1]["response"] == "utter_handover_call_organisation"
    assert (messages[1]["organisation"], messages[1]["contact"], messages[1]["reference"]) == (
        "Humanitas PMW", "010 123 45 67", "K7M-4QX")


def test_an_urgent_handover_says_so(bot_api):
    tracker = finished({"handover_contact": "chat"}, [user("ik word bedreigd", "crisis")])
    messages, _, received = create(tracker, bot_api, 201, created())
    assert received[0]["body"]["urgent"] is True
    assert [m["response"] for m in messages] == ["utter_handover_created_chat_open", "utter_handover_urgent"]


def test_a_crisis_only_the_gateway_caught_still_makes_it_urgent(bot_api):
    messages, _, received = create(finished({}), bot_api, 201, created(urgent=True))
    assert received[0]["body"]["urgent"] is False
    assert [m["response"] for m in messages][-1] == "utter_handover_urgent"


def test_when_the_service_is_down_the_user_gets_another_way_and_a_retry(bot_api):
    messages, events, _ = create(finished({"handover_contact": "chat"}), bot_api, None)
    assert [m["response"] for m in messages] == ["utter_handover_failed"]
    assert {e["name"] for e in events} >= {"handover_contact", "handover_consent"}


@pytest.mark.parametrize("status, body", [(500, {"error": "x"}), (200, created()), (201, {"ok": 1})])
def test_an_unexpected_answer_is_a_failure_too(bot_api, status, body):
    messages, _, _ = create(finished({}), bot_api, status, body)
    assert [m["response"] for m in messages] == ["utter_handover_failed"]


def test_the_gemeente_found_says_whether_the_organisation_is_open_now_or_when_it_opens():
    region = {"id": "apeldoorn", "name": "Noord- en Oost-Gelderland", "organisation": "Rebelz",
              "next_open": {"nl": "dinsdag 9:00", "en": "Tuesday 9:00"}}
    assert region_found({**region, "office_open": True}, "nl")["response"] == "utter_handover_region_found_open"
    closed = region_found({**region, "office_open": False}, "en")
    assert (closed["response"], closed["next_open"], closed["organisation"]) == (
        "utter_handover_region_found_closed", "Tuesday 9:00", "Rebelz")
    # Never open, or a service that does not say: the plain sentence, no made-up time.
    never = {**region, "office_open": False, "next_open": {"nl": "-", "en": "-"}}
    assert region_found(never, "nl")["response"] == "utter_handover_region_found"
    assert region_found({"id": "x", "name": "X", "organisation": "Y"}, "nl")["response"] == (
        "utter_handover_region_found")


def test_the_gemeente_question_tells_the_office_hours_the_service_gives(bot_api):
    bot_api.answer_with("POST", "/internal/v1/regions/resolve", 200, {
        "gemeente": {"code": "GM0200", "name": "Apeldoorn"}, "region": {
            "id": "apeldoorn", "name": "Noord- en Oost-Gelderland", "organisation": "Rebelz",
            "office_open": False, "next_open": {"nl": "dinsdag 9:00", "en": "Tuesday 9:00"}}})
    dispatcher = CollectingDispatcher()

    async def run() -> list[dict]:
        return await ValidateHandoverForm().run(dispatcher, answering("municipality", "Apeldorn"), DOMAIN)

    slots = {e["name"]: e["value"] for e in bot_api.run(run) if e["event"] == "slot"}
    assert slots["municipality"] == "Apeldoorn" and slots["region"] == "apeldoorn"
    assert [(m["response"], m["next_open"]) for m in dispatcher.messages] == [
        ("utter_handover_region_found_closed", "dinsdag 9:00")]
    assert bot_api.requests[0]["body"] == {"municipality": "Apeldorn"}


def test_a_cancelled_form_sends_nothing(bot_api):
    messages, events, received = create(finished({"handover_cancelled": True}), bot_api, 201, created())
    assert received == []
    assert [m["response"] for m in messages] == ["utter_handover_cancelled"]
    assert {e["name"]: e["value"] for e in events}["handover_cancelled"] is None


def test_the_request_never_carries_message_text(bot_api):
    tracker = finished({"handover_consent": True}, CONVERSATION_EVENTS)
    _, _, received = create(tracker, bot_api, 201, created())
    sent = json.dumps(received[0]["body"])
    assert all(event["text"] not in sent for event in CONVERSATION_EVENTS if event["event"] == "user")


# --- too many requests lately (the bot service refuses: 429) ------------------------------------

REFUSED = {"refused": "too_many_handovers",
           "region": {"id": "rotterdam", "name": "Rotterdam", "organisation": "Humanitas PMW",
                      "contact": "010 123 45 67"}}


def test_a_refused_request_says_whom_to_call_and_the_crisis_lines_not_try_again(bot_api):
    messages, _, _ = create(finished({"handover_contact": "chat"}), bot_api, 429, REFUSED)
    assert [m["response"] for m in messages] == ["utter_handover_refused"]
    assert (messages[0]["organisation"], messages[0]["contact"]) == ("Humanitas PMW", "010 123 45 67")


def test_a_refused_request_in_a_region_without_public_contact_names_the_gemeente(bot_api):
    region = {**REFUSED["region"], "contact": ""}
    messages, _, _ = create(finished({}), bot_api, 429, {**REFUSED, "region": region})
    assert [m["response"] for m in messages] == ["utter_handover_refused_gemeente"]


# --- the phone question ---------------------------------------------------------------------------

def ask_phone(bot_api, listening: bool = True) -> list[dict]:
    dispatcher = CollectingDispatcher()

    async def run() -> list[dict]:
        return await ActionAskHandoverPhone().run(dispatcher, answering("handover_phone", "Bellen"), DOMAIN)

    bot_api.run(run, listening=listening)
    return dispatcher.messages


def test_asking_for_the_number_first_tells_the_gateway_to_keep_the_next_message_out_of_rasa(bot_api):
    async def expecting(request: web.Request) -> web.Response:
        return web.Response(status=204)
    bot_api.answer("POST", "/internal/v1/intake/expect-phone", expecting)
    messages = ask_phone(bot_api)
    assert bot_api.requests == [{"path": "/internal/v1/intake/expect-phone",
                                 "auth": f"Bearer {bot_api.token}", "body": {"conversation": CONVERSATION}}]
    assert [m["response"] for m in messages] == ["utter_ask_handover_phone"]


def test_the_number_is_still_asked_for_when_the_service_is_down(bot_api):
    assert [m["response"] for m in ask_phone(bot_api, listening=False)] == ["utter_ask_handover_phone"]


def test_the_phone_question_is_the_forms_own_action_in_the_domain():
    # Rasa asks a form's question with action_ask_<slot> when the domain lists it.
    assert "action_ask_handover_phone" in DOMAIN["actions"]
    assert "handover_phone" in DOMAIN["forms"][FORM]["required_slots"]
