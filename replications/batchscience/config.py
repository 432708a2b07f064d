"""The `batchscience` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from replications.typed_config import ClaimRule, OneSidedRule, key, parse

POSITIVE_INT = {"$ref": "#/$defs/positive_int"}
FRACTION = {"$ref": "#/$defs/fraction"}
BATCH_SIZES = {"items": POSITIVE_INT, "minItems": 3, "uniqueItems": True}


@dataclasses.dataclass(frozen=True)
class Network:
    """A network whose throughput is measured, with the data set it trains on."""

    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})


@dataclasses.dataclass(frozen=True)
class Throughput:
    """Seeds 000, 001: samples per second against batch size, per network, on this device."""

    networks: dict[str, Network] = key(minProperties=1, propertyNames={"pattern": "^[A-Za-z0-9]+$"})
    batch_sizes: tuple[int, ...] = key(**BATCH_SIZES)
    examples: int = key("training examples per pass", **POSITIVE_INT)
    sweeps: int = key(
        "timings per batch size, one per sweep over every batch size (in reverse order every other sweep, so a drift in "
        "the machine's speed touches every batch size alike); the verdict is decided on each sweep", **POSITIVE_INT)
    min_seconds: float = key("a timing repeats the pass until it lasts this long (2 updates of batch 1024 take ~0.03 s, "
                             "where the timer's noise alone moved the F1 verdict between two runs on one machine)",
                             default=0.25, minimum=0)


@dataclasses.dataclass(frozen=True)
class GradientNoise:
    """Seed 002 and McCandlish et al.: minibatch gradient spread against m, and B_simple along one run."""

    batch_sizes: tuple[int, ...] = key("m, drawn with replacement", **BATCH_SIZES)
    draws: int = key("minibatches drawn per size", minimum=2)
    training_batch: int = key(**POSITIVE_INT)
    epochs: int = key(**POSITIVE_INT)
    snapshot_epochs: tuple[int, ...] = key(items=POSITIVE_INT, minItems=1, uniqueItems=True)
    small_batch: int = key("the smaller batch size of the B_simple estimator", **POSITIVE_INT)
    big_batch: int = key("the larger batch size of the B_simple estimator", **POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class StepsToTarget:
    """Shallue et al.: updates to a target test accuracy per batch size, the learning rate tuned per batch size on
    `tuning_seed` and the updates measured on the section's seeds."""

    target_accuracy: float = key(**FRACTION)
    batch_sizes: tuple[int, ...] = key(**BATCH_SIZES)
    learning_rates: tuple[float, ...] = key(items={"exclusiveMinimum": 0}, minItems=1, uniqueItems=True)
    max_epochs: int = key(**POSITIVE_INT)
    max_updates: int = key(**POSITIVE_INT)
    tuning_seed: int = key("the seed the learning rate is chosen on; not one of `seeds`, which measure the steps", minimum=0)


@dataclasses.dataclass(frozen=True)
class Regimes:
    """Hoffer et al. and Goyal et al.: small vs large batch at equal epochs, equal updates, scaled learning rates."""

    small_batch: int = key(**POSITIVE_INT)
    large_batch: int = key(**POSITIVE_INT)
    epochs: int = key("the small batch's epochs", **POSITIVE_INT)
    warmup_epochs: int = key("epochs of linear warm-up for the scaled learning rates", **POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class ThroughputRule(ClaimRule):
    """Throughput saturates: batching pays (a speedup), then the curve flattens; decided on each sweep."""

    within: float = key("the saturation batch the table reports - the smallest within this share of the peak (not part of "
                        "the verdict)", **FRACTION)
    max_final_slope: float = key("flat - log-log slope between the two largest batch sizes below this")
    min_speedup: float = key("grows - the peak samples/s at least this many times the smallest batch's", exclusiveMinimum=1)
    linear_slope: float = key("not saturating - log-log slope between the two largest batch sizes at or above this",
                              exclusiveMinimum=0, maximum=1)
    sweep_agreement: float = key("the share of sweeps that must give the median curve's verdict for it to stand; else "
                                 "inconclusive", exclusiveMinimum=0, maximum=1)


@dataclasses.dataclass(frozen=True)
class SlopeRule(ClaimRule):
    """A fitted log-log slope equals the claimed one within a tolerance."""

    alpha: float = key(**FRACTION)
    tolerance: float = key(exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class AgreementRule(ClaimRule):
    """Two estimates of one quantity agree within a factor."""

    agreement_factor: float = key(exclusiveMinimum=1)


@dataclasses.dataclass(frozen=True)
class DiminishingReturnsRule(ClaimRule):
    """Steps to target against batch size: perfect scaling, then diminishing returns, read off the local slopes."""

    artefact_slope: float = key("a local slope below this is steeper than perfect scaling (-1) can be: an artefact", maximum=-1)
    scaling_slope: float = key(maximum=0)
    saturation_slope: float = key(maximum=0)


@dataclasses.dataclass(frozen=True)
class NoLossRule(ClaimRule):
    """No accuracy lost beyond a margin (non-inferiority)."""

    alpha: float = key(**FRACTION)
    margin: float = key(minimum=0)


@dataclasses.dataclass(frozen=True)
class ShareClosedRule(ClaimRule):
    """A remedy closes most of a gap: the share closed, against the least share that counts."""

    alpha: float = key(**FRACTION)
    min_share_closed: float = key(**FRACTION)


@dataclasses.dataclass(frozen=True)
class FitRule(ClaimRule):
    """A straight-line fit explains the data: the least R² that counts."""

    min_r_squared: float = key(**FRACTION)


@dataclasses.dataclass(frozen=True)
class ScienceClaims:
    """The claim rules, one per claim (schema and thresholds: each rule's kind)."""

    throughput_saturates: ThroughputRule
    noise_slope: SlopeRule
    critical_batch: AgreementRule
    diminishing_returns: DiminishingReturnsRule
    equal_updates: NoLossRule
    gap_shrinks: OneSidedRule = key("min_effect - the accuracy gain (fraction) from equal updates that counts")
    lr_scaling: ShareClosedRule
    distance_log_updates: FitRule


@dataclasses.dataclass(frozen=True)
class ScienceConfig:
    """The `batchscience` section (the claims around the papers, ../shared/seeds): the training parts share one data
    set, network and optimizer. Its JSON Schema is written from it; `#/$defs/...` are config/schema.yaml's."""

    seeds: tuple[int, ...] = key(items={"minimum": 0}, minItems=2, uniqueItems=True)
    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})
    optimizer: Mapping[str, Any] = key("the small batch's optimizer and learning rate", **{"$ref": "#/$defs/optimizer"})
    throughput: Throughput
    gradient_noise: GradientNoise
    steps_to_target: StepsToTarget
    regimes: Regimes
    claims: ScienceClaims

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ScienceConfig:
        return parse(cls, config["batchscience"])
