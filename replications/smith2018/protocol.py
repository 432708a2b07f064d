"""Smith et al. 2018, the schedules and settings the config describes (plain data, no TensorFlow).

Every schedule is written in the config as the number of its steps that grow the batch: at each step
epoch the batch is multiplied by `factor` while that keeps it at or below `max_batch_size` (about N/10)
and the step is one of the first `batch_steps`; otherwise the learning rate is divided by `factor`.
0 steps is the decaying-learning-rate schedule, 1 the hybrid, all of them the increasing-batch one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from replications.schedules import Phase, Schedule
from replications.smith2018.config import SmithConfig


def step_schedule(
    *, learning_rate: float, initial_batch_size: int, step_epochs: list[int], factor: float, max_batch_size: int, batch_steps: int,
    anneals: bool = True,
) -> Schedule:
    """The piecewise schedule: grow the batch at the first `batch_steps` steps (within the cap), else decay the rate.

    Without `anneals`, no step changes anything: the constant schedule of the negative control.
    """
    phases = [Phase(0, learning_rate, initial_batch_size)]
    for index, epoch in enumerate(step_epochs if anneals else []):
        previous = phases[-1]
        grown = int(round(previous.batch_size * factor))
        if index < batch_steps and grown <= max_batch_size:
            phases.append(Phase(epoch, previous.learning_rate, grown))
        else:
            phases.append(Phase(epoch, previous.learning_rate / factor, previous.batch_size))
    return Schedule(tuple(phases))


def scheduled_updates(schedule: Schedule, num_train: int, epochs: int) -> int:
    """Parameter updates of `epochs` epochs: ceil(N / B) per epoch (the last batch of an epoch may be smaller)."""
    return sum(math.ceil(num_train / schedule.at(epoch).batch_size) for epoch in range(epochs))


def noise_scales(schedule: Schedule, num_train: int, momentum: float) -> list[float]:
    """g = lr N / (B (1 - m)) of each phase, the quantity both kinds of schedule anneal."""
    return [phase.learning_rate * num_train / (phase.batch_size * (1 - momentum)) for phase in schedule.phases]


@dataclasses.dataclass(frozen=True)
class Setting:
    """One trained setting: an optimizer (its config, with a variant's changes) and a kind of schedule."""

    optimizer: str
    schedule_kind: str
    optimizer_config: Mapping[str, Any]
    initial_batch_size: int

    @property
    def learning_rate(self) -> float:
        return self.optimizer_config["learning_rate"]

    @property
    def momentum(self) -> float:
        return self.optimizer_config.get("momentum", 0.0)


def settings(smith: SmithConfig) -> dict[str, Setting]:
    """Every trained setting by name: '<optimizer>-<schedule>' for the comparisons, the variant's name for variants."""
    resolved = {}
    for optimizer, schedules in smith.comparisons.items():
        for schedule in schedules:
            resolved[f"{optimizer}-{schedule}"] = Setting(optimizer, schedule, dict(smith.optimizers[optimizer]), smith.initial_batch_size)
    for name, variant in smith.variants.items():
        optimizer_config = dict(smith.optimizers[variant.optimizer])
        optimizer_config.update({key: getattr(variant, key) for key in ("learning_rate", "momentum") if getattr(variant, key) is not None})
        initial_batch_size = variant.initial_batch_size if variant.initial_batch_size is not None else smith.initial_batch_size
        resolved[name] = Setting(variant.optimizer, variant.schedule, optimizer_config, initial_batch_size)
    return resolved


def setting_schedule(smith: SmithConfig, setting: Setting) -> Schedule:
    return step_schedule(
        learning_rate=setting.learning_rate,
        initial_batch_size=setting.initial_batch_size,
        step_epochs=list(smith.step_epochs),
        factor=smith.factor,
        max_batch_size=smith.max_batch_size,
        batch_steps=smith.schedules[setting.schedule_kind].batch_steps,
        anneals=smith.schedules[setting.schedule_kind].anneals,
    )
