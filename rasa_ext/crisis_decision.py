"""Decides, apart from the topic, whether a message is a crisis, how sure that is, and of which kind.

Two models over the same n-gram features: crisis or not (every non-crisis example, the hard
negatives in data/nlu/not_crisis.yml included, is a negative), and the kind of a crisis. The
thresholds are not set by hand: training predicts every example with models that never saw it
(cross-validation) and picks them from those predictions, so they hold for unseen messages.
- clear (p >= clear): the intent becomes `crisis` and the answer `crisis/<kind>`; `crisis/general`
  when the kind model is unsure, so nobody gets the suicide text for an unclear crisis.
- possible (p >= possible): the topic stays; the parse says so and the user gets one calm line.
- none: the topic stays.
The decision travels in the parse data as `crisis` ({level, kind, confidence}). Never logs text.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from rasa_ext.linear_classifier import NGRAM_DEFAULTS, NgramFeatures
from rasa_ext.stored_model import StoredModel

CRISIS_INTENT = "crisis"
GENERAL_KIND = "general"
SUICIDAL_KIND = "suicidal"
# A rule of the design: nobody is asked about suicide for a question about money, housing or work. When the
# topic classifier reads such a question in the message (it passed the fallback), a crisis the
# model calls suicidal gets the general safety answer, which names 113 too. (Health and social
# topics are left out: "ik denk aan zelfmoord" also reads as mental health.)
PRACTICAL_TOPICS = frozenset({"want_to_stop", "ask_benefits", "ask_housing", "ask_debt", "ask_work",
                              "ask_education", "ask_stop_business", "ask_exit_program", "ask_helpline"})
# The key of the decision in the parse data (the NLG endpoint and the evaluation read it).
DECISION_KEY = "crisis"


def pick_thresholds(probabilities: np.ndarray, is_crisis: np.ndarray, possible_recall: float,
                    clear_precision: float) -> tuple[float, float]:
    """Thresholds from cross-validated predictions. `possible` keeps nearly every crisis above it
    (it only adds a calm line); `clear` is the lowest score at which the safety answer is right
    at least `clear_precision` of the time, so an ordinary message seldom gets one."""
    crisis_scores = np.sort(probabilities[is_crisis])
    below = int(round((1.0 - possible_recall) * len(crisis_scores)))
    possible = float(crisis_scores[min(below, len(crisis_scores) - 1)])
    candidates = np.unique(probabilities[probabilities >= possible])
    clear = next((float(t) for t in candidates
                  if is_crisis[probabilities >= t].mean() >= clear_precision), 1.0)
    return possible, max(possible, clear)


def pick_kind_threshold(confidences: np.ndarray, correct: np.ndarray, accuracy: float) -> float:
    """The lowest kind confidence above which the cross-validated kind is right often enough;
    below it the general safety answer is shown."""
    order = np.argsort(-confidences)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    good = np.nonzero(running >= accuracy)[0]
    return float(confidences[order][good[-1]]) if len(good) else 1.0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CrisisDecision(StoredModel, IntentClassifier):
    """Sets `crisis` (clear / possible / none, with its kind) and, when clear, the crisis intent."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **NGRAM_DEFAULTS,
            # Targets the two thresholds are chosen for, on cross-validated predictions: nearly
            # every crisis at least gets the calm line; a safety answer is right this often.
            "possible_recall": 0.99,
            "clear_precision": 0.85,
            # The kind shown must be right this often; below that confidence: the general answer.
            "kind_accuracy": 0.97,
            "folds": 5,
        }

    def _model(self, balanced: bool) -> LogisticRegression:
        return LogisticRegression(C=self._config["C"], solver="liblinear", max_iter=2000,
                                  class_weight="balanced" if balanced else None, random_state=1)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT)]
        features = NgramFeatures(tuple(self._config["char_ngrams"]), tuple(self._config["word_ngrams"]))
        x = features.fit_transform(examples)
        is_crisis = np.array([m.get(INTENT) == CRISIS_INTENT for m in examples])
        folds = StratifiedKFold(self._config["folds"], shuffle=True, random_state=1)
        crisis_model = self._model(balanced=True)
        held_out = cross_val_predict(crisis_model, x, is_crisis, cv=folds, method="predict_proba")[:, 1]
        possible, clear = pick_thresholds(held_out, is_crisis, self._config["possible_recall"],
                                          self._config["clear_precision"])
        crisis_rows = np.nonzero(is_crisis)[0]
        kinds = np.array([str(examples[i].get(INTENT_RESPONSE_KEY)).split("/", 1)[-1] for i in crisis_rows])
        kind_model = self._model(balanced=False)
        kind_held_out = cross_val_predict(kind_model, x[crisis_rows], kinds, cv=folds, method="predict_proba")
        labels = np.unique(kinds)
        kind_threshold = pick_kind_threshold(kind_held_out.max(axis=1),
                                             labels[kind_held_out.argmax(axis=1)] == kinds,
                                             self._config["kind_accuracy"])
        kind_confident = kind_held_out.max(axis=1) >= kind_threshold
        return self._save({
            "features": features,
            "crisis": crisis_model.fit(x, is_crisis),
            "kinds": kind_model.fit(x[crisis_rows], kinds),
            "possible": possible,
            "clear": clear,
            "kind_threshold": kind_threshold,
            # What the thresholds give on the cross-validated predictions (make eval prints it).
            "cross_validated": {
                "crisis_recall_clear": float((held_out[is_crisis] >= clear).mean()),
                "crisis_recall_possible": float((held_out[is_crisis] >= possible).mean()),
                "false_alarm_clear": float((held_out[~is_crisis] >= clear).mean()),
                "calm_line_rate": float(((held_out[~is_crisis] >= possible) & (held_out[~is_crisis] < clear)).mean()),
                "kind_accuracy": float((labels[kind_held_out.argmax(axis=1)] == kinds)[kind_confident].mean()),
                "general_share": float(1.0 - kind_confident.mean()),
            },
        })

    @property
    def summary(self) -> dict[str, Any]:
        """The learnt thresholds and their cross-validated figures."""
        return {k: self.trained[k] for k in ("possible", "clear", "kind_threshold", "cross_validated")}

    def process(self, messages: list[Message]) -> list[Message]:
        if not self._trained or not messages:
            return messages
        x = self._trained["features"].transform(messages)
        crisis_model: LogisticRegression = self._trained["crisis"]
        probabilities = crisis_model.predict_proba(x)[:, list(crisis_model.classes_).index(True)]
        kind_model: LogisticRegression = self._trained["kinds"]
        kind_probabilities = kind_model.predict_proba(x)
        for row, message in enumerate(messages):
            p = float(probabilities[row])
            best = int(np.argmax(kind_probabilities[row]))
            kind = str(kind_model.classes_[best])
            if kind_probabilities[row][best] < self._trained["kind_threshold"]:
                kind = GENERAL_KIND
            topic = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if kind == SUICIDAL_KIND and topic in PRACTICAL_TOPICS:
                kind = GENERAL_KIND
            level = ("clear" if p >= self._trained["clear"]
                     else "possible" if p >= self._trained["possible"] else "none")
            message.set(DECISION_KEY, {"level": level, "kind": kind if level != "none" else None,
                                       "confidence": round(p, 3)}, add_to_output=True)
            if level == "clear":
                _choose_crisis(message, kind, p)
        return messages


def _choose_crisis(message: Message, kind: str, confidence: float) -> None:
    """Makes `crisis` the intent and `crisis/<kind>` the answer, the topic staying second."""
    entry = {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, dict(entry), add_to_output=True)
    ranking = [e for e in (message.get(INTENT_RANKING_KEY) or []) if e.get(INTENT_NAME_KEY) != CRISIS_INTENT]
    message.set(INTENT_RANKING_KEY, [entry] + ranking, add_to_output=True)
    selector = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(RESPONSE_SELECTOR_DEFAULT_INTENT)
    if not selector:
        return
    key = f"{CRISIS_INTENT}/{kind}"
    selector[RESPONSE_SELECTOR_PREDICTION_KEY] = {
        # The texts come from the NLG endpoint by response name.
        RESPONSE_SELECTOR_RESPONSES_KEY: [],
        PREDICTED_CONFIDENCE_KEY: confidence,
        INTENT_RESPONSE_KEY: key,
        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
    }
    selector[RESPONSE_SELECTOR_RANKING_KEY] = [
        {"id": -1, INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: confidence}
    ] + list(selector.get(RESPONSE_SELECTOR_RANKING_KEY) or [])
