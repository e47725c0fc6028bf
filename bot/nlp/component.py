"""The shared shape of Wayfinder's Rasa components: nothing to train or store, made from their config."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class StatelessComponent(GraphComponent):
    """A component that is the same at training and at run time: it keeps only its config."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        # Rasa merges the defaults into a trained pipeline's config; a component built directly
        # (tests, tools) gets them here, so they are written once, in get_default_config.
        self._config = {**self.get_default_config(), **(config or {})}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)
