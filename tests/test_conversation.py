"""Whole conversations through the REST channel against the real stack (bot, Rasa, actions)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.content.files import parse_entries, read_content_dir

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = parse_entries(read_content_dir(ROOT / "data" / "content"))


def text_of(key: str, language: str) -> str:
    return ANSWERS[key].variants[language].text


def new_sender() -> str:
    return uuid.uuid4().hex


def test_a_dutch_question_gets_the_dutch_answer_with_a_next_step(stack):
    replies = stack.chat(new_sender(), "ik wil stoppen als zzp, kan ik dan bbz krijgen?")
    assert replies[0]["text"] == text_of("utter_ask_benefits/bbz", "nl")
    assert replies[0]["buttons"], "every answer ends in a next step"


def test_a_user_who_writes_english_from_the_start_gets_english(stack):
    sender = new_sender()
    replies = stack.chat(sender, "hello, I have a lot of debts and I don't know what to do")
    assert replies[0]["text"] == text_of("utter_ask_debt/overview", "en")
    # ...and keeps English for a short message that says nothing about language.
    assert stack.chat(sender, "thanks")[0]["text"] == text_of("utter_thank", "en")


def test_greeting_shows_the_welcome_and_the_language_button_switches(stack):
    sender = new_sender()
    welcome = stack.chat(sender, "/greet")[0]
    assert welcome["text"] == text_of("utter_greet", "nl")
    english = next(b for b in welcome["buttons"] if b["title"] == "English")
    assert stack.chat(sender, english["payload"])[0]["text"] == text_of("utter_language_changed", "en")
    assert stack.chat(sender, "/request_handover")[0]["text"] == text_of("utter_handover_intro", "en")


def test_typing_a_language_switches_it(stack):
    sender = new_sender()
    stack.chat(sender, "hoi")
    assert stack.chat(sender, "kan het in het engels")[0]["text"] == text_of("utter_language_changed", "en")


def test_naming_the_language_you_do_not_speak_switches_to_the_other(stack):
    sender = new_sender()
    stack.chat(sender, "hoi")
    assert stack.chat(sender, "sorry, i don't speak dutch")[0]["text"] == text_of("utter_language_changed", "en")
    assert stack.chat(sender, "ik begrijp geen engels")[0]["text"] == text_of("utter_language_changed", "nl")


@pytest.mark.parametrize("key", sorted(k for k in ANSWERS if "/overview" in k or k.endswith("/what_is")))
def test_every_topic_button_leads_to_its_answer(stack, key):
    """The menu's buttons send canonical questions; each must land on its own answer."""
    assert stack.chat(new_sender(), ANSWERS[key].question["nl"])[0]["text"] == text_of(key, "nl")
    sender = new_sender()
    stack.chat(sender, '/change_language{"language": "en"}')
    assert stack.chat(sender, ANSWERS[key].question["en"])[0]["text"] == text_of(key, "en")


def test_crisis_gets_the_safety_lines_first_then_the_offer_of_a_person(stack):
    replies = stack.chat(new_sender(), "ik zie het echt niet meer zitten, ik wil dood")
    assert replies[0]["text"] == text_of("utter_crisis/suicidal", "nl")
    assert replies[1]["text"] == text_of("utter_crisis_offer_person", "nl")


def test_a_crisis_phrase_inside_another_question_still_brings_the_safety_answer(stack):
    replies = stack.chat(new_sender(), "hoe vraag ik bijstand aan? mijn pooier pakt al mijn geld af")
    texts = [r["text"] for r in replies]
    assert texts[0] == text_of("utter_crisis/trafficking", "nl")


def test_handover_form_finds_the_region_from_a_misspelt_gemeente(stack):
    sender = new_sender()
    replies = stack.chat(sender, "ik wil graag met een hulpverlener praten")
    assert [r["text"] for r in replies] == [text_of("utter_handover_intro", "nl"),
                                            text_of("utter_ask_municipality", "nl")]
    replies = stack.chat(sender, "apeldorn")
    assert "Rebelz" in replies[0]["text"] and "Noord- en Oost-Gelderland" in replies[0]["text"]


def test_handover_form_accepts_rather_not_say(stack):
    sender = new_sender()
    stack.chat(sender, "/request_handover")
    replies = stack.chat(sender, "zeg ik liever niet")
    assert replies[-1]["text"] == text_of("utter_ask_handover_contact", "nl")


def test_crisis_interrupts_the_handover_form(stack):
    sender = new_sender()
    stack.chat(sender, "/request_handover")
    replies = stack.chat(sender, "help hij staat voor de deur en bedreigt me")
    assert replies[0]["text"] == text_of("utter_crisis/danger", "nl")
    # The form is over: a topic question is answered, not taken as a gemeente.
    benefits = {text_of(k, "nl") for k in ANSWERS if k.startswith("utter_ask_benefits/")}
    assert stack.chat(sender, "hoe vraag ik bijstand aan")[0]["text"] in benefits


