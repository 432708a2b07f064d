"""The `wilson2003` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from replications.typed_config import ClaimRule, OneSidedRule, key, parse

POSITIVE_INT = {"$ref": "#/$defs/positive_int"}
FRACTION = {"$ref": "#/$defs/fraction"}


@dataclasses.dataclass(frozen=True)
class Task:
    """A data set of the grid; its hold-out set is split off the training data."""

    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    description: str | None = key(default=None)


@dataclasses.dataclass(frozen=True)
class SizeSeries:
    """Claim 5 (larger training sets need relatively more full-batch epochs) on one task at several training-set sizes:
    the task itself and its first max_train_examples examples (before the hold-out split), online and full batch only."""

    task: str
    max_train_examples: tuple[int, ...] = key("besides the task's own size", items=POSITIVE_INT, minItems=1, uniqueItems=True)

    def member(self, size: int) -> str:
        return f"{self.task}_n{size}"


@dataclasses.dataclass(frozen=True)
class NoGainRule(ClaimRule):
    """Online training gains no hold-out accuracy over the full batch beyond a margin (non-inferiority)."""

    alpha: float = key(**FRACTION)
    margin: float = key("largest accuracy gain (fraction) that still counts as none", minimum=0)
    min_margin_examples: int = key("the margin is at least this many of the task's test examples", **POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class LinearGrowthRule(ClaimRule):
    """Epochs to the target grow linearly with the batch size: a log-log slope near 1."""

    alpha: float = key(**FRACTION)
    min_batch_size: int = key(**POSITIVE_INT)
    min_points: int = key("validity - each seed's fit uses at least this many batch sizes (else not measured)", minimum=2)
    tolerance: float = key("the slope counts as linear within 1 +- tolerance", exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class StableRateRule(ClaimRule):
    """The largest stable learning rate falls as the batch grows (a rank test)."""

    alpha: float = key(**FRACTION)
    max_censored_share: float = key("tested only if at most this share of cells is stable at the top of the grid", **FRACTION)


@dataclasses.dataclass(frozen=True)
class SeriesSlopeRule(ClaimRule):
    """Per seed, the slope of log(epochs full / online) on log(training-set size) over the size series; one-sided t
    over seeds."""

    alpha: float = key(**FRACTION)
    min_effect: float = key("the smallest slope that counts; an upper bound below it is not reproduced", minimum=0)


@dataclasses.dataclass(frozen=True)
class ClaimRules:
    """The claim rules; the common target that epochs are counted to; what makes a run stable."""

    fewer_epochs: OneSidedRule = key("min_effect: log(epochs full / epochs online) that counts")
    no_accuracy_gain: NoGainRule
    linear_growth: LinearGrowthRule
    stable_rate_falls: StableRateRule
    larger_sets_slower: SeriesSlopeRule
    target_fraction: float = key("epochs are counted to a common target per task, this share of the best mean hold-out "
                                 "accuracy any setting reaches", exclusiveMinimum=0, maximum=1)
    stable_loss_share: float = key("a run is stable if it did not diverge and its last epoch's training loss is below this "
                                   "share of the no-information loss (the cross-entropy of predicting the training set's "
                                   "class frequencies)", exclusiveMinimum=0, maximum=1)


@dataclasses.dataclass(frozen=True)
class WilsonConfig:
    """The `wilson2003` section (Wilson & Martinez 2003): tasks, the grid of batch sizes and learning rates, budgets,
    the claim rules. Its JSON Schema is written from it; `#/$defs/...` are config/schema.yaml's."""

    tasks: dict[str, Task] = key("data sets, keyed by a task name; a batch size at or above a task's training-set size is "
                                 "skipped", minProperties=2, propertyNames={"pattern": "^[a-z0-9_]+$"})
    large_task: str = key("the task whose whole grid is tabulated (the paper's Digit task)")
    holdout_fraction: float = key("share of the training data held out to measure accuracy", **FRACTION)
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})
    batch_sizes: tuple[int, ...] = key("besides the full batch", items=POSITIVE_INT, minItems=1, uniqueItems=True)
    learning_rates: tuple[float, ...] = key(items={"exclusiveMinimum": 0}, minItems=1, uniqueItems=True)
    seeds: tuple[int, ...] = key(items={"minimum": 0}, minItems=2, uniqueItems=True)
    max_epochs: dict[str, int] = key("epoch budget per batch size (keys - the batch sizes and 'full')", additionalProperties=POSITIVE_INT)
    claims: ClaimRules
    training_set_every_epoch: bool = key(
        "evaluate the whole training set after every epoch, or (false) only after the last; no claim, table or figure of "
        "this paper reads the per-epoch training-set numbers (the hold-out set is evaluated after every epoch either way)",
        default=True)
    equal_budget_epochs: int = key("claim 2 compares online and full batch after this many epochs each (at most both "
                                   "sides' max_epochs)", default=200, **POSITIVE_INT)
    size_series: SizeSeries | None = key(default=None)
    crossing_probes: int = key(
        "claim 3's resolution below an epoch: where a run the claim reads first reaches the target within the first "
        "refine_within_epochs epochs, that epoch is retrained to this many evenly spaced points (at least one update "
        "apart) and the first point at the target counts (fractional epochs)", default=8, **POSITIVE_INT)
    refine_within_epochs: int = key("crossings at or before this epoch are refined (later ones have a resolution of 1 / "
                                    "epoch or better)", default=8, **POSITIVE_INT)

    def series_tasks(self) -> dict[str, Task]:
        """The size series' members by name, smallest first, the task itself (at its own size) last; {} if none."""
        if self.size_series is None:
            return {}
        base = self.tasks[self.size_series.task]
        members = {self.size_series.member(size): Task(data={**base.data, "max_train_examples": size}, description=f"first {size} examples")
                   for size in sorted(self.size_series.max_train_examples)}
        return {**members, self.size_series.task: base}

    def task(self, name: str) -> Task:
        """A task of the grid or a member of the size series."""
        found = {**self.tasks, **self.series_tasks()}.get(name)
        if found is None:
            raise ValueError(f"task {name!r} is neither in wilson2003.tasks {sorted(self.tasks)} nor in its size series")
        return found

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WilsonConfig:
        return parse(cls, config["wilson2003"])
