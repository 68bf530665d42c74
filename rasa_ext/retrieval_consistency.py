"""Keeps the sub-answer inside the topic the intent classifier finally chose.

The sub-answers of every topic are ranked together, and Rasa's `utter_<intent>` action takes the
top one without checking its topic; after the crisis decision or a close call, "crisis" could be
answered with a health answer. This picks the best-ranked answer *of the predicted intent*.
Runs last in the pipeline.
"""
from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.stateless_component import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RetrievalConsistency(StatelessComponent, IntentClassifier):
    """Re-selects the sub-answer among those belonging to the predicted intent."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            selector = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(RESPONSE_SELECTOR_DEFAULT_INTENT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not selector or not intent:
                continue
            prediction = selector[RESPONSE_SELECTOR_PREDICTION_KEY]
            if str(prediction.get(INTENT_RESPONSE_KEY, "")).startswith(f"{intent}/"):
                continue
            # The ranking lists every sub-answer, best first (rasa_ext/linear_classifier.py).
            best = next(
                (entry for entry in selector.get(RESPONSE_SELECTOR_RANKING_KEY, [])
                 if str(entry.get(INTENT_RESPONSE_KEY, "")).startswith(f"{intent}/")),
                None,
            )
            if best is None:
                continue  # not a retrieval intent: the selector's answer is never used
            key = best[INTENT_RESPONSE_KEY]
            prediction[INTENT_RESPONSE_KEY] = key
            prediction[PREDICTED_CONFIDENCE_KEY] = best.get(PREDICTED_CONFIDENCE_KEY, 0.0)
            prediction[RESPONSE_SELECTOR_UTTER_ACTION_KEY] = f"utter_{key}"
            # The texts come from the NLG endpoint by response name; Rasa's own copies are placeholders.
            prediction[RESPONSE_SELECTOR_RESPONSES_KEY] = []
        return messages