def test_gibberish_gets_suggestions_or_the_menu_never_silence(stack):
    sender = new_sender()
    for message in ("qwpoeiruty zxmcnvb", "🙂🙂🙂", "<script>alert(1)</script>", "ok?? hmm bla"):
        replies = stack.chat(sender, message)
        assert replies and replies[0]["text"] and replies[0]["buttons"], message


def test_out_of_scope_is_answered_politely_with_the_menu(stack):
    replies = stack.chat(new_sender(), "wie wint de champions league dit jaar")
    assert replies[0]["text"] == text_of("utter_out_of_scope", "nl")


def test_only_our_buttons_may_name_an_intent(stack):
    """A typed "/bot_challenge" reaches Rasa as plain text; a button's "/request_handover" as is."""
    from bot.gateway.pseudonym import conversation_id

    sender = new_sender()
    stack.chat(sender, "/bot_challenge")
    stack.chat(sender, "/request_handover")
    conversation = conversation_id(stack.secret_key, "rest", stack.sender(sender))
    with urllib.request.urlopen(
            f"{stack.rasa_url}/conversations/{conversation}/tracker?token={stack.token}") as response:
        texts = [e["text"] for e in json.loads(response.read())["events"] if e["event"] == "user"]
    # (the fallback may re-add a clarified message, so the second can appear twice)
    assert texts[0] == "bot_challenge" and set(texts[1:]) == {"/request_handover"}


def _status(url: str, data: bytes | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {},
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_rasa_and_the_action_server_refuse_callers_without_the_token(stack):
    body = json.dumps({"sender": "x", "message": "hoi"}).encode()
    json_header = {"Content-Type": "application/json"}
    assert _status(f"{stack.rasa_url}/webhooks/gateway/webhook", body, json_header) == 401
    assert _status(f"{stack.rasa_url}/webhooks/rest/webhook", body, json_header) == 404
    assert _status(f"{stack.rasa_url}/conversations/x/tracker") == 401
    assert _status(f"{stack.actions_url}/webhook", b"{}", json_header) == 401
    assert _status(f"{stack.rasa_url}/conversations/x/tracker?token={stack.token}") == 200


def test_each_internal_boundary_opens_only_with_its_own_token(stack):
    """The gateway channel takes GATEWAY_TOKEN, the action server ACTION_TOKEN, Rasa's HTTP API
    RASA_TOKEN; no token opens another's door."""
    tokens = stack.boundary_tokens
    body = json.dumps({"sender": new_sender(), "message": "hoi"}).encode()

    def bearer(token: str) -> dict:
        return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    channel = f"{stack.rasa_url}/webhooks/gateway/webhook"
    assert _status(channel, body, bearer(tokens["GATEWAY_TOKEN"])) == 200
    for other in (stack.token, tokens["NLG_TOKEN"], tokens["ACTION_TOKEN"], tokens["INTERNAL_TOKEN"]):
        assert _status(channel, body, bearer(other)) == 401
    for other in (tokens["GATEWAY_TOKEN"], tokens["NLG_TOKEN"], tokens["ACTION_TOKEN"]):
        assert _status(f"{stack.rasa_url}/conversations/x/tracker?token={other}") == 401
    call = json.dumps({"next_action": "action_no_such_thing", "tracker": {"sender_id": "x"}}).encode()
    assert _status(f"{stack.actions_url}/webhook", call, bearer(tokens["ACTION_TOKEN"])) == 404
    for other in (stack.token, tokens["NLG_TOKEN"], tokens["INTERNAL_TOKEN"], tokens["GATEWAY_TOKEN"]):
        assert _status(f"{stack.actions_url}/webhook", call, bearer(other)) == 401
    assert _status(f"{stack.actions_url}/webhook?token={tokens['ACTION_TOKEN']}", call,
                   {"Content-Type": "application/json"}) == 401


def test_rasa_never_sees_the_senders_own_id(stack):
    sender = "client-chosen-id-" + new_sender()
    stack.chat(sender, "hoi")
    with urllib.request.urlopen(
            f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.token}") as response:
        events = json.loads(response.read())["events"]
    assert [e for e in events if e["event"] == "user"] == [], "Rasa holds messages under the raw id"


def test_ready_when_rasa_is_up(stack):
    assert _status(f"{stack.base_url}/readyz") == 200


def test_no_log_line_carries_message_text_or_the_sender(stack):
    sender = "sender-" + new_sender()
    marker = "zeldzaamwoord" + new_sender()[:8]
    stack.chat(sender, f"ik heb schulden bij {marker}, wat nu")
    stack.chat(sender, f"Apeldoorn {marker}")
    time.sleep(1)  # let the processes flush
    for name, path in stack.logs.items():
        log = path.read_text(errors="replace")
        assert marker not in log, f"message text in the {name} log"
        assert sender not in log, f"the sender id in the {name} log"
