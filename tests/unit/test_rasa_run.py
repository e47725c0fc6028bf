"""bot.rasa_run: Rasa's check of action-server answers, compiled once, accepts and refuses exactly as before."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_run import compile_action_result_check, rasa_arguments

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


def test_ted_is_run_only_when_its_prediction_could_win_and_the_choice_is_rasas(monkeypatch):
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_run import predict_ted_only_when_it_can_win

    domain = Domain.from_dict({"intents": ["greet"], "actions": ["action_a", "action_b"]})
    a, b = domain.index_for_action("action_a"), domain.index_for_action("action_b")

    def probabilities(index, confidence):
        values = [0.0] * len(domain.action_names_or_texts)
        values[index] = confidence
        return values

    ted_runs = []

    def teds_own(self, tracker, domain, rule_only_data=None, precomputations=None, **kwargs):
        ted_runs.append(tracker.sender_id)
        return PolicyPrediction(probabilities(b, 0.9), "TEDPolicy", 1)

    current = DefaultPolicyPredictionEnsemble.combine_predictions  # patched already if the dialogue tests ran
    rasas_combine = getattr(current, "wayfinder_original", current)
    monkeypatch.setattr(DefaultPolicyPredictionEnsemble, "combine_predictions", rasas_combine)
    monkeypatch.setattr(TEDPolicy, "predict_action_probabilities", teds_own)
    predict_ted_only_when_it_can_win()
    predict_ted_only_when_it_can_win()  # a second call changes nothing

    class Ted:
        only_e2e = False
        priority = 1

    def decide(rule_confidence, events):
        tracker = DialogueStateTracker.from_events("t", events)
        others = lambda: [PolicyPrediction(probabilities(a, 0.0), "MemoizationPolicy", 3),
                          PolicyPrediction(probabilities(a, rule_confidence), "RulePolicy", 6)]
        ensemble = DefaultPolicyPredictionEnsemble()
        expected = rasas_combine(ensemble, [*others(), teds_own(Ted(), tracker, domain)], tracker, domain)
        ted_runs.clear()
        deferred = TEDPolicy.predict_action_probabilities(Ted(), tracker, domain)
        ours = ensemble.combine_predictions([*others(), deferred], tracker, domain)
        assert (ours.policy_name, ours.probabilities, ours.events) == (
            expected.policy_name, expected.probabilities, expected.events)
        return ours.policy_name, len(ted_runs)

    listening = [ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet"})]
    assert decide(1.0, listening) == ("RulePolicy", 0)  # a rule applies: TED is not run
    assert decide(0.3, listening) == ("TEDPolicy", 1)  # no rule applies: TED decides, as in Rasa
    rejected = [*listening, ActionExecutionRejected("action_a")]
    assert decide(1.0, rejected) == ("TEDPolicy", 1)  # the rule's action was just rejected: TED is needed


def test_rasas_token_comes_from_the_environment_not_the_command_line():
    run = ["run", "--enable-api", "--port", "5005"]
    assert rasa_arguments(run, {"WAYFINDER_RASA_TOKEN": "s3cret"}) == [*run, "--auth-token", "s3cret"]
    given = [*run, "--auth-token", "other"]
    assert rasa_arguments(given, {"WAYFINDER_RASA_TOKEN": "s3cret"}) == given  # an explicit one is kept
    assert rasa_arguments(["train"], {"WAYFINDER_RASA_TOKEN": "s3cret"}) == ["train"]
    assert rasa_arguments(["run", "--port", "5005"], {}) == ["run", "--port", "5005"]  # no API, nothing to guard
    with pytest.raises(SystemExit, match="WAYFINDER_RASA_TOKEN is not set"):
        rasa_arguments(run, {"WAYFINDER_RASA_TOKEN": ""})  # the API open to anyone: refused
