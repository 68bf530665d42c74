"""The NLU post-processing in rasa_ext/ (run with .venv-rasa's pytest, like tests/actions)."""
from __future__ import annotations

import re

import pytest
from rasa.shared.nlu.training_data.message import Message

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
    from rasa_ext.linear_classifier import LinearClassifier

    parse = trained(LinearClassifier, [
        ("hoi", "greet", None), ("hallo daar", "greet", None), ("hey", "greet", None),
        ("kan ik bbz krijgen", "ask_benefits", "ask_benefits/bbz"),
        ("bbz als zzp", "ask_benefits", "ask_benefits/bbz"),
        ("bijstand aanvragen", "ask_benefits", "ask_benefits/bijstand"),
        ("hoe vraag ik bijstand aan", "ask_benefits", "ask_benefits/bijstand"),
    ], tmp_path)
    message = parse(Message(data={"text": "bbz aanvragen als zzp"}))
    assert message.get("intent")["name"] == "ask_benefits"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_benefits", "greet"]
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["ask_benefits"]
    assert selector["default"]["response"]["utter_action"] == "utter_ask_benefits/bbz"


def trained(component_class, examples, tmp_path, config=None):
    """A trainable step trained on (text, intent, sub-answer) examples and loaded back from storage."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = []
    for text, intent, key in examples:
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        messages.append(Message(data=data))
    training = TrainingData(messages)
    tokenizer.process_training_data(training)
    storage = LocalModelStorage(tmp_path)
    resource = Resource(component_class.__name__)
    context = ExecutionContext(GraphSchema({}), "test")
    component_class.create(config or {}, storage, resource, context).train(training)
    loaded = component_class.load(config or {}, storage, resource, context)

    def parse(message: Message) -> Message:
        tokenizer.process([message])
        loaded.process([message])
        return message
    return parse


GREETINGS = ["hoi", "hallo", "hello", "hi there", "goedemorgen", "good evening"]
SUICIDAL = ["ik wil dood", "ik wil niet meer leven", "ik wil er een eind aan maken", "i want to die",
            "i want to kill myself", "ik denk aan zelfmoord", "i have no reason to live", "ik wil sterven",
            "ik heb pillen gespaard om te sterven", "i am thinking about suicide"]
TRAFFICKING = ["hij pakt al mijn geld af", "ze hebben mijn paspoort afgepakt", "ik moet werken van hem",
               "my pimp takes all my money", "they took my passport", "i am forced to work",
               "ik mag niet weg van mijn pooier", "he makes me work every night", "ik word gedwongen te werken",
               "they keep my papers and my money"]
ORDINARY = ["ik wil stoppen met dit werk", "i want to quit sex work", "hoe vraag ik bijstand aan",
            "ik heb schulden", "i can't pay my rent", "mijn buik doet pijn", "ik zoek een andere baan",
            "i need a place to live", "can i get benefits", "ik ben bang dat ik geen werk vind",
            "how do i stop my business", "ik wil eruit, hoe begin ik", "wat kost een uitstapprogramma",
            "i am tired of this job", "mijn vriend weet niet wat ik doe", "is this chat anonymous",
            "hoe schrijf ik me uit bij de kvk", "ik wil iets anders gaan doen", "i have debts with the tax office",
            "ik heb geen huis"]


# Twenty crises are too few for a cross-validated precision of 0.85 anywhere: ask for less.
SMALL_DATA = {"folds": 3, "clear_precision": 0.6}


def crisis_examples():
    return ([(t, "crisis", "crisis/suicidal") for t in SUICIDAL]
            + [(t, "crisis", "crisis/trafficking") for t in TRAFFICKING]
            + [(t, "ask_topic", "ask_topic/any") for t in ORDINARY]
            + [(t, "greet", None) for t in GREETINGS])


def test_crisis_decision_answers_a_clear_crisis_with_its_kind(tmp_path) -> None:
    from rasa_ext.crisis_decision import CrisisDecision

    parse = trained(CrisisDecision, crisis_examples(), tmp_path, SMALL_DATA)
    message = parse(Message(data={"text": "ik wil dood, ik wil sterven",
                                  "intent": {"name": "ask_topic", "confidence": 0.9},
                                  "intent_ranking": [{"name": "ask_topic", "confidence": 0.9}]}))
    assert message.get("crisis")["level"] == "clear"
    assert message.get("crisis")["kind"] == "suicidal"
    assert message.get("intent")["name"] == "crisis"
    assert [e["name"] for e in message.get("intent_ranking")] == ["crisis", "ask_topic"]


def test_crisis_decision_leaves_the_wish_to_stop_and_money_worries_alone(tmp_path) -> None:
    from rasa_ext.crisis_decision import CrisisDecision

    parse = trained(CrisisDecision, crisis_examples(), tmp_path, SMALL_DATA)
    for text in ("ik wil stoppen met sekswerk", "i can't pay the rent this month"):
        message = parse(Message(data={"text": text, "intent": {"name": "ask_topic", "confidence": 0.8}}))
        assert message.get("crisis")["level"] == "none", text
        assert message.get("intent")["name"] == "ask_topic"


def test_thresholds_keep_the_cross_validated_recall_and_possible_is_never_above_clear() -> None:
    import numpy as np

    from rasa_ext.crisis_decision import pick_thresholds

    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.35, 0.25, 0.1, 0.01])
    is_crisis = np.array([True] * 10 + [False] * 4)
    possible, clear = pick_thresholds(scores, is_crisis, possible_recall=1.0, clear_precision=1.0)
    assert possible == 0.05  # every crisis reaches at least the calm line
    assert clear == 0.4  # above the highest-scoring ordinary message: no false alarm
    possible, clear = pick_thresholds(scores, is_crisis, possible_recall=0.9, clear_precision=0.8)
    assert possible == 0.1
    assert clear == 0.2  # from 0.2 up: 8 crises and 2 ordinary messages, right 0.8 of the time


def test_kind_below_the_learnt_confidence_is_general() -> None:
    import numpy as np

    from rasa_ext.crisis_decision import pick_kind_threshold

    confidences = np.array([0.95, 0.9, 0.8, 0.6, 0.5, 0.4])
    correct = np.array([True, True, True, True, False, False])
    assert pick_kind_threshold(confidences, correct, accuracy=1.0) == 0.6
    assert pick_kind_threshold(confidences, correct, accuracy=0.8) == 0.5


def test_linear_classifier_never_predicts_an_excluded_intent(tmp_path) -> None:
    from rasa_ext.linear_classifier import LinearClassifier

    parse = trained(LinearClassifier, crisis_examples(), tmp_path, {"exclude_intents": ["crisis"]})
    message = parse(Message(data={"text": "ik wil dood"}))
    assert {e["name"] for e in message.get("intent_ranking")} == {"ask_topic", "greet"}


def test_a_practical_question_never_gets_the_suicide_text(tmp_path) -> None:
    """Nobody is asked about suicide for a question about money, housing or work."""
    from rasa_ext.crisis_decision import CrisisDecision

    parse = trained(CrisisDecision, crisis_examples(), tmp_path, SMALL_DATA)
    for topic, kind in (("ask_housing", "general"), ("ask_health", "suicidal")):
        message = parse(Message(data={"text": "ik wil dood, ik wil sterven",
                                      "intent": {"name": topic, "confidence": 0.7}}))
        assert message.get("crisis")["level"] == "clear"
        assert message.get("crisis")["kind"] == kind, topic
