"""Smith et al. 2018: schedules that decay the learning rate against schedules that increase the batch size.

Every schedule is written in the config as the number of its steps that grow the batch: at each step
epoch the batch is multiplied by `factor` while that keeps it at or below `max_batch_size` (about N/10)
and the step is one of the first `batch_steps`; otherwise the learning rate is divided by `factor`.
0 steps is the decaying-learning-rate schedule, 1 the hybrid, all of them the increasing-batch one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications.training import Phase, Schedule


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


def run_dir(results_dir: str | Path, name: str, seed: int) -> Path:
    return Path(results_dir) / "smith2018" / name / f"seed{seed}"


def group_path(results_dir: str | Path, name: str) -> Path:
    return Path(results_dir) / "smith2018" / name / "runs.csv"


def switch_seconds(history: pd.DataFrame) -> list[float]:
    """Per batch-size change: the first epoch's time at the new size minus the median of that size's other epochs.

    The difference is the cost of the switch: tracing and compiling the new size's training loop.
    """
    durations = np.diff(history["wall_seconds"].to_numpy(), prepend=0.0)
    sizes = history["batch_size"].to_numpy()
    costs = []
    for index in np.flatnonzero(np.diff(sizes)) + 1:
        others = [durations[i] for i in range(index + 1, len(sizes)) if sizes[i] == sizes[index]]
        if others:
            costs.append(float(durations[index] - np.median(others)))
    return costs


def run_setting(config: dict[str, Any], name: str) -> pd.DataFrame:
    """Every seed of one setting in one process (one TensorFlow start-up); per-epoch rows of all seeds."""
    from replications.data import dataset_from_config
    from replications.runs import train_run
    from replications.training import Budget, configure_runtime

    runtime = config["runtime"]
    configure_runtime(runtime["threads_per_job"], runtime["deterministic_ops"])
    section = config["smith2018"]
    setting = settings(section)[name]
    dataset = dataset_from_config(section["data"])
    schedule = setting_schedule(section, setting)
    frames = []
    for seed in section["seeds"]:
        result = train_run(
            dataset=dataset, model_config=section["model"], optimizer_config=setting["optimizer_config"],
            schedule=schedule, budget=Budget(max_epochs=section["epochs"]), seed=seed,
            run_dir=run_dir(config["results_dir"], name, seed), runtime=runtime,
        )  # fmt: skip
        frames.append(result.history.assign(setting=name, seed=seed, diverged=result.metrics["diverged"]))
    return pd.concat(frames, ignore_index=True)


def collect(config: dict[str, Any]) -> pd.DataFrame:
    """The per-epoch histories of every setting and seed."""
    names = settings(config["smith2018"])
    return pd.concat([pd.read_csv(group_path(config["results_dir"], name)) for name in names], ignore_index=True)
