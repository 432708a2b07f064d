"""The `batchscience` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import ClaimRule, parse


@dataclasses.dataclass(frozen=True)
class Network:
    """A network whose throughput is measured, with the data set it trains on."""

    data: Mapping[str, Any]
    model: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Throughput:
    """Seeds 000, 001: samples per second against batch size, per network, on this device."""

    networks: dict[str, Network]
    batch_sizes: tuple[int, ...]
    examples: int  # training examples per pass
    sweeps: int  # timings per batch size: one per sweep over every batch size; the verdict is decided per sweep
    min_seconds: float = 0.25  # a timing repeats the pass until it lasts this long


@dataclasses.dataclass(frozen=True)
class GradientNoise:
    """Seed 002 and McCandlish et al.: minibatch gradient spread against m, and B_simple along one run."""

    batch_sizes: tuple[int, ...]  # m, drawn with replacement
    draws: int
    training_batch: int
    epochs: int
    snapshot_epochs: tuple[int, ...]
    small_batch: int  # the two batch sizes of the B_simple estimator
    big_batch: int


@dataclasses.dataclass(frozen=True)
class StepsToTarget:
    """Shallue et al.: updates to a target test accuracy per batch size, the learning rate tuned per batch size on
    `tuning_seed` and the updates measured on the section's seeds."""

    target_accuracy: float
    batch_sizes: tuple[int, ...]
    learning_rates: tuple[float, ...]
    max_epochs: int
    max_updates: int
    tuning_seed: int


@dataclasses.dataclass(frozen=True)
class Regimes:
    """Hoffer et al. and Goyal et al.: small vs large batch at equal epochs, equal updates, scaled learning rates."""

    small_batch: int
    large_batch: int
    epochs: int  # the small batch's budget
    warmup_epochs: int


@dataclasses.dataclass(frozen=True)
class ScienceConfig:
    """The whole section; the training parts share one data set, network and optimizer."""

    seeds: tuple[int, ...]
    data: Mapping[str, Any]
    model: Mapping[str, Any]
    optimizer: Mapping[str, Any]  # the small batch's learning rate
    throughput: Throughput
    gradient_noise: GradientNoise
    steps_to_target: StepsToTarget
    regimes: Regimes
    claims: dict[str, ClaimRule]  # by claim: throughput_saturates, noise_slope, ... (schema.yaml)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ScienceConfig":
        return parse(cls, config["batchscience"])
