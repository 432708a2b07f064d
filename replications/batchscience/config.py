"""The `batchscience` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import parse


@dataclasses.dataclass(frozen=True)
class Network:
    data: Mapping[str, Any]
    model: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Throughput:
    networks: dict[str, Network]
    batch_sizes: tuple[int, ...]
    examples: int  # training examples per timing
    repeats: int  # timings per batch size (the median is kept)


@dataclasses.dataclass(frozen=True)
class GradientNoise:
    batch_sizes: tuple[int, ...]  # m, drawn with replacement
    draws: int
    training_batch: int
    epochs: int
    snapshot_epochs: tuple[int, ...]
    small_batch: int  # the two batch sizes of the B_simple estimator
    big_batch: int


@dataclasses.dataclass(frozen=True)
class StepsToTarget:
    target_accuracy: float
    batch_sizes: tuple[int, ...]
    learning_rates: tuple[float, ...]
    max_epochs: int
    max_updates: int


@dataclasses.dataclass(frozen=True)
class Regimes:
    small_batch: int
    large_batch: int
    epochs: int  # the small batch's budget
    warmup_epochs: int


@dataclasses.dataclass(frozen=True)
class SaturationRule:
    within: float  # saturation: the smallest batch within this share of the peak
    max_final_slope: float  # flat: log-log slope of the last doubling below this


@dataclasses.dataclass(frozen=True)
class SlopeRule:
    alpha: float
    tolerance: float


@dataclasses.dataclass(frozen=True)
class AgreementRule:
    agreement_factor: float


@dataclasses.dataclass(frozen=True)
class DiminishingReturnsRule:
    scaling_slope: float
    saturation_slope: float


@dataclasses.dataclass(frozen=True)
class MarginRule:
    alpha: float
    margin: float


@dataclasses.dataclass(frozen=True)
class ShareRule:
    alpha: float
    min_share_closed: float


@dataclasses.dataclass(frozen=True)
class FitRule:
    min_r_squared: float


@dataclasses.dataclass(frozen=True)
class ClaimRules:
    throughput_saturates: SaturationRule
    noise_slope: SlopeRule
    critical_batch: AgreementRule
    diminishing_returns: DiminishingReturnsRule
    equal_updates: MarginRule
    lr_scaling: ShareRule
    distance_log_updates: FitRule


@dataclasses.dataclass(frozen=True)
class ScienceConfig:
    seeds: tuple[int, ...]
    data: Mapping[str, Any]
    model: Mapping[str, Any]
    optimizer: Mapping[str, Any]  # the small batch's learning rate
    throughput: Throughput
    gradient_noise: GradientNoise
    steps_to_target: StepsToTarget
    regimes: Regimes
    claims: ClaimRules

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ScienceConfig":
        return parse(cls, config["batchscience"])
