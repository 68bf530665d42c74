"""The answers in data/content/: complete in both languages, valid, and wired to the NLU data."""
from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.content.files import parse_entries, read_content_dir
from bot.content.schema import LANGUAGES, MAX_TEXT_CHARS, ContentError
from bot.content.store import ContentStore, REQUIRED_KEYS

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "data" / "content"
CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_capabilities",
    "ask_exit_program", "ask_benefits", "ask_housing", "ask_debt", "ask_work", "ask_education",
    "ask_health", "ask_stop_business", "ask_social", "request_handover", "crisis", "ask_privacy", "want_to_stop", "ask_helpline",
    "forget_me", "change_language", "out_of_scope",
}


def nlu_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block:
                lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
                examples.setdefault(block["intent"], []).extend(lines)
    return examples


@pytest.fixture(scope="module")
def answers():
    return parse_entries(read_content_dir(CONTENT))


def test_every_answer_has_dutch_and_english_text_within_bubble_length(answers):
    for answer in answers.values():
        for language in LANGUAGES:
            text = answer.variants[language].text
            assert text.strip(), f"{answer.key} has no {language} text"
            assert len(text) <= MAX_TEXT_CHARS, f"{answer.key} ({language}) is too long"


def test_dutch_and_english_texts_differ(answers):
    # A copy-pasted text in the wrong language would serve English users Dutch. A text that is
    # only placeholders has no words to get wrong (utter_check_list_continued).
    for answer in answers.values():
        if not re.sub(r"\{\w+\}", "", answer.variants["nl"].text).strip():
            continue
        assert answer.variants["nl"].text != answer.variants["en"].text, answer.key


def test_every_answer_names_its_source_and_the_year_it_was_checked_for(answers):
    this_year = date.today().year
    for answer in answers.values():
        assert answer.source, f"{answer.key} has no source"
        assert isinstance(answer.valid_for, int) and answer.valid_for <= this_year, \
            f"{answer.key} does not name a year it was checked for"
    assert len({answer.valid_for for answer in answers.values()}) == 1, "the answers are checked for one year"


def test_required_answers_exist(answers):
    assert not [key for key in REQUIRED_KEYS if key not in answers]


# The modules that render fixed answers themselves (not through Rasa).
ANSWERING_MODULES = ("bot/gateway/gateway.py", "bot/handover/turns.py", "bot/handover/escalation.py",
                     "bot/staff/inbox.py", "bot/content/nlg.py")


def test_required_answers_list_every_answer_the_code_names():
    """A key the code renders but REQUIRED_KEYS lacks would be found missing only when a user
    reaches that turn; listed, content without it is refused when it is imported."""
    named = set()
    for module in ANSWERING_MODULES:
        source = (ROOT / module).read_text(encoding="utf-8")
        keys = set(re.findall(r'"(utter_[a-z0-9_/]+)"', source))
        named |= {key for key in keys if not key.endswith(("/", "_"))}
        # A family by its prefix (f"utter_status_waiting_{key}", "utter_crisis/"): some members required.
        prefixes = set(re.findall(r'f"(utter_[a-z0-9_/]*)\{', source)) | (keys - named)
        for prefix in prefixes:
            assert any(key.startswith(prefix) for key in REQUIRED_KEYS), prefix
    assert named - set(REQUIRED_KEYS) == set()


def test_every_nlu_subtopic_has_an_answer_and_every_answer_a_subtopic(answers):
    subtopics = {intent for intent in nlu_examples() if "/" in intent}
    answered = {a.topic for a in answers.values() if "/" in a.key}
    assert subtopics - answered == set(), "subtopics without an answer"
    assert answered - subtopics == set(), "answers that no message can reach"


def test_every_contract_intent_is_trained_with_many_examples():
    per_intent: dict[str, int] = {}
    for intent, lines in nlu_examples().items():
        top = intent.split("/")[0]
        per_intent[top] = per_intent.get(top, 0) + len(lines)
    assert set(per_intent) == CONTRACT_INTENTS
    # At least 60 per language per intent; the crisis intent and the big topics have more.
    thin = {intent: n for intent, n in per_intent.items() if n < 120}
    assert thin == {}


def test_button_questions_are_training_examples_of_their_subtopic(answers):
    """A button sends its target's canonical question; the model must have learnt it as that topic."""
    examples = {intent: {line.lower() for line in lines} for intent, lines in nlu_examples().items()}
    for answer in answers.values():
        for language, question in answer.question.items():
            assert question.lower() in examples[answer.topic], (
                f"{answer.key}: question.{language} '{question}' is not an example of {answer.topic}")


