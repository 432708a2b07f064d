import keras
import numpy as np
import pytest
import tensorflow as tf

from replications.layers import GhostBatchNormalization
from replications.models import VGG16_STACKS, build_model
from replications.training import uses_xla


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_f1_matches_table1():
    model = build_model({"name": "f1"}, (28, 28, 1), 10)
    types = layer_types(model)
    assert types == ["InputLayer", "Flatten"] + ["Dense", "BatchNormalization", "ReLU"] * 5 + ["Dense"]
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [512] * 5 + [10]
    dense = 784 * 512 + 512 + 4 * (512 * 512 + 512) + 512 * 10 + 10
    batch_norm = 5 * 4 * 512  # gamma, beta, moving mean, moving variance
    assert model.count_params() == dense + batch_norm
    assert model.output_shape == (None, 10)


def c1_parameters(num_classes):
    convolutions = (5 * 5 * 3 * 64 + 64) + (5 * 5 * 64 * 64 + 64) + 2 * 4 * 64
    flat = 7 * 7 * 64  # 32 -> pool 3/2 -> 15 -> pool 3/2 -> 7 ('valid' pooling)
    dense = (flat * 384 + 384) + 4 * 384 + (384 * 192 + 192) + 4 * 192 + (192 * num_classes + num_classes)
    return convolutions + dense


@pytest.mark.parametrize("num_classes", [10, 100])  # C1 and C3
def test_c1_and_c3_match_table1(num_classes):
    model = build_model({"name": "c1"}, (32, 32, 3), num_classes)
    types = layer_types(model)
    assert types.count("Conv2D") == 2 and types.count("MaxPooling2D") == 2
    assert types.count("Dropout") == 2 and types.count("BatchNormalization") == 4
    assert [layer.kernel_size for layer in model.layers if isinstance(layer, keras.layers.Conv2D)] == [(5, 5)] * 2
    assert model.count_params() == c1_parameters(num_classes)


@pytest.mark.parametrize("num_classes", [10, 100])  # C2 and C4
def test_c2_and_c4_are_vgg16_like(num_classes):
    model = build_model({"name": "c2"}, (32, 32, 3), num_classes)
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.filters for layer in convolutions] == [f for f, n in VGG16_STACKS for _ in range(n)]
    assert len(convolutions) == 13
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.3] + [0.4] * 7 + [0.5, 0.5]  # after every conv of a stack but its last
    channels = [3] + [layer.filters for layer in convolutions]
    conv_parameters = sum(3 * 3 * cin * cout + cout + 4 * cout for cin, cout in zip(channels, channels[1:]))
    dense_parameters = (512 * 512 + 512) + 4 * 512 + (512 * num_classes + num_classes)
    assert model.count_params() == conv_parameters + dense_parameters


def test_f1_with_ghost_batch_norm_and_weight_decay():
    from replications.layers import GhostBatchNormalization

    model = build_model({"name": "f1", "width": 16, "depth": 2, "ghost_batch_size": 4, "weight_decay": 0.001}, (28, 28, 1), 10)
    assert sum(isinstance(layer, GhostBatchNormalization) for layer in model.layers) == 2
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    penalty = sum(0.0005 * float(keras.ops.sum(kernel**2)) for kernel in kernels)  # weight_decay / 2 |w|^2
    assert float(sum(model.losses)) == pytest.approx(penalty, rel=1e-5)


def test_quick_variants_and_unknown_model():
    small = build_model({"name": "f1", "width": 32, "depth": 2}, (40,), 10)
    assert small.count_params() == (40 * 32 + 32) + (32 * 32 + 32) + 2 * 4 * 32 + (32 * 10 + 10)
    digits_cnn = build_model({"name": "c1", "filters": 16, "dense_units": [32, 16]}, (8, 8, 1), 10)
    assert digits_cnn.output_shape == (None, 10)
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        build_model({"name": "resnet"}, (8,), 2)


