"""bot.rasa_run: Rasa's check of action-server answers, compiled once, accepts and refuses exactly as before."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_run import compile_action_result_check

GOOD = {"events": [{"event": "slot", "name": "service", "value": "pay_council_tax"}],
        "responses": [{"text": "Here is the first step", "custom": {"highlight": "#amount"}}]}
BAD = {"events": [{"name": "service"}], "responses": []}  # an event without its type


@pytest.fixture(scope="module")
def action():
    compile_action_result_check()
    compile_action_result_check()  # a second call changes nothing
    return RemoteAction("action_step_through", None)


def test_a_valid_answer_passes(action):
    assert RemoteAction._validate_action_result.wayfinder_compiled
    assert action._validate_action_result(GOOD) is True


def test_an_invalid_answer_is_still_refused_with_rasas_explanation(action):
    with pytest.raises(ValidationError) as refused:
        action._validate_action_result(BAD)
    assert "'event' is a required property" in refused.value.message
    assert "Failed to validate Action server response" in refused.value.message


def test_event_types_are_found_as_before_and_remembered():
    from rasa.shared.core.events import Event, SlotSet, UserUttered, deserialise_events
    from rasa.shared.utils.common import all_subclasses

    from bot.rasa_run import cache_event_types

    expected = {cls.type_name: Event.resolve_by_type(cls.type_name) for cls in all_subclasses(Event)
                if isinstance(getattr(cls, "type_name", None), str)}
    cache_event_types()
    cache_event_types()  # a second call changes nothing
    assert Event.resolve_by_type.wayfinder_cached
    for name, cls in expected.items():
        assert Event.resolve_by_type(name) is cls
        assert Event.resolve_by_type(name) is cls  # from memory: the same class
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet  # a default is not remembered as the answer
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    events = deserialise_events([UserUttered("hi").as_dict(), SlotSet("service", "x").as_dict()])
    assert [type(e) for e in events] == [UserUttered, SlotSet]


def test_predictions_through_the_concrete_graph_are_the_same_as_rasas():
    import numpy as np
    import tensorflow as tf
    from rasa.utils.tensorflow.models import RasaModel

    from bot.rasa_run import call_prediction_graph_directly

    class Tiny(RasaModel):
        def __init__(self):
            super().__init__(random_seed=1)
            self.dense = tf.keras.layers.Dense(3)
            self.prepared = 0

        def batch_loss(self, batch_in):
            return tf.constant(0.0)

        def prepare_for_predict(self):
            self.prepared += 1

        def batch_predict(self, batch_in):
            features, mask = batch_in
            return {"scores": self.dense(features) * mask, "diagnostic_data": {}}

    rng = np.random.default_rng(0)
    batches = [(rng.random((1, n, 4), dtype=np.float32), np.ones((1, n, 1), dtype=np.float32)) for n in (2, 5, 3)]
    expected_model = Tiny()
    expected = [expected_model._rasa_predict(batch) for batch in batches]  # Rasa's own way

    call_prediction_graph_directly()
    call_prediction_graph_directly()  # a second call changes nothing
    assert RasaModel._rasa_predict.wayfinder_direct
    model = Tiny()
    model.dense.build((None, None, 4))
    model.dense.set_weights(expected_model.dense.get_weights())
    for batch, rasas in zip(batches, expected):  # sequences of other lengths use the same graph
        ours = model._rasa_predict(batch)
        assert isinstance(ours["scores"], np.ndarray)
        np.testing.assert_allclose(ours["scores"], rasas["scores"], rtol=1e-6)
        assert ours["diagnostic_data"] is None or ours["diagnostic_data"] == rasas["diagnostic_data"]
    assert model.prepared == 1
    assert model.__dict__["_wayfinder_predict"][0] is model._tf_predict_step
