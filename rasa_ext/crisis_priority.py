"""Puts `crisis` first whenever the classifier gives it a real chance, not only when it wins.

Missing a cry for help costs far more than showing the safety lines once too often, so the
decision is deliberately lopsided. Runs after the FallbackClassifier: a crisis also overrides
`nlu_fallback`. Never logs message text.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

CRISIS_INTENT = "crisis"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisPriority(GraphComponent, IntentClassifier):
    """Predicts `crisis` when its confidence reaches `threshold`, whatever ranks above it."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # bench/nlu_eval.py prints how many messages of other intents this threshold turns into crisis.
        return {"threshold": 0.2}

    def __init__(self, config: dict[str, Any]) -> None:
        self._threshold = float(config["threshold"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisPriority:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            crisis = next((entry for entry in ranking if entry.get(INTENT_NAME_KEY) == CRISIS_INTENT), None)
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if crisis is None or current == CRISIS_INTENT:
                continue
            if crisis.get(PREDICTED_CONFIDENCE_KEY, 0.0) < self._threshold:
                continue
            message.set(INTENT, dict(crisis), add_to_output=True)
            ranking.remove(crisis)
            ranking.insert(0, crisis)
        return messages
