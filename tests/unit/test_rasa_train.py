"""`wayfinder train --fast` runs Rasa through bot/rasa_train.py: what a fine-tune changes, and what it keeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.recipes.recipe import TrainingType
from rasa.shared.utils.io import read_yaml_file
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import FeatureArray, RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from bot import rasa_train
from bot.config import PROJECT_ROOT


def _train_nodes(finetune: bool) -> dict:
    config = read_yaml_file(PROJECT_ROOT / "config.yml")
    schema = DefaultV1Recipe().graph_config_for_recipe(
        config, {"finetuning_epoch_fraction": 0.2} if finetune else {},
        training_type=TrainingType.BOTH, is_finetuning=finetune).train_schema
    return {node.uses.__name__: node.config for node in schema.nodes.values() if node.fn == "train"}


def test_with_keep_policies_a_finetune_shortens_the_nlu_training_and_leaves_the_policies_as_trained(monkeypatch):
    monkeypatch.setattr(DefaultV1Recipe, "_extra_config_from_cli", DefaultV1Recipe._extra_config_from_cli)
    full = _train_nodes(finetune=False)
    rasas = _train_nodes(finetune=True)
    assert rasas["TEDPolicy"] != full["TEDPolicy"]  # Rasa's fine-tune: TED's settings change, so no cache hit

    rasa_train.keep_policy_settings()
    rasa_train.keep_policy_settings()  # a second call changes nothing
    ours = _train_nodes(finetune=True)
    assert ours["TEDPolicy"] == full["TEDPolicy"]
    assert ours["MemoizationPolicy"] == full["MemoizationPolicy"]
    assert ours["DIETClassifier"]["epochs"] == math.ceil(full["DIETClassifier"]["epochs"] * 0.2)
    assert ours["DIETClassifier"]["finetuning_epoch_fraction"] == 0.2
    assert _train_nodes(finetune=False) == full  # a training from scratch is Rasa's own


class Tiny(RasaModel):
    def __init__(self, config: dict | None = None) -> None:
        super().__init__(random_seed=1)
        self.dense = tf.keras.layers.Dense(2, kernel_regularizer=tf.keras.regularizers.l2(0.01))

    def batch_loss(self, batch_in):
        return tf.reduce_mean(tf.square(self.dense(self._features(batch_in)) - 1.0))

    def batch_predict(self, batch_in):
        return {"scores": self.dense(self._features(batch_in))}

    @staticmethod
    def _features(batch_in):
        return tf.reshape(tf.convert_to_tensor(batch_in[0]), (-1, 4))


@pytest.fixture
def saved_model(tmp_path):
    rng = np.random.default_rng(0)
    data = RasaModelData(data={"text": {"sentence": [
        FeatureArray(rng.random((6, 1, 4), dtype=np.float32), number_of_dimensions=3)]}})
    model = Tiny()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01))
    model.fit(RasaBatchDataGenerator(data, batch_size=2), epochs=3, verbose=False)
    path = str(tmp_path / "tiny.tf_model")
    model.save_weights(path, save_format="tf")
    return path, data, model.get_weights()


def test_a_model_loaded_for_finetuning_has_its_saved_weights_without_a_traced_training_step(saved_model, monkeypatch):
    path, data, weights = saved_model
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    rasas = Tiny.load(path, data, finetune_mode=True)
    assert rasas.train_function is not None  # Rasa trained a step on one example to build the weights

    rasa_train.load_weights_without_tracing()
    rasa_train.load_weights_without_tracing()  # a second call changes nothing
    ours = Tiny.load(path, data, finetune_mode=True)
    assert ours.train_function is None  # nothing traced
    for mine, saved, rasa_loaded in zip(ours.get_weights(), weights, rasas.get_weights()):
        np.testing.assert_array_equal(mine, saved)
        np.testing.assert_array_equal(mine, rasa_loaded)
    # and it fine-tunes as Rasa's does: the loss goes down from the saved weights
    before = float(ours.batch_loss(RasaBatchDataGenerator(data, batch_size=6)[0][0]))
    ours.fit(RasaBatchDataGenerator(data, batch_size=2), epochs=5, verbose=False)
    assert float(ours.batch_loss(RasaBatchDataGenerator(data, batch_size=6)[0][0])) < before
    # a model loaded to answer (not to fine-tune) is loaded exactly as Rasa does
    served = Tiny.load(path, data, finetune_mode=False)
    assert served.train_function is not None


def test_decoding_the_entity_tags_off_the_tape_changes_neither_the_loss_nor_its_gradients(monkeypatch):
    from types import SimpleNamespace

    from rasa.utils.tensorflow import layers
    from rasa.utils.tensorflow.models import TransformerRasaModel

    tf.random.set_seed(3)
    model = SimpleNamespace(_tf_layers={"embed.entity.logits": layers.Embed(5, 0.002, "logits.entity"),
                                        "crf.entity": layers.CRF(5, 0.002, True)})
    rng = np.random.default_rng(1)
    inputs = tf.constant(rng.random((3, 4, 8), dtype=np.float32))
    tags = tf.constant(rng.integers(0, 5, (3, 4, 1)).astype(np.float32))
    lengths = tf.constant([4, 2, 1], dtype=tf.int32)
    mask = tf.sequence_mask(lengths, 4, dtype=tf.float32)[:, :, tf.newaxis]

    def step(method):
        @tf.function
        def traced():  # as in Rasa's training step: a persistent tape inside a traced function
            with tf.GradientTape(persistent=True) as tape:
                loss, f1, logits = method(model, inputs, tags, mask, lengths, "entity")
            variables = model._tf_layers["embed.entity.logits"].trainable_variables + \
                model._tf_layers["crf.entity"].trainable_variables
            return loss, f1, logits, tape.gradient(loss, variables)

        return traced()

    monkeypatch.setattr(TransformerRasaModel, "_calculate_entity_loss",
                        TransformerRasaModel._calculate_entity_loss)
    rasas = step(TransformerRasaModel._calculate_entity_loss)
    rasa_train.decode_entities_off_the_tape()
    rasa_train.decode_entities_off_the_tape()  # a second call changes nothing
    ours = step(TransformerRasaModel._calculate_entity_loss)
    assert TransformerRasaModel._calculate_entity_loss.wayfinder_off_the_tape
    for mine, theirs in zip(ours[:3], rasas[:3]):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    assert len(ours[3]) == len(rasas[3]) == 3
    for mine, theirs in zip(ours[3], rasas[3]):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5)


def _features(matrix, attribute="text"):
    from rasa.shared.nlu.training_data.features import Features

    return Features(matrix, "sequence", attribute, "CountVectorsFeaturizer")


def test_sparse_features_are_fingerprinted_by_their_content(monkeypatch):
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    monkeypatch.setattr(Features, "fingerprint", Features.fingerprint)
    rasa_train.fingerprint_sparse_features_from_their_arrays()
    rasa_train.fingerprint_sparse_features_from_their_arrays()  # a second call changes nothing

    dense = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    same = _features(scipy.sparse.coo_matrix(dense)).fingerprint()
    assert _features(scipy.sparse.coo_matrix(dense.copy())).fingerprint() == same
    one_value_changed = dense.copy()
    one_value_changed[1, 2] = 4.0
    assert _features(scipy.sparse.coo_matrix(one_value_changed)).fingerprint() != same
    moved = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 3.0]])
    assert _features(scipy.sparse.coo_matrix(moved)).fingerprint() != same
    wider = np.hstack([dense, np.zeros((2, 1))])  # the same non-zeros in a larger matrix
    assert _features(scipy.sparse.coo_matrix(wider)).fingerprint() != same
    assert _features(scipy.sparse.coo_matrix(dense), attribute="intent").fingerprint() != same
    assert _features(dense).fingerprint() != same  # dense features keep Rasa's own fingerprint


def test_training_data_is_checked_against_its_schema_with_rasas_own_error(monkeypatch):
    import rasa.shared.nlu.training_data.schemas.data_schema as schema
    from rasa.shared.exceptions import SchemaValidationError
    from rasa.shared.nlu.training_data.entities_parser import parse_training_example
    from rasa.shared.utils import validation

    monkeypatch.setattr(validation, "validate_training_data", validation.validate_training_data)
    with pytest.raises(SchemaValidationError) as rasas:
        validation.validate_training_data({"entity": 3}, schema.entity_dict_schema())

    rasa_train.check_each_schema_once()
    rasa_train.check_each_schema_once()  # a second call changes nothing
    message = parse_training_example('my bin [wasn\'t emptied]{"entity": "problem", "value": "missed_collection"}')
    assert message.get("entities")[0]["value"] == "missed_collection"
    with pytest.raises(SchemaValidationError) as ours:
        validation.validate_training_data({"entity": 3}, schema.entity_dict_schema())
    assert str(ours.value) == str(rasas.value)
