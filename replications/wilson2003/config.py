"""The `wilson2003` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import parse


@dataclasses.dataclass(frozen=True)
class Task:
    data: Mapping[str, Any]
    description: str | None = None


@dataclasses.dataclass(frozen=True)
class Alpha:
    alpha: float


@dataclasses.dataclass(frozen=True)
class NoGainRule:
    alpha: float
    margin: float  # the largest hold-out accuracy gain (fraction) that still counts as none


@dataclasses.dataclass(frozen=True)
class LinearGrowthRule:
    alpha: float
    min_batch_size: int
    tolerance: float  # the log-log slope counts as linear within 1 +- tolerance


@dataclasses.dataclass(frozen=True)
class ClaimRules:
    fewer_epochs: Alpha
    no_accuracy_gain: NoGainRule
    linear_growth: LinearGrowthRule
    stable_rate_falls: Alpha
    stable_margin: float


@dataclasses.dataclass(frozen=True)
class WilsonConfig:
    tasks: dict[str, Task]
    large_task: str
    holdout_fraction: float
    model: Mapping[str, Any]
    batch_sizes: tuple[int, ...]
    learning_rates: tuple[float, ...]
    seeds: tuple[int, ...]
    max_epochs: dict[str, int]  # per batch label ('1', '10', ..., 'full')
    checkpoint_seconds: float
    claims: ClaimRules

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "WilsonConfig":
        return parse(cls, config["wilson2003"])
