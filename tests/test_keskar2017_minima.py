"""Keskar's minima on tiny real runs: interpolation (Fig. 3), sharpness of a trained model, rescaling (Dinh et al.)."""

import keras
import numpy as np
import pytest

from conftest import REPO
from replications.config import load_config
from replications.keskar2017 import experiment, layout, minima
from replications.keskar2017.config import KeskarConfig
from replications.models import build_model
from replications.training import Trainer, make_optimizer
from replications.typed_config import CoreConfig


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """SB and LB runs of seed 0 on the smoke config, 2 epochs each."""
    config = load_config(f"{REPO}/config/smoke.yaml")
    config["results_dir"] = str(tmp_path_factory.mktemp("results"))
    core, keskar = CoreConfig.from_config(config), KeskarConfig.from_config(config)
    for run in ("SB", "LB"):
        experiment.train(core, keskar, "F1", run, 0, layout.run_dir(core.results_dir, "F1", run, 0))
    return core, keskar


def test_interpolation_endpoints_are_the_two_minima(trained):
    curve = minima.interpolate(*trained, "F1", 0)
    settings = trained[1].parametric
    assert len(curve) == settings.points == 25
    assert curve["alpha"].iloc[0] == -1.0 and curve["alpha"].iloc[-1] == 2.0
    assert 0.0 in curve["alpha"].values and 1.0 in curve["alpha"].values
    for regime, alpha in (("SB", 0.0), ("LB", 1.0)):
        model, dataset = minima.load_trained_model(*trained, "F1", regime, 0)
        minima.recompute_batch_norm_statistics(model, dataset.x_train[: settings.batch_norm_examples])
        trainer = Trainer(model, make_optimizer({"name": "adam", "learning_rate": 1e-3}), dataset)
        expected_loss, _ = trainer.evaluate(dataset.x_train, dataset.y_train)
        assert curve.set_index("alpha").loc[alpha, "train_loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert curve["train_loss"].nunique() == 25 and np.isfinite(curve[["train_loss", "test_loss"]]).all().all()
    sb_rise, lb_rise = minima.steepness(curve, 0.25)
    assert np.isfinite(sb_rise) and np.isfinite(lb_rise)


def test_recomputed_batch_norm_statistics_are_those_of_the_data():
    keras.utils.set_random_seed(0)
    model = build_model({"name": "c1", "filters": 4, "dense_units": [8, 8]}, (8, 8, 1), 10)
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(64, 8, 8, 1)).astype("float32")
    minima.recompute_batch_norm_statistics(model, x)
    first_batch_norm = next(layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
    convolution = keras.Model(model.input, model.layers[model.layers.index(first_batch_norm) - 1].output)
    activations = convolution(x).numpy()
    np.testing.assert_allclose(first_batch_norm.moving_mean.numpy(), activations.mean(axis=(0, 1, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(first_batch_norm.moving_variance.numpy(), activations.var(axis=(0, 1, 2)), rtol=1e-3)
    assert first_batch_norm.momentum == 0.99  # restored
    assert all(layer.rate == 0.5 for layer in model.layers if isinstance(layer, keras.layers.Dropout))


@pytest.mark.parametrize(
    ("model_config", "input_shape"),
    [({"name": "f1", "width": 16, "depth": 2}, (40,)), ({"name": "c1", "filters": 4, "dense_units": [8, 8]}, (8, 8, 1))],
)
def test_rescaling_keeps_the_function_and_changes_the_weights(model_config, input_shape):
    keras.utils.set_random_seed(1)
    model = build_model(model_config, input_shape, 10)
    for layer in model.layers:  # a trained-looking BN: non-zero shifts and statistics
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.beta.assign(np.random.default_rng(2).normal(size=layer.beta.shape))
            layer.moving_variance.assign(np.full(layer.moving_variance.shape, 2.0))
    x = np.random.default_rng(1).normal(size=(32, *input_shape)).astype("float32")
    before_outputs = model(x, training=False).numpy()
    before_weights = [variable.numpy().copy() for variable in model.trainable_variables]
    minima.rescale_relu_pair(model, 7.0)
    np.testing.assert_allclose(model(x, training=False).numpy(), before_outputs, rtol=1e-4, atol=1e-5)
    changed = [not np.allclose(a, b.numpy()) for a, b in zip(before_weights, model.trainable_variables)]
    assert sum(changed) == 3  # gamma, beta and the next kernel
    with pytest.raises(ValueError, match="alpha > 0"):
        minima.rescale_relu_pair(model, -1.0)


def test_sharpness_and_rescaling_of_a_trained_model(trained):
    measured = minima.measure_sharpness(*trained, "F1", "SB", 0)
    assert {(row["space"], row["epsilon"]) for row in measured} == {(s, e) for s in ("full", "subspace") for e in (0.001, 0.0005)}
    for row in measured:
        assert row["sharpness"] > 0 and not row["stalled"] and 1 <= row["iterations"] <= 10
    by_key = {(row["space"], row["epsilon"]): row["sharpness"] for row in measured}
    assert by_key[("full", 0.001)] > by_key[("full", 0.0005)]  # a bigger box cannot give a lower maximum here
    table = minima.rescaling_check(*trained, "F1", 0)
    assert (table["max_abs_logit_change"] < 1e-3 * table["max_abs_logit"]).all()
    assert table.set_index("alpha").loc[1.0, "sharpness"] == pytest.approx(by_key[("full", 0.001)], rel=1e-6)
    assert table["sharpness"].nunique() == 3  # same function, three different sharpness values
