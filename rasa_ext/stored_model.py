"""Base of the pipeline steps that train a scikit-learn model and keep it in Rasa's model storage.

Holds the plumbing (create, load, save, retrain when the step's own code changes); the steps
themselves say what they train and how they use it. Never logs message text.
"""
from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

MODEL_FILE = "model.joblib"


class StoredModel(GraphComponent):
    """A GraphComponent whose trained state is one joblib file."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa reuses a trained step while its config and data are unchanged; a change to the
        # step's code (or to this file) must retrain it too.
        sources = [Path(inspect.getfile(cls)), Path(__file__)]
        return hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        trained: dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._trained = trained

    @property
    def trained(self) -> dict[str, Any]:
        """What training learnt (or loading read back); asking before either is a bug."""
        if self._trained is None:
            raise RuntimeError(f"{type(self).__name__} is neither trained nor loaded")
        return self._trained

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StoredModel:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> StoredModel:
        with model_storage.read_from(resource) as directory:
            trained = joblib.load(directory / MODEL_FILE)
        return cls(config, model_storage, resource, trained)

    def _save(self, trained: dict[str, Any]) -> Resource:
        self._trained = trained
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(trained, directory / MODEL_FILE)
        return self._resource