def test_wide_resnet_16_4_matches_the_paper_and_has_a_quick_1d_variant():
    wrn = build_model({"name": "wide_resnet", "depth": 16, "width_factor": 4, "augment": True}, (32, 32, 3), 10)
    convolutions = [layer for layer in wrn.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convolutions) == 1 + 3 * 2 * 2 + 3  # stem, 2 blocks x 2 convs per group, 3 projection shortcuts
    assert sorted({layer.filters for layer in convolutions}) == [16, 64, 128, 256]
    assert 2.70e6 < wrn.count_params() < 2.80e6  # Zagoruyko & Komodakis: WRN-16-4 has 2.7M parameters
    assert any(isinstance(layer, GhostBatchNormalization) for layer in wrn.layers)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in wrn.layers)
    assert len(wrn.losses) == len(convolutions) + 1  # weight decay on every kernel
    images = np.random.default_rng(0).normal(size=(4, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(wrn(images, training=False), wrn(images, training=False))  # no augmentation at inference
    quick = build_model({"name": "wide_resnet", "depth": 10, "width_factor": 1, "ghost_batch_size": 4}, (40,), 10)
    assert any(isinstance(layer, keras.layers.Conv1D) for layer in quick.layers) and quick.output_shape == (None, 10)
    with pytest.raises(ValueError, match="6n \\+ 4"):
        build_model({"name": "wide_resnet", "depth": 12}, (40,), 10)
    with pytest.raises(ValueError, match="images"):
        build_model({"name": "wide_resnet", "depth": 10, "augment": True}, (40,), 10)


def test_ghost_batch_norm_with_one_ghost_is_batch_norm():
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(16, 5, 5, 4)).astype("float32")
    ghost, plain = GhostBatchNormalization(16), keras.layers.BatchNormalization()
    np.testing.assert_allclose(ghost(x, training=True), plain(x, training=True), atol=1e-5)
    np.testing.assert_allclose(ghost.moving_mean.numpy(), plain.moving_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(ghost.moving_variance.numpy(), plain.moving_variance.numpy(), atol=1e-5)
    np.testing.assert_allclose(ghost(x, training=False), plain(x, training=False), atol=1e-5)


@pytest.mark.parametrize("ghost_batch_size", [4, 5])  # 16 = 4 x 4, and 16 = 5 + 5 + 5 + 1 (a smaller last ghost)
def test_ghost_batch_norm_normalises_each_ghost_on_its_own(ghost_batch_size):
    x = np.random.default_rng(1).normal(-1.0, 2.0, size=(16, 7, 3)).astype("float32")
    ghost = GhostBatchNormalization(ghost_batch_size, epsilon=1e-3)
    compiled = tf.function(lambda inputs: ghost(inputs, training=True), jit_compile=True)
    parts = [x[start : start + ghost_batch_size] for start in range(0, 16, ghost_batch_size)]
    expected = np.concatenate([keras.layers.BatchNormalization()(part, training=True) for part in parts])
    np.testing.assert_allclose(compiled(x), expected, atol=1e-4)
    ghost_means = [part.mean(axis=(0, 1)) for part in parts]
    np.testing.assert_allclose(ghost.moving_mean.numpy(), 0.01 * np.mean(ghost_means, axis=0), atol=1e-6)


def test_ghost_batch_norm_does_not_depend_on_the_batch_size():
    x = np.random.default_rng(2).normal(size=(16, 6)).astype("float32")
    ghost = GhostBatchNormalization(4)
    doubled = ghost(np.concatenate([x, 3 * x + 1]), training=True)  # 8 ghosts, the first 4 as in x alone
    np.testing.assert_allclose(doubled[:16], ghost(x, training=True), atol=1e-5)


def test_xla_only_for_networks_without_convolutions_on_cpu():
    assert uses_xla(build_model({"name": "f1", "width": 8, "depth": 1}, (40,), 10))
    assert not uses_xla(build_model({"name": "c1", "filters": 4, "dense_units": [8, 8]}, (8, 8, 1), 10))
