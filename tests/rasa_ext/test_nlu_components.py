"""The NLU post-processing in rasa_ext/ (run with .venv-rasa's pytest, like tests/actions)."""
from __future__ import annotations

import re

import pytest
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.crisis_priority import CrisisPriority
from rasa_ext.language_choice import LanguageChoice
from rasa_ext.retrieval_consistency import RetrievalConsistency

LANGUAGE_WORDS = {"dutch": "nl", "nederlands": "nl", "engels": "en", "english": "en"}


def with_language_entities(text: str) -> Message:
    """A message as the lookup table and synonym mapper leave it: every language word is an entity."""
    entities = [
        {"entity": "language", "value": LANGUAGE_WORDS[m.group(0).lower()], "start": m.start(), "end": m.end()}
        for m in re.finditer("|".join(LANGUAGE_WORDS), text, re.IGNORECASE)
    ]
    return Message(data={"text": text, "entities": entities})


@pytest.mark.parametrize("text, wanted", [
    ("english please", "en"),
    ("in het nederlands aub", "nl"),
    ("i don't speak dutch", "en"),
    ("sorry no dutch", "en"),
    ("ik begrijp geen engels", "nl"),
    ("why is this in english", "nl"),
    ("my dutch is bad, english please", "en"),
    ("mijn nederlands is niet goed, kan het in het engels", "en"),
    ("ik versta het engels niet, nederlands aub", "nl"),
    ("in het engels graag, ik spreek geen nederlands", "en"),
])
def test_language_entity_is_the_language_the_user_asks_for(text: str, wanted: str) -> None:
    message = LanguageChoice({}).process([with_language_entities(text)])[0]
    languages = [e["value"] for e in message.get("entities") if e["entity"] == "language"]
    assert languages == [wanted]


def classified(intent: str, ranking: list[tuple[str, float]]) -> Message:
    return Message(data={
        "text": "...",
        "intent": {"name": intent, "confidence": dict(ranking).get(intent, 0.5)},
        "intent_ranking": [{"name": name, "confidence": c} for name, c in ranking],
    })


def crisis_priority() -> CrisisPriority:
    return CrisisPriority({})


def test_crisis_with_a_real_chance_wins_over_the_top_intent() -> None:
    message = crisis_priority().process([classified("ask_health", [("ask_health", 0.6), ("crisis", 0.3)])])[0]
    assert message.get("intent")["name"] == "crisis"
    assert message.get("intent_ranking")[0]["name"] == "crisis"


def test_crisis_wins_over_the_fallback() -> None:
    ranking = [("nlu_fallback", 0.5), ("ask_social", 0.35), ("crisis", 0.2)]
    message = crisis_priority().process([classified("nlu_fallback", ranking)])[0]
    assert message.get("intent")["name"] == "crisis"


def test_a_faint_crisis_score_changes_nothing() -> None:
    message = crisis_priority().process([classified("ask_benefits", [("ask_benefits", 0.95), ("crisis", 0.01)])])[0]
    assert message.get("intent")["name"] == "ask_benefits"


def selected(intent: str, top: str, ranking: list[str]) -> Message:
    message = classified(intent, [(intent, 0.9)])
    message.set("response_selector", {"default": {
        "response": {"intent_response_key": top, "utter_action": f"utter_{top}", "confidence": 0.8, "responses": []},
        "ranking": [{"intent_response_key": key, "confidence": 0.1} for key in ranking],
    }})
    return message


def test_sub_answer_comes_from_the_predicted_topic() -> None:
    message = selected("crisis", "ask_health/mental", ["ask_health/mental", "ask_social/shame", "crisis/suicidal"])
    RetrievalConsistency({}).process([message])
    response = message.get("response_selector")["default"]["response"]
    assert response["utter_action"] == "utter_crisis/suicidal"
    assert response["intent_response_key"] == "crisis/suicidal"


def test_matching_sub_answer_is_left_alone() -> None:
    message = selected("ask_debt", "ask_debt/bailiff", ["ask_debt/bailiff", "ask_debt/overview"])
    RetrievalConsistency({}).process([message])
    assert message.get("response_selector")["default"]["response"]["utter_action"] == "utter_ask_debt/bailiff"


def test_linear_classifier_survives_saving_and_answers_like_a_response_selector(tmp_path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from rasa_ext.linear_classifier import LinearClassifier

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    examples = [
        ("hoi", "greet", None), ("hallo daar", "greet", None), ("hey", "greet", None),
        ("kan ik bbz krijgen", "ask_benefits", "ask_benefits/bbz"),
        ("bbz als zzp", "ask_benefits", "ask_benefits/bbz"),
        ("bijstand aanvragen", "ask_benefits", "ask_benefits/bijstand"),
        ("hoe vraag ik bijstand aan", "ask_benefits", "ask_benefits/bijstand"),
    ]
    messages = []
    for text, intent, key in examples:
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        messages.append(Message(data=data))
    training = TrainingData(messages)
    tokenizer.process_training_data(training)

    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    context = ExecutionContext(GraphSchema({}), "test")
    LinearClassifier.create({}, storage, resource, context).train(training)
    loaded = LinearClassifier.load({}, storage, resource, context)

    message = tokenizer.process([Message(data={"text": "bbz aanvragen als zzp"})])[0]
    loaded.process([message])
    assert message.get("intent")["name"] == "ask_benefits"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_benefits", "greet"]
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["ask_benefits"]
    assert selector["default"]["response"]["utter_action"] == "utter_ask_benefits/bbz"
