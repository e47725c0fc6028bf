"""`rasa`, as the Procfile runs it, with its check of action-server answers compiled once.

    python -m bot.rasa_run run --enable-api ...    # exactly the arguments of `rasa run`

The API's token comes from `WAYFINDER_RASA_TOKEN`, not the command line (see `rasa_arguments`).

Rasa checks every answer of the action server against a JSON schema with `jsonschema.validate`,
which first checks the schema itself against JSON Schema's meta-schema - on every call. On
these machines that is about 20 ms per custom action (1 ms for the answer itself), and a turn
runs two or three custom actions: `make bench`'s profile of `rasa run` found 28 % of Rasa's time
there. This wrapper checks the schema once and keeps the compiled validator; answers are
checked exactly as before (same schema, same first error, same message), and an invalid answer
is still refused.

Rasa also finds an event's class by its type name (`Event.resolve_by_type`) by walking every
subclass of `Event` - for every event of the conversation each time a tracker is read from the
store (5 % of Rasa's time in `make bench`'s profile). The wrapper remembers each name's class
once found; the answer for every name is the same as before.

And Rasa's TED and DIET models predict through a `tf.function` with an input signature, called
with a tuple of NumPy arrays: on every call TensorFlow matches the arguments against the
signature and converts them (12 % of Rasa's time in the profile, more than the prediction
itself). The wrapper takes the one concrete function that signature defines, once, and calls
it: 1.1 ms less per TED prediction and 0.5 ms per DIET one on these machines, three or four
per message, with the same outputs (`tests/unit/test_rasa_run.py`).

Finally, Rasa runs every policy for every action it predicts - three or four a message - and
then keeps the most confident prediction, the policy's priority breaking a tie. When a rule or
a memorised story predicts an action with confidence 1, TED (the lowest priority) cannot win, yet
its prediction - featurising the conversation and running its transformer - was most of the
cost of that step. Here TED's prediction is computed only when it can make a difference; the
action chosen, its policy and confidence, and the events are the same as Rasa's.

At start-up, Rasa loads DIET and TED by tracing and running one training step on an example,
only to make their variables, which the saved weights then overwrite: three quarters of the time
`rasa run` took to be ready (py-spy). Here the variables are made by the warm-up prediction Rasa
runs anyway, each taking its saved value as it is made: ready in 14 s instead of 40 s on these
machines, with the same weights and the same predictions as Rasa's own load
(`tests/unit/test_rasa_model_load.py`). Nothing else of Rasa is changed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


def compile_action_result_check() -> None:
    """Replace RemoteAction's per-call `jsonschema.validate` with one compiled validator."""
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    if getattr(original, "wayfinder_compiled", False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    validator = validator_class(spec)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        try:  # Rasa's own wording for the error, from its original method
            original(self, result)
        except ValidationError as explained:
            raise explained from None
        raise error

    _validate_action_result.wayfinder_compiled = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def cache_event_types() -> None:
    """Remember `Event.resolve_by_type`'s answer for each event type name found."""
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    if getattr(original, "wayfinder_cached", False):
        return
    found: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    resolve_by_type.wayfinder_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def call_prediction_graph_directly() -> None:
    """RasaModel predictions through the concrete function of their `tf.function`, looked up once."""
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA
    from rasa.utils.tensorflow.models import RasaModel

    original = RasaModel._rasa_predict
    if getattr(original, "wayfinder_direct", False):
        return

    def _rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
        if self._run_eagerly:
            return original(self, batch_in)
        step, concrete = self.__dict__.get("_wayfinder_predict", (None, None))
        if step is None or step is not self._tf_predict_step:  # first call: Rasa prepares and traces
            outputs = original(self, batch_in)
            self.__dict__["_wayfinder_predict"] = (self._tf_predict_step,
                                                   self._tf_predict_step.get_concrete_function())
            return outputs
        self._training = False
        outputs = tf_utils.sync_to_numpy_or_python_type(concrete(list(batch_in)))
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs

    _rasa_predict.wayfinder_direct = True  # type: ignore[attr-defined]
    RasaModel._rasa_predict = _rasa_predict  # type: ignore[method-assign]


def _decided_without(priority: int, predictions: list[Any], tracker: Any) -> bool:
    """Whether a policy of this priority, predicting from intents, cannot win against these predictions."""
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    last_action = next((e for e in reversed(tracker.events)
                        if isinstance(e, (ActionExecutionRejected, ActionExecuted))), None)
    if isinstance(last_action, ActionExecutionRejected):  # Rasa zeroes that action in every prediction first
        return False
    if any(p.is_no_user_prediction or p.is_end_to_end_prediction for p in predictions):
        return True  # either kind overrules a prediction from intents
    # a confidence is at most 1, and at equal confidence the higher priority wins
    return any(p.max_confidence >= 1.0 and p.policy_priority > priority for p in predictions)


def predict_ted_only_when_it_can_win() -> None:
    """TED's prediction is computed only when no higher-priority policy is already certain."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.policies.ted_policy import TEDPolicy

    original_combine = DefaultPolicyPredictionEnsemble.combine_predictions
    if getattr(original_combine, "wayfinder_deferred", False):
        return
    original_predict = TEDPolicy.predict_action_probabilities

    class DeferredPrediction(PolicyPrediction):
        """TED's prediction, not yet computed: `compute()` runs TED as Rasa would have."""

        def __init__(self, policy: TEDPolicy, compute: Any) -> None:
            super().__init__([], policy.__class__.__name__, policy.priority)
            self.compute = compute

    def predict_action_probabilities(self: TEDPolicy, tracker: Any, domain: Any, rule_only_data: Any = None,
                                     precomputations: Any = None, **kwargs: Any) -> Any:
        def compute() -> PolicyPrediction:
            return original_predict(self, tracker, domain, rule_only_data=rule_only_data,
                                    precomputations=precomputations, **kwargs)

        if precomputations is not None or self.only_e2e:  # a prediction from the text overrules the others
            return compute()
        return DeferredPrediction(self, compute)

    def combine_predictions(self: DefaultPolicyPredictionEnsemble, predictions: list[PolicyPrediction],
                            tracker: Any, domain: Any) -> PolicyPrediction:
        deferred = [p for p in predictions if isinstance(p, DeferredPrediction)]
        if deferred:
            settled = [p for p in predictions if not isinstance(p, DeferredPrediction)]
            priority = max(p.policy_priority for p in deferred)
            if not settled or not _decided_without(priority, settled, tracker):
                settled = [p.compute() if isinstance(p, DeferredPrediction) else p for p in predictions]
            predictions = settled
        return original_combine(self, predictions, tracker, domain)

    combine_predictions.wayfinder_deferred = True  # type: ignore[attr-defined]
    combine_predictions.wayfinder_original = original_combine  # type: ignore[attr-defined]
    predict_action_probabilities.wayfinder_original = original_predict  # type: ignore[attr-defined]
    DefaultPolicyPredictionEnsemble.combine_predictions = combine_predictions  # type: ignore[method-assign]
    TEDPolicy.predict_action_probabilities = predict_action_probabilities  # type: ignore[method-assign]


def compiled_as_rasa_loads_it(cls: type, *args: Any, **kwargs: Any) -> Any:
    """A new RasaModel of `cls`, compiled as `RasaModel.load` compiles it before building its weights
    (nothing is traced until the model is called): for the loads below and bot/rasa_train.py's."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    return model


def load_models_without_a_training_step() -> None:
    """DIET and TED load their saved weights without first tracing and running a training step.

    Rasa's `RasaModel.load` builds a model's variables by training it on one example (`fit`),
    then overwrites them with the saved weights. Tracing that training step - the forward pass,
    its gradients and the optimizer's update - is most of `rasa run`'s start-up. Here the saved
    weights are read first and the variables are made by the prediction Rasa runs anyway to
    warm the model up; TensorFlow gives each variable its saved value as it is made (a TF-format
    checkpoint's restore-on-create). Every variable the prediction uses must have found its
    saved value, or loading fails; only the optimizer's state, which predicting never uses, is
    left unread. Fine-tuning (`rasa train --finetune`) needs that state, and a load without an
    example to predict has nothing to build the variables: both load as Rasa does.
    """
    from rasa.utils.tensorflow.models import RasaModel

    original = RasaModel.load.__func__  # type: ignore[attr-defined]
    if getattr(original, "wayfinder_untrained", False):
        return

    def load(cls: type[RasaModel], model_file_name: str, model_data_example: Any,
             predict_data_example: Any = None, finetune_mode: bool = False, *args: Any, **kwargs: Any) -> RasaModel:
        if finetune_mode or not predict_data_example:
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        model = compiled_as_rasa_loads_it(cls, *args, **kwargs)
        status = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)  # makes the variables: each takes its saved value
        status.assert_existing_objects_matched()
        status.expect_partial()  # the optimizer's slots: only training reads them
        return model

    load.wayfinder_untrained = True  # type: ignore[attr-defined]
    load.wayfinder_original = original  # type: ignore[attr-defined]
    RasaModel.load = classmethod(load)  # type: ignore[method-assign,assignment]


def apply() -> None:
    """Every change above. `main` applies them before Rasa starts; the dialogue tests, which run
    Rasa's agent in their own process, apply them too, so they test what `make run` serves."""
    compile_action_result_check()
    cache_event_types()
    call_prediction_graph_directly()
    predict_ted_only_when_it_can_win()
    load_models_without_a_training_step()


TOKEN_VARIABLE = "WAYFINDER_RASA_TOKEN"


def rasa_arguments(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """`rasa run`'s arguments, with the HTTP API's token from the environment.

    Rasa 3.6 takes the token only as `--auth-token`; given on the command line, any local user
    could read it in `ps`. The Procfile leaves it out and it is added here, inside the process
    (its command line as the system shows it stays as started). A `run --enable-api` without a
    token would leave Rasa's API open to anyone on the machine: refused.
    """
    given = any(a in ("-t", "--auth-token") or a.startswith("--auth-token=") for a in args)
    if given or not args or args[0] != "run":
        return list(args)
    token = environ.get(TOKEN_VARIABLE, "")
    if token:
        return [*args, "--auth-token", token]
    if "--enable-api" in args:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: Rasa's HTTP API would answer without a token")
    return list(args)


def main() -> None:
    arguments = rasa_arguments(sys.argv[1:], os.environ)
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
