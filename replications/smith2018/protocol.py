"""Smith et al. 2018, the schedules and settings the config describes (plain data, no TensorFlow).

Every schedule is written in the config as the number of its steps that grow the batch: at each step
epoch the batch is multiplied by `factor` while that keeps it at or below `max_batch_size` (about N/10)
and the step is one of the first `batch_steps`; otherwise the learning rate is divided by `factor`.
0 steps is the decaying-learning-rate schedule, 1 the hybrid, all of them the increasing-batch one.
"""

from __future__ import annotations

import math
from typing import Any

from replications.schedules import Phase, Schedule


def step_schedule(
    *, learning_rate: float, initial_batch_size: int, step_epochs: list[int], factor: float, max_batch_size: int, batch_steps: int
) -> Schedule:
    """The piecewise schedule: grow the batch at the first `batch_steps` steps (within the cap), else decay the rate."""
    phases = [Phase(0, learning_rate, initial_batch_size)]
    for index, epoch in enumerate(step_epochs):
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


def settings(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every trained setting by name: '<optimizer>-<schedule>' for the comparisons, the variant's name for variants.

    Each has its optimizer config, schedule kind, initial learning rate and batch size, momentum.
    """
    resolved = {}
    for optimizer, schedules in section["comparisons"].items():
        for schedule in schedules:
            resolved[f"{optimizer}-{schedule}"] = _setting(section, optimizer, schedule, {})
    for name, variant in section["variants"].items():
        overrides = {key: variant[key] for key in ("learning_rate", "momentum", "initial_batch_size") if key in variant}
        resolved[name] = _setting(section, variant["optimizer"], variant["schedule"], overrides)
    return resolved


def _setting(section: dict[str, Any], optimizer: str, schedule: str, overrides: dict[str, Any]) -> dict[str, Any]:
    optimizer_config = dict(section["optimizers"][optimizer])
    optimizer_config.update({key: overrides[key] for key in ("learning_rate", "momentum") if key in overrides})
    return {
        "optimizer": optimizer,
        "schedule_kind": schedule,
        "optimizer_config": optimizer_config,
        "learning_rate": optimizer_config["learning_rate"],
        "momentum": optimizer_config.get("momentum", 0.0),
        "initial_batch_size": overrides.get("initial_batch_size", section["initial_batch_size"]),
    }


def setting_schedule(section: dict[str, Any], setting: dict[str, Any]) -> Schedule:
    return step_schedule(
        learning_rate=setting["learning_rate"],
        initial_batch_size=setting["initial_batch_size"],
        step_epochs=section["step_epochs"],
        factor=section["factor"],
        max_batch_size=section["max_batch_size"],
        batch_steps=section["schedules"][setting["schedule_kind"]]["batch_steps"],
    )
