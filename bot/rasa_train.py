"""`rasa train`, as `wayfinder train` runs it, with three changes to where its time goes.

    python -m bot.rasa_train [--keep-policies] train ...   # then exactly the arguments of `rasa train`

`make train-fast` fine-tunes the newest model (`rasa train --finetune`). Profiled on these machines
(py-spy, one NLU example added), most of its time was not training:

- Rasa builds the weights of a model it loads for fine-tuning by training it on one example
  (`RasaModel.load`), which makes TensorFlow trace the whole training step - forward pass, loss,
  and the gradient of DIET's CRF - only to throw that step away: 49 s of DIET's 128 s on a
  2-core machine. The training that follows traces it again. Here a model loaded for fine-tuning
  builds its weights by computing its loss once, eagerly (no tracing), and then loads the saved
  weights as before: the same weights, the same training after it.
- Rasa gives the epoch fraction to every component with epochs, the dialogue policies too. That
  changes the policies' settings, so TED can never come from the training cache, and is trained
  again even when only NLU examples changed. `--keep-policies` (given by `wayfinder train
  --fast` when the stories, rules and domain are those of the model being fine-tuned) gives the
  fraction to the NLU components only: the policies keep the settings of the earlier training,
  and Rasa's cache restores them (or, when the cache no longer holds them, fine-tunes them for
  their full epochs).
- DIET's training step also decodes the entity tags, only to report an F1 score. Rasa's step
  records gradients on a persistent tape, so TensorFlow builds forward and backward functions
  for the decoder's control flow too - half of the time tracing DIET's training step (30 of 46 s
  on a 2-core machine), in every training and every fine-tune. Here the tags are decoded with
  the tape paused: the same loss and gradients (no gradient flows through decoded tags), the
  same metric (`tests/unit/test_rasa_train.py`).
- Rasa's training cache fingerprints the output of every NLU component, and sparse features
  were fingerprinted by writing each non-zero as a line of text and hashing the text (11 s of
  a fine-tune's 88 on a 2-core machine, in every training). Here a sparse matrix is hashed
  from its arrays: the same matrices give the same fingerprint, different ones a different
  one; only the hexadecimal value differs from Rasa's, so a model trained by plain `rasa
  train` is not restored from the cache (never a wrong one).
- Reading the NLU data checked the JSON schema of entity annotations by first checking the
  schema itself, once per annotation (5 s). Here each schema is checked once; data that does
  not match goes to Rasa's own check, so its error is Rasa's.

Nothing else of Rasa is changed.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from hashlib import md5
from typing import Any

KEEP_POLICIES = "--keep-policies"


def load_weights_without_tracing() -> None:
    """A model loaded for fine-tuning builds its weights with one eager loss, not a traced train step."""
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
    from rasa.utils.tensorflow.models import RasaModel

    from bot.rasa_run import compiled_as_rasa_loads_it

    original = RasaModel.load.__func__
    if getattr(original, "wayfinder_eager_build", False):
        return

    def load(cls: type[RasaModel], model_file_name: str, model_data_example: Any,
             predict_data_example: Any = None, finetune_mode: bool = False,
             *args: Any, **kwargs: Any) -> RasaModel:
        if not finetune_mode:
            return original(cls, model_file_name, model_data_example, predict_data_example,
                            finetune_mode, *args, **kwargs)
        model = compiled_as_rasa_loads_it(cls, *args, **kwargs)
        batch_in, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
        model._training = True
        model.batch_loss(batch_in)  # eager: creates every weight the training step uses
        model._training = False
        model.load_weights(model_file_name)
        return model

    load.wayfinder_eager_build = True  # type: ignore[attr-defined]
    RasaModel.load = classmethod(load)  # type: ignore[method-assign,assignment]


def decode_entities_off_the_tape() -> None:
    """DIET's training step decodes the entity tags (for its F1 metric) without recording gradients."""
    from rasa.utils.tensorflow.models import TransformerRasaModel
    from tensorflow.python.eager import tape

    original = TransformerRasaModel._calculate_entity_loss
    if getattr(original, "wayfinder_off_the_tape", False):
        return

    def _calculate_entity_loss(self: TransformerRasaModel, inputs: Any, tag_ids: Any, mask: Any,
                               sequence_lengths: Any, tag_name: str, entity_tags: Any = None) -> Any:
        import tensorflow as tf

        tag_ids = tf.cast(tag_ids[:, :, 0], tf.int32)
        if entity_tags is not None:
            inputs = tf.concat([inputs, self._tf_layers[f"embed.{tag_name}.tags"](entity_tags)], axis=-1)
        logits = self._tf_layers[f"embed.{tag_name}.logits"](inputs)
        crf = self._tf_layers[f"crf.{tag_name}"]
        with tape.stop_recording():  # the tags only feed the F1 metric: no gradient flows through them
            pred_ids, _ = crf(logits, sequence_lengths)  # (the first call also builds the CRF's weights)
        loss = crf.loss(logits, tag_ids, sequence_lengths)
        f1 = crf.f1_score(tag_ids, pred_ids, mask)
        return loss, f1, logits

    _calculate_entity_loss.wayfinder_off_the_tape = True  # type: ignore[attr-defined]
    TransformerRasaModel._calculate_entity_loss = _calculate_entity_loss  # type: ignore[method-assign]


