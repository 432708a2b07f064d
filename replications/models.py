"""Networks of Keskar et al. (Table 1), Smith et al.'s Wide ResNet, and their quick-scale variants, as functional Keras models.

Every network ends in a Dense layer named "logits" without softmax; the losses use
`from_logits=True`, which is the paper's softmax + cross-entropy computed stably.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from replications.layers import GhostBatchNormalization

# Filters of the VGG-16-like C2/C4 stacks (Keskar et al. Table 1).
VGG16_STACKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def f1(
    input_shape: tuple[int, ...],
    num_classes: int,
    width: int = 512,
    depth: int = 5,
    ghost_batch_size: int | None = None,
    weight_decay: float = 0.0,
) -> keras.Model:
    """F1: fully connected, `depth` x [Dense width, BN, ReLU] (paper: 784 -> 5 x 512 -> 10).

    `ghost_batch_size`: ghost batch normalisation (statistics per ghost batch, Smith et al.'s protocol)
    instead of batch normalisation. `weight_decay`: SGD's decay on the Dense kernels (see wide_resnet).
    """
    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None
    inputs = keras.Input(input_shape)
    x = layers.Flatten()(inputs)
    for _ in range(depth):
        x = layers.Dense(width, kernel_regularizer=regularizer)(x)
        normalisation = GhostBatchNormalization(ghost_batch_size) if ghost_batch_size else layers.BatchNormalization()
        x = layers.ReLU()(normalisation(x))
    outputs = layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(x)
    return keras.Model(inputs, outputs, name="f1")


def c1(
    input_shape: tuple[int, ...],
    num_classes: int,
    filters: int = 64,
    dense_units: tuple[int, int] = (384, 192),
) -> keras.Model:
    """C1/C3: 2 x [Conv 5x5 same, BN, ReLU, MaxPool 3x3 stride 2] -> 2 x [Dense, BN, ReLU, Dropout 0.5].

    Pooling uses Keras' default 'valid' padding (the paper does not say; our choice).
    """
    inputs = keras.Input(input_shape)
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(filters, 5, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(pool_size=3, strides=2)(x)
    x = layers.Flatten()(x)
    for units in dense_units:
        x = layers.Dense(units)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="c1")


def c2(input_shape: tuple[int, ...], num_classes: int, width_multiplier: float = 1.0) -> keras.Model:
    """C2/C4: VGG-16-like 3x3 conv stacks with BN; dropout 0.3 in the first stack, 0.4 later.

    Dropout follows every convolution of a stack but its last, as in Zagoruyko's cifar.torch VGG.
    """
    inputs = keras.Input(input_shape)
    x = inputs
    for stack_index, (filters, convolutions) in enumerate(VGG16_STACKS):
        for conv_index in range(convolutions):
            x = layers.Conv2D(max(1, round(filters * width_multiplier)), 3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
            if conv_index < convolutions - 1:
                x = layers.Dropout(0.3 if stack_index == 0 else 0.4)(x)
        x = layers.MaxPooling2D(pool_size=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(max(1, round(512 * width_multiplier)))(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="c2")


def shallow(input_shape: tuple[int, ...], num_classes: int, hidden_units: int = 64, activation: str = "sigmoid") -> keras.Model:
    """One hidden layer, as in Wilson & Martinez 2003 (sigmoid units; the output is logits here)."""
    inputs = keras.Input(input_shape)
    x = layers.Flatten()(inputs)
    x = layers.Dense(hidden_units, activation=activation)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="shallow")


def wide_resnet(
    input_shape: tuple[int, ...],
    num_classes: int,
    depth: int = 16,
    width_factor: int = 4,
    ghost_batch_size: int = 128,
    weight_decay: float = 5e-4,
    augment: bool = False,
) -> keras.Model:
    """WRN-depth-k (Zagoruyko & Komodakis 2016), pre-activation blocks, ghost batch normalisation.

    Three groups of (depth - 4) / 6 blocks with 16k, 32k, 64k channels (WRN-16-4: 2 blocks of
    64, 128, 256). Images (H, W, C) use 3x3 2-D convolutions; 1-D signals (L,) or (L, C) use
    1-D ones, for the quick scale. `weight_decay` is SGD's decay (the gradient gains
    weight_decay * w), so the L2 penalty is weight_decay / 2 * |w|^2. `augment`: the CIFAR
    augmentation (pad 4, random 32x32 crop, horizontal flip), active in training only.
    """
    if (depth - 4) % 6:
        raise ValueError(f"a Wide ResNet's depth must be 6n + 4, got {depth}")
    blocks_per_group = (depth - 4) // 6
    inputs = keras.Input(input_shape)
    x = layers.Reshape(input_shape + (1,))(inputs) if len(input_shape) == 1 else inputs
    convolution = layers.Conv2D if len(x.shape) == 4 else layers.Conv1D
    if augment:
        if convolution is not layers.Conv2D:
            raise ValueError("augment applies to images (height, width, channels) only")
        x = layers.ZeroPadding2D(4)(x)
        x = layers.RandomCrop(input_shape[0], input_shape[1])(x)
        x = layers.RandomFlip("horizontal")(x)
    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None

    def conv(filters: int, kernel_size: int, strides: int = 1) -> layers.Layer:
        return convolution(filters, kernel_size, strides=strides, padding="same", use_bias=False, kernel_regularizer=regularizer)

    def normalise_and_activate(tensor):
        return layers.ReLU()(GhostBatchNormalization(ghost_batch_size, momentum=0.9, epsilon=1e-5)(tensor))

    x = conv(16, 3)(x)
    for group, channels in enumerate(16 * width_factor * 2**g for g in range(3)):
        for block in range(blocks_per_group):
            strides = 2 if group > 0 and block == 0 else 1
            activated = normalise_and_activate(x)
            shortcut = x if x.shape[-1] == channels and strides == 1 else conv(channels, 1, strides)(activated)
            residual = conv(channels, 3, strides)(activated)
            residual = conv(channels, 3)(normalise_and_activate(residual))
            x = layers.Add()([shortcut, residual])
    x = normalise_and_activate(x)
    x = layers.GlobalAveragePooling2D()(x) if convolution is layers.Conv2D else layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(x)
    return keras.Model(inputs, outputs, name=f"wrn_{depth}_{width_factor}")


BUILDERS = {"f1": f1, "c1": c1, "c2": c2, "shallow": shallow, "wide_resnet": wide_resnet}


def build_model(model_config: dict[str, Any], input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """Build the network a config's `model:` block names, e.g. {name: f1, width: 512, depth: 2}."""
    options = dict(model_config)
    name = options.pop("name")
    if name not in BUILDERS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(BUILDERS)}")
    if "dense_units" in options:
        options["dense_units"] = tuple(options["dense_units"])
    return BUILDERS[name](input_shape, num_classes, **options)
