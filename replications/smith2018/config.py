"""The `smith2018` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from replications.typed_config import EquivalenceRule, OneSidedRule, key, parse

NAME_PATTERN = {"pattern": "^[a-z0-9_]+$"}
POSITIVE_INT = {"$ref": "#/$defs/positive_int"}


@dataclasses.dataclass(frozen=True)
class ScheduleKind:
    """A kind of schedule, by how many of its steps grow the batch (0: decaying learning rate)."""

    batch_steps: int = key("how many of the first steps grow the batch instead of decaying the rate", minimum=0)
    anneals: bool = key("false: no steps at all (constant learning rate and batch: the negative control)",
                       default=True, fill=False)


@dataclasses.dataclass(frozen=True)
class Variant:
    """An increasing-batch run from a larger start (Fig. 6); unset values come from the protocol."""

    optimizer: str
    schedule: str
    learning_rate: float | None = key(default=None, exclusiveMinimum=0)
    momentum: float | None = key(default=None, minimum=0, exclusiveMaximum=1)
    initial_batch_size: int | None = key(default=None, **POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class MomentumCostRule(OneSidedRule):
    """Momentum costs a little test accuracy: a one-sided test, and the largest cost that is still "a little"."""

    max_effect: float = key("the largest effect the claim allows (\"a little\"); a lower bound above it is not reproduced", exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class SmithClaims:
    """The claim rules, one per claim (schema and thresholds: each rule's kind)."""

    equivalence: EquivalenceRule = key("final test accuracy (margin a fraction)")
    curve_equivalence: EquivalenceRule = key("test accuracy at every epoch from the first step on")
    train_loss_equivalence: EquivalenceRule = key("log training cross-entropy at every epoch from the first step on")
    momentum_cost: MomentumCostRule


@dataclasses.dataclass(frozen=True)
class SmithConfig:
    """The `smith2018` section (Smith et al. 2018): the shared protocol, the optimizers and schedules, what is
    trained, the claim rules. Its JSON Schema is written from it; `#/$defs/...` are config/schema.yaml's."""

    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})
    seeds: tuple[int, ...] = key(items={"minimum": 0}, minItems=2, uniqueItems=True)
    seeds_per_job: int = key("runs of a setting trained one after another in one job, which reuses the compiled steps "
                             "(the last job takes the rest)", **POSITIVE_INT)
    epochs: int = key(**POSITIVE_INT)
    step_epochs: tuple[int, ...] = key("epochs (0-based) at which each schedule steps; increasing, below epochs",
                                       items=POSITIVE_INT, minItems=1, uniqueItems=True)
    factor: float = key("batch x factor or learning rate / factor at each step", exclusiveMinimum=1)
    initial_batch_size: int = key(**POSITIVE_INT)
    max_batch_size: int = key("the cap (about N/10); past it the learning rate decays instead", **POSITIVE_INT)
    optimizers: dict[str, Mapping[str, Any]] = key(minProperties=1, propertyNames=NAME_PATTERN,
                                                   additionalProperties={"$ref": "#/$defs/optimizer"})
    schedules: dict[str, ScheduleKind] = key(minProperties=2, propertyNames=NAME_PATTERN)
    comparisons: dict[str, tuple[str, ...]] = key("optimizer -> the schedules trained with it", minProperties=1,
                                                  additionalProperties={"minItems": 2, "uniqueItems": True})
    variants: dict[str, Variant] = key("increasing-batch runs from a larger start: B proportional to the learning rate "
                                       "and to 1 / (1 - momentum)", propertyNames=NAME_PATTERN)
    negative_control: str = key("the schedule (anneals false) that every equivalence test must tell apart from "
                                "decaying the learning rate")
    claims: SmithClaims

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmithConfig:
        return parse(cls, config["smith2018"])