def test_crisis_answers_give_112_and_the_specific_line(answers):
    expected = {"danger": "112", "suicidal": "0800-0113", "trafficking": "033 448 11 86",
                "violence": "0800-2000"}
    for category, number in expected.items():
        for language in LANGUAGES:
            text = answers[f"utter_crisis/{category}"].variants[language].text
            assert number in text and "112" in text, (category, language)


def test_the_service_unavailable_message_carries_every_safety_line(answers):
    for language in LANGUAGES:
        text = answers["utter_service_unavailable"].variants[language].text
        for number in ("112", "113", "0800-2000", "033 448 11 86"):
            assert number in text


def _broken_copy(tmp_path: Path, file_name: str, mutate) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    data = yaml.safe_load((target / file_name).read_text())
    mutate(data)
    (target / file_name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return target


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["utter_thank"]["en"].update(text=""), "utter_thank (en): the text is empty"),
    (lambda d: d["utter_thank"].pop("en"), "utter_thank: the en text is missing"),
    (lambda d: d["utter_thank"]["nl"].update(text="x" * 501), "at most 500"),
    (lambda d: d["utter_thank"]["nl"].update(text="Hoi {name}"), "unknown placeholder {name}"),
    (lambda d: [d["utter_thank"][lang]["buttons"][0].update(target="ask_weather/today")
                for lang in ("nl", "en")], "button target 'ask_weather/today' is not a topic"),
    (lambda d: d["utter_thank"]["en"]["buttons"].reverse(), "same buttons in the same order"),
    (lambda d: d["utter_thank"]["nl"].update(text="<b>Hoi</b>"), "no HTML"),
])
def test_invalid_content_is_refused_naming_file_key_and_problem(tmp_path, mutate, message):
    directory = _broken_copy(tmp_path, "welcome.yml", mutate)
    with pytest.raises(ContentError) as error:
        ContentStore().replace(parse_entries(read_content_dir(directory)))
    assert message in str(error.value)
    assert str(error.value).startswith("welcome.yml: utter_thank")


def test_a_reply_button_sends_its_text_and_that_text_is_a_whitelisted_payload(answers):
    store = ContentStore()
    store.replace(answers)
    question = answers["utter_ask_handover_contact"]
    for language in LANGUAGES:
        for button in question.variants[language].buttons:
            assert button.reply and store.payload(button, language) == button.reply
            # The gateway lets whitelisted payloads through as they are, never as an intent.
            assert button.reply in store.button_payloads() and not button.reply.startswith("/")
    assert store.payload(question.variants["nl"].buttons[1], "nl") == "Bellen"


@pytest.mark.parametrize("button, message", [
    ({"title": "Bellen", "reply": "Bellen", "target": "request_handover"}, "has both a target and a reply"),
    ({"title": "Bellen", "reply": "/request_handover"}, "must not start with /"),
    ({"title": "Bellen"}, "needs a title and a target or a reply"),
])
def test_a_button_has_exactly_one_of_target_and_reply(tmp_path, button, message):
    directory = _broken_copy(tmp_path, "welcome.yml",
                             lambda d: [d["utter_thank"][lang]["buttons"].append(dict(button))
                                        for lang in ("nl", "en")])
    with pytest.raises(ContentError) as error:
        parse_entries(read_content_dir(directory))
    assert message in str(error.value)


def test_reply_buttons_must_stand_where_the_other_language_has_them(tmp_path):
    def mutate(d):
        d["utter_thank"]["nl"]["buttons"].append({"title": "Overslaan", "reply": "Overslaan"})
        d["utter_thank"]["en"]["buttons"].append({"title": "Menu", "target": "ask_capabilities"})
    with pytest.raises(ContentError, match="same buttons in the same order"):
        parse_entries(read_content_dir(_broken_copy(tmp_path, "welcome.yml", mutate)))


def test_a_check_button_sends_its_intent_with_the_check_and_only_known_checks_pass():
    from bot.content.schema import ContentError, parse_answer
    from bot.content.store import ContentStore
    raw = {"nl": {"text": "Hoi", "buttons": [{"title": "Inkomenscheck", "target": "ask_benefits", "check": "income"}]},
           "en": {"text": "Hi", "buttons": [{"title": "Income check", "target": "ask_benefits", "check": "income"}]}}
    answer = parse_answer("utter_x", raw)
    assert ContentStore().payload(answer.variants["nl"].buttons[0], "nl") == '/ask_benefits{"check": "income"}'
    raw["nl"]["buttons"][0]["check"] = raw["en"]["buttons"][0]["check"] = "horoscope"
    with pytest.raises(ContentError, match="check must be one of debt, housing, income, scan, stopping"):
        parse_answer("utter_x", raw)
