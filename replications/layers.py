"""Layers Keras 3 does not ship: ghost batch normalisation (Hoffer et al. 2017)."""

from __future__ import annotations

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="replications")
class GhostBatchNormalization(keras.layers.Layer):
    """Batch normalisation with statistics over fixed-size sub-batches ("ghost batches").

    In training, consecutive groups of `ghost_batch_size` examples are normalised by their own
    mean and (biased) variance, so the normalisation noise does not change when the batch grows;
    a last, smaller group takes the remainder. The moving statistics follow Keras'
    BatchNormalization, fed with the mean of the ghost statistics: with one ghost per batch the
    layer is plain batch normalisation. Normalises the last axis (channels).
    """

    def __init__(self, ghost_batch_size: int, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs) -> None:
        super().__init__(**kwargs)
        if ghost_batch_size < 1:
            raise ValueError(f"ghost_batch_size must be >= 1, got {ghost_batch_size}")
        self.ghost_batch_size = ghost_batch_size
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=channels, initializer="zeros", name="beta")
        # aggregation "mean": under MirroredStrategy, the replicas' updates of the moving statistics are averaged.
        self.moving_mean = self.add_weight(shape=channels, initializer="zeros", trainable=False, aggregation="mean", name="moving_mean")
        self.moving_variance = self.add_weight(
            shape=channels, initializer="ones", trainable=False, aggregation="mean", name="moving_variance"
        )

    def call(self, inputs, training: bool = False):
        if not training:
            return self._normalise(inputs, self.moving_mean, self.moving_variance)
        batch_size = inputs.shape[0]
        if batch_size is None:  # the engine's compiled steps have a static batch size
            raise ValueError("GhostBatchNormalization needs a static batch size in training")
        num_ghosts = math.ceil(batch_size / self.ghost_batch_size)
        ghost_of_example = ops.arange(batch_size) // self.ghost_batch_size
        sizes = ops.cast(ops.bincount(ghost_of_example, minlength=num_ghosts), inputs.dtype)
        per_ghost_count = ops.reshape(sizes, (-1, 1)) * math.prod(inputs.shape[1:-1])
        channels = inputs.shape[-1]
        flat_axes = tuple(range(1, len(inputs.shape) - 1))

        def ghost_means(values):  # per ghost and channel: the mean over its examples and positions
            per_example = ops.sum(values, axis=flat_axes) if flat_axes else values
            return ops.segment_sum(per_example, ghost_of_example, num_segments=num_ghosts) / per_ghost_count

        mean = ghost_means(inputs)
        expand = (batch_size,) + (1,) * len(flat_axes) + (channels,)
        mean_per_example = ops.reshape(ops.take(mean, ghost_of_example, axis=0), expand)
        variance = ghost_means(ops.square(inputs - mean_per_example))
        variance_per_example = ops.reshape(ops.take(variance, ghost_of_example, axis=0), expand)
        self.moving_mean.assign(self.momentum * self.moving_mean + (1 - self.momentum) * ops.mean(mean, axis=0))
        self.moving_variance.assign(self.momentum * self.moving_variance + (1 - self.momentum) * ops.mean(variance, axis=0))
        return self._normalise(inputs, mean_per_example, variance_per_example)

    def _normalise(self, inputs, mean, variance):
        return (inputs - mean) * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta

    def get_config(self) -> dict:
        return {**super().get_config(), "ghost_batch_size": self.ghost_batch_size, "momentum": self.momentum, "epsilon": self.epsilon}
