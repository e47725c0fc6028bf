"""bot.rasa_run.load_models_without_a_training_step: the trained DIET and TED load as Rasa loads them.

The model is the one `make train` built (as `make test` runs it). It is loaded twice: with
Rasa's own `RasaModel.load` (one training step traced and run, then the saved weights) and
with the change. Both must hold the same weights, value for value, and understand messages
alike to the last digit. The dialogue tests then hold whole conversations with the agent
loaded the changed way (tests/dialogue/harness.py applies bot.rasa_run).
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.dialogue.harness import latest_model

MESSAGES = ["hello", "I need some help with council tax", "it's my first time doing this online",
            "my card was declined", "can you take me through it step by step?", "why do you need that?",
            "can I talk to a real person please", "counsel tax bil", "help", "what's the next step"]


def _load_agent():
    from rasa.core.agent import load_agent

    return asyncio.run(load_agent(model_path=str(latest_model())))


@pytest.fixture(scope="module")
def agents():
    """(Rasa's own load, the changed load) of the same model."""
    from rasa.utils.tensorflow.models import RasaModel

    from bot import rasa_run

    rasa_run.apply()
    rasa_run.load_models_without_a_training_step()  # a second call changes nothing
    changed = RasaModel.__dict__["load"]  # the classmethod itself, not bound to RasaModel
    assert changed.__func__.wayfinder_untrained
    rasas_load = changed.__func__.wayfinder_original
    assert not getattr(rasas_load, "wayfinder_untrained", False)
    RasaModel.load = classmethod(rasas_load)
    try:
        rasas = _load_agent()
    finally:
        RasaModel.load = changed
    return rasas, _load_agent()


def _tensorflow_models(agent) -> dict[str, object]:
    """Component name → the component's RasaModel."""
    found = {}
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        model = getattr(node._component, "model", None)
        if model is not None and hasattr(model, "weights"):
            found[type(node._component).__name__] = model
    return found


def _prediction_weights(model) -> list[tuple]:
    """The weights predictions use (not the loss and accuracy trackers), as comparable values, sorted."""
    metric_variables = {id(v) for metric in model.metrics for v in metric.variables}
    values = [np.asarray(w.numpy()) + 0.0 for w in model.weights if id(w) not in metric_variables]  # -0.0 is 0.0
    return sorted((v.dtype.str, v.shape, v.tobytes()) for v in values)


def test_diet_and_ted_hold_the_weights_rasas_own_load_gives(agents):
    rasas, ours = (_tensorflow_models(agent) for agent in agents)
    assert set(ours) == set(rasas) == {"DIETClassifier", "TEDPolicy"}
    for name in ours:
        expected = _prediction_weights(rasas[name])
        assert len(expected) > 30, name
        assert _prediction_weights(ours[name]) == expected, f"{name}: the weights differ from Rasa's load"


def test_messages_are_understood_exactly_as_with_rasas_own_load(agents):
    rasas, ours = agents
    for text in MESSAGES:
        expected = asyncio.run(rasas.parse_message(text))
        assert asyncio.run(ours.parse_message(text)) == expected, text


def test_the_loaded_agent_answers(agents):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    output = CollectingOutputChannel()
    # "bye" is answered by a response alone (utter_goodbye): no action server runs here
    asyncio.run(agents[1].handle_message(UserMessage("bye", output, "load-test")))
    assert output.messages and output.messages[0].get("text")
