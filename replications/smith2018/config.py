"""The `smith2018` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import ClaimRule, parse


@dataclasses.dataclass(frozen=True)
class ScheduleKind:
    """A kind of schedule, by how many of its steps grow the batch (0: decaying learning rate)."""

    batch_steps: int  # how many of the first steps grow the batch instead of decaying the learning rate
    anneals: bool = True  # False: no steps at all (the negative control's constant learning rate and batch)


@dataclasses.dataclass(frozen=True)
class Variant:
    """An increasing-batch run from a larger start (Fig. 6); unset values come from the protocol."""

    optimizer: str
    schedule: str
    learning_rate: float | None = None
    momentum: float | None = None
    initial_batch_size: int | None = None


@dataclasses.dataclass(frozen=True)
class SmithConfig:
    """The whole section: the shared protocol, the optimizers and schedules, what is trained, the claim rules."""

    data: Mapping[str, Any]
    model: Mapping[str, Any]
    seeds: tuple[int, ...]
    seeds_per_job: int  # a job trains this many seeds of one setting in turn (the steps compiled once)
    epochs: int
    step_epochs: tuple[int, ...]
    factor: float
    initial_batch_size: int
    max_batch_size: int
    optimizers: dict[str, Mapping[str, Any]]
    schedules: dict[str, ScheduleKind]
    comparisons: dict[str, tuple[str, ...]]  # optimizer -> the schedules trained with it
    variants: dict[str, Variant]
    negative_control: str  # the schedule that does not anneal: the equivalence tests must tell it apart
    claims: dict[str, ClaimRule]  # equivalence, curve_equivalence, train_loss_equivalence (alpha, margin), momentum_cost

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "SmithConfig":
        return parse(cls, config["smith2018"])
