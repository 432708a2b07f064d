import keras
import pytest

from replications.models import VGG16_STACKS, build_model


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


def test_quick_variants_and_unknown_model():
    small = build_model({"name": "f1", "width": 32, "depth": 2}, (40,), 10)
    assert small.count_params() == (40 * 32 + 32) + (32 * 32 + 32) + 2 * 4 * 32 + (32 * 10 + 10)
    digits_cnn = build_model({"name": "c1", "filters": 16, "dense_units": [32, 16]}, (8, 8, 1), 10)
    assert digits_cnn.output_shape == (None, 10)
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        build_model({"name": "resnet"}, (8,), 2)
