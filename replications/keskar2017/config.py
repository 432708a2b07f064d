"""The `keskar2017` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import ClaimRule, parse


@dataclasses.dataclass(frozen=True)
class Network:
    paper_row: str  # the paper's network this one stands for (F1, C1, ...)
    data: Mapping[str, Any]
    model: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Sharpness:
    epsilons: tuple[float, ...]
    subspace_dimension: int
    max_iterations: int


@dataclasses.dataclass(frozen=True)
class Parametric:
    alpha_min: float
    alpha_max: float
    points: int
    offset: float  # the claim compares the loss rise this far beyond each minimum
    batch_norm_examples: int


@dataclasses.dataclass(frozen=True)
class RunGroup:
    """The sweep (batch sizes) or the warm start (SB epochs before LB): which networks, values and seeds."""

    networks: tuple[str, ...]
    seeds: tuple[int, ...]
    batch_sizes: tuple[int, ...] = ()
    epochs: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Trajectory:
    epochs: tuple[int, ...]
    seed: int
    epsilon: float


@dataclasses.dataclass(frozen=True)
class Rescaling:
    alphas: tuple[float, ...]


@dataclasses.dataclass(frozen=True)
class ClaimRules:
    generalization_gap: ClaimRule
    sharper_minima: ClaimRule
    steeper_around_large_batch: ClaimRule
    batch_size_trend: ClaimRule
    warm_start: ClaimRule


@dataclasses.dataclass(frozen=True)
class KeskarConfig:
    seeds: tuple[int, ...]
    optimizer: Mapping[str, Any]
    small_batch: int
    large_batch_fraction: float
    budget: Mapping[str, Any]
    networks: dict[str, Network]
    sharpness: Sharpness
    parametric: Parametric
    sweep: RunGroup
    warm_start: RunGroup
    trajectory: Trajectory
    rescaling: Rescaling
    claims: ClaimRules
    not_reproduced: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "KeskarConfig":
        return parse(cls, config["keskar2017"])
