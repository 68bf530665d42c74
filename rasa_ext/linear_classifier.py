"""Intent and sub-answer classification with scikit-learn: TF-IDF n-grams, logistic regression.

Replaces DIET and the ResponseSelector. On this data a linear model over character 2–5-grams
(typos, compounds, mixed languages) and word 1–2-grams of the tokenizer's lemmas generalises
better to messages nobody wrote for training, and trains in seconds instead of a quarter of an
hour (figures in bench/nlu_eval.py and the operator guide). Its output has the shape of Rasa's
own classifier and ResponseSelector, so Rasa's retrieval actions and `rasa test` use it unchanged.
Never logs message text.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
    TOKENS_NAMES,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from rasa_ext.stored_model import StoredModel


class NgramFeatures:
    """Character n-grams of the text and word n-grams of its lemmas, TF-IDF weighted."""

    def __init__(self, char_ngrams: tuple[int, int], word_ngrams: tuple[int, int]) -> None:
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True)
        # Lemmas arrive joined by spaces; every token (also "?" or "112") is a word.
        self.words = TfidfVectorizer(ngram_range=word_ngrams, sublinear_tf=True,
                                     token_pattern=r"\S+")  # noqa: S106 (a regular expression, no password)

    def fit_transform(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        texts, lemmas = _texts(messages)
        return scipy.sparse.hstack([self.chars.fit_transform(texts), self.words.fit_transform(lemmas)]).tocsr()

    def transform(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        texts, lemmas = _texts(messages)
        return scipy.sparse.hstack([self.chars.transform(texts), self.words.transform(lemmas)]).tocsr()


# The features and regularisation both classifiers (this one and rasa_ext/crisis_decision.py) start from.
NGRAM_DEFAULTS: dict[str, Any] = {
    "char_ngrams": [2, 5],
    "word_ngrams": [1, 2],
    # Weak regularisation: the examples are short and each one carries few n-grams.
    "C": 30.0,
}


def _texts(messages: list[Message]) -> tuple[list[str], list[str]]:
    texts = [(m.get(TEXT) or "").lower() for m in messages]
    lemmas = [" ".join((t.lemma or t.text).lower() for t in (m.get(TOKENS_NAMES[TEXT]) or [])) for m in messages]
    return texts, lemmas


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearClassifier(StoredModel, IntentClassifier):
    """Predicts the intent, and for retrieval intents ranks the sub-answers like a ResponseSelector."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **NGRAM_DEFAULTS,
            "max_iter": 1000,
            # Intents another step decides (crisis: rasa_ext/crisis_decision.py); never predicted here.
            "exclude_intents": [],
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def _new_model(self) -> OneVsRestClassifier:
        # liblinear, one-vs-rest, fits in seconds where multinomial lbfgs took minutes on this many
        # n-grams, with the same held-out accuracy.
        return OneVsRestClassifier(LogisticRegression(
            C=self._config["C"], solver="liblinear", max_iter=self._config["max_iter"], random_state=1
        ))

    def train(self, training_data: TrainingData) -> Resource:
        excluded = set(self._config["exclude_intents"])
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(INTENT) not in excluded]
        features = NgramFeatures(tuple(self._config["char_ngrams"]), tuple(self._config["word_ngrams"]))
        x = features.fit_transform(examples)
        intents = self._new_model().fit(x, [m.get(INTENT) for m in examples])
        answer_rows = [i for i, m in enumerate(examples) if m.get(INTENT_RESPONSE_KEY)]
        answers = None
        if len({examples[i].get(INTENT_RESPONSE_KEY) for i in answer_rows}) >= 2:
            answers = self._new_model().fit(x[answer_rows], [examples[i].get(INTENT_RESPONSE_KEY) for i in answer_rows])
        return self._save({
            "features": features,
            "intents": intents,
            "answers": answers,
            "retrieval_intents": sorted(training_data.retrieval_intents),
        })

    def process(self, messages: list[Message]) -> list[Message]:
        if not self._trained or not messages:
            return messages
        x = self._trained["features"].transform(messages)
        intent_model: OneVsRestClassifier = self._trained["intents"]
        intent_probabilities = intent_model.predict_proba(x)
        answer_model: OneVsRestClassifier | None = self._trained["answers"]
        answer_probabilities = answer_model.predict_proba(x) if answer_model is not None else None
        for row, message in enumerate(messages):
            ranking = _ranking(intent_model.classes_, intent_probabilities[row])
            message.set(INTENT, {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]},
                        add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking],
                add_to_output=True,
            )
            if answer_model is not None and answer_probabilities is not None:
                self._set_answer(message, _ranking(answer_model.classes_, answer_probabilities[row]))
        return messages

    def _set_answer(self, message: Message, ranking: list[tuple[str, float]]) -> None:
        """The sub-answers, best first, in the ResponseSelector's output format."""
        key, confidence = ranking[0]
        message.set(
            RESPONSE_SELECTOR_PROPERTY_NAME,
            {
                RESPONSE_SELECTOR_RETRIEVAL_INTENTS: self.trained["retrieval_intents"],
                RESPONSE_SELECTOR_DEFAULT_INTENT: {
                    RESPONSE_SELECTOR_PREDICTION_KEY: {
                        # The texts come from the NLG endpoint by response name.
                        RESPONSE_SELECTOR_RESPONSES_KEY: [],
                        PREDICTED_CONFIDENCE_KEY: confidence,
                        INTENT_RESPONSE_KEY: key,
                        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
                    },
                    RESPONSE_SELECTOR_RANKING_KEY: [
                        {"id": index, INTENT_RESPONSE_KEY: name, PREDICTED_CONFIDENCE_KEY: value}
                        for index, (name, value) in enumerate(ranking)
                    ],
                },
            },
            add_to_output=True,
        )


def _ranking(classes: np.ndarray, probabilities: np.ndarray) -> list[tuple[str, float]]:
    order = np.argsort(-probabilities)
    return [(str(classes[i]), float(probabilities[i])) for i in order]
