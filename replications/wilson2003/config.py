"""The `wilson2003` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import ClaimRule, parse


@dataclasses.dataclass(frozen=True)
class Task:
    """A data set of the grid; its hold-out set is split off the training data."""

    data: Mapping[str, Any]
    description: str | None = None


@dataclasses.dataclass(frozen=True)
class SizeSeries:
    """Claim 5's task at several training-set sizes: the task itself and its first `max_train_examples` examples
    (before the hold-out split), each trained online and full batch only."""

    task: str
    max_train_examples: tuple[int, ...]

    def member(self, size: int) -> str:
        return f"{self.task}_n{size}"


@dataclasses.dataclass(frozen=True)
class ClaimRules:
    """The claim rules; the common target that epochs are counted to; what makes a run stable."""

    fewer_epochs: ClaimRule
    no_accuracy_gain: ClaimRule  # margin: the largest hold-out accuracy gain (fraction) that still counts as none
    linear_growth: ClaimRule  # the log-log slope counts as linear within 1 +- tolerance
    stable_rate_falls: ClaimRule
    larger_sets_slower: ClaimRule  # full batch's epoch ratio to online grows with the training set (over tasks)
    target_fraction: float  # a task's target: this share of the best mean hold-out accuracy any of its settings reaches
    stable_loss_share: float  # stable: no divergence, final training loss below this share of the no-information loss


@dataclasses.dataclass(frozen=True)
class WilsonConfig:
    """The whole section: tasks, the grid of batch sizes and learning rates, budgets, the claim rules."""

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
    training_set_every_epoch: bool = True
    equal_budget_epochs: int = 200  # claim 2: online and full batch compared after this many epochs each
    size_series: SizeSeries | None = None
    crossing_probes: int = 8  # claim 3: a crossing within the first refine_within_epochs epochs is refined to 1/this of an epoch
    refine_within_epochs: int = 8

    def series_tasks(self) -> dict[str, Task]:
        """The size series' members by name, smallest first, the task itself (at its own size) last; {} if none."""
        if self.size_series is None:
            return {}
        base = self.tasks[self.size_series.task]
        members = {self.size_series.member(size): Task(data={**base.data, "max_train_examples": size}, description=f"first {size} examples")
                   for size in sorted(self.size_series.max_train_examples)}  # fmt: skip
        return {**members, self.size_series.task: base}

    def task(self, name: str) -> Task:
        """A task of the grid or a member of the size series."""
        found = {**self.tasks, **self.series_tasks()}.get(name)
        if found is None:
            raise ValueError(f"task {name!r} is neither in wilson2003.tasks {sorted(self.tasks)} nor in its size series")
        return found

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "WilsonConfig":
        return parse(cls, config["wilson2003"])