def fingerprint_sparse_features_from_their_arrays() -> None:
    """Sparse features are fingerprinted from their arrays, not from a line of text per non-zero."""
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.utils.io import deep_container_fingerprint

    original = Features.fingerprint
    if getattr(original, "wayfinder_from_arrays", False):
        return

    def fingerprint(self: Features) -> str:
        if self._cached_fingerprint is None and not self.is_dense():
            matrix = self.features.tocoo()
            digest = md5(f"{matrix.shape} {matrix.dtype}".encode())  # nosec - a cache key, not a secret
            for array in (matrix.row, matrix.col, matrix.data):
                digest.update(array.tobytes())
            self._cached_fingerprint = deep_container_fingerprint(
                [self.type, self.origin, self.attribute, f"sparse {digest.hexdigest()}"])
        return original(self)

    fingerprint.wayfinder_from_arrays = True  # type: ignore[attr-defined]
    Features.fingerprint = fingerprint  # type: ignore[method-assign]


def check_each_schema_once() -> None:
    """Training data is checked against a JSON schema whose own check was done once, not per annotation."""
    from rasa.shared.utils import validation

    original = validation.validate_training_data
    if getattr(original, "wayfinder_schema_once", False):
        return

    @lru_cache(maxsize=16)
    def validator_for(schema_json: str) -> Any:
        from jsonschema.validators import validator_for as jsonschema_validator_for

        schema = json.loads(schema_json)
        cls = jsonschema_validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def validate_training_data(json_data: dict[str, Any], schema: dict[str, Any]) -> None:
        if validator_for(json.dumps(schema, sort_keys=True)).is_valid(json_data):
            return
        original(json_data, schema)  # Rasa's own error (or, should it accept the data, Rasa's answer)

    validate_training_data.wayfinder_schema_once = True  # type: ignore[attr-defined]
    validation.validate_training_data = validate_training_data


def keep_policy_settings() -> None:
    """In a fine-tune, give the epoch fraction to the NLU components only, not the policies."""
    from rasa.core.policies.policy import Policy
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.utils.tensorflow.constants import EPOCHS

    original = DefaultV1Recipe._extra_config_from_cli
    if getattr(original, "wayfinder_keep_policies", False):
        return

    def _extra_config_from_cli(self: DefaultV1Recipe, cli_parameters: dict[str, Any],
                               component: type, component_config: dict[str, Any]) -> dict[str, Any]:
        extra = original(self, cli_parameters, component, component_config)
        if issubclass(component, Policy):
            extra.pop("finetuning_epoch_fraction", None)
            extra.pop(EPOCHS, None)
        return extra

    _extra_config_from_cli.wayfinder_keep_policies = True  # type: ignore[attr-defined]
    DefaultV1Recipe._extra_config_from_cli = _extra_config_from_cli  # type: ignore[method-assign]


def main() -> None:
    args = sys.argv[1:]
    if KEEP_POLICIES in args:
        args.remove(KEEP_POLICIES)
        keep_policy_settings()
    load_weights_without_tracing()
    decode_entities_off_the_tape()
    fingerprint_sparse_features_from_their_arrays()
    check_each_schema_once()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
