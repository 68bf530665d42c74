"""Puts `crisis` first whenever the classifier gives it a real chance, not only when it wins.

Missing a cry for help costs far more than showing the safety lines once too often, so the
decision is deliberately lopsided. Runs after the FallbackClassifier: a crisis also overrides
`nlu_fallback`. Never logs message text.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.stateless_component import StatelessComponent

CRISIS_INTENT = "crisis"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisPriority(StatelessComponent, IntentClassifier):
    """Predicts `crisis` when its confidence reaches `threshold`, whatever ranks above it."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # What it costs shows as crisis precision in `make eval`: at 0.2, cross-validated crisis
        # recall rises from 0.92 to 0.96 while precision falls from 0.76 to 0.65.
        return {"threshold": 0.2}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            crisis = next((entry for entry in ranking if entry.get(INTENT_NAME_KEY) == CRISIS_INTENT), None)
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if crisis is None or current == CRISIS_INTENT:
                continue
            if crisis.get(PREDICTED_CONFIDENCE_KEY, 0.0) < float(self._config["threshold"]):
                continue
            message.set(INTENT, dict(crisis), add_to_output=True)
            ranking.remove(crisis)
            ranking.insert(0, crisis)
        return messages
