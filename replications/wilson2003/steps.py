"""Wilson & Martinez 2003, the steps its jobs call: training the grid's runs, and refining claim 3's crossings of the
target below an epoch.

Plain gradient descent (no momentum) on a one-hidden-layer network; a grid of batch sizes and
learning rates per task; the hold-out set is split off the training data. As in the paper, a
batch update is the *sum* of the per-example updates, so the engine (which averages the loss
over the batch) runs at learning rate x batch size.
"""

from __future__ import annotations

import math
import tempfile
from typing import Any

import numpy as np
import pandas as pd

from replications.typed_config import CoreConfig
from replications.wilson2003 import layout
from replications.wilson2003.config import WilsonConfig
from replications.wilson2003.layout import CROSSING_COLUMNS, RUN_KEYS
from replications.wilson2003.measures import cross_fitted, with_epochs_to_target


def resolve_batch_size(label: str, num_train: int) -> int:
    return num_train if label == layout.FULL else int(label)


def task_datasets(wilson: WilsonConfig, task: str):
    """The task's data set, and its training data split into training and hold-out parts: the hold-out chooses (the
    learning rate, the target), the test set only reports claim 2's accuracies."""
    from replications.data import dataset_from_config, holdout_split

    data = wilson.task(task).data
    whole = dataset_from_config(data)
    return whole, holdout_split(whole, wilson.holdout_fraction, seed=data.get("split_seed", 0))


def epochs_to_best(accuracy: pd.Series) -> tuple[float, int]:
    """The best hold-out accuracy and the first epoch (1-based) that reached it."""
    values = accuracy.to_numpy()
    if len(values) == 0 or not np.isfinite(values).any():
        return float("nan"), 0
    best = np.nanmax(values)
    return float(best), int(np.flatnonzero(values >= best)[0]) + 1


def no_information_loss(labels: np.ndarray) -> float:
    """The cross-entropy of predicting the class frequencies: what a network that learned nothing reaches."""
    frequencies = np.bincount(labels) / len(labels)
    frequencies = frequencies[frequencies > 0]
    return float(-(frequencies * np.log(frequencies)).sum())


def summarize_run(task: str, label: str, batch_size: int, learning_rate: float, seed: int, history: pd.DataFrame,
                  metrics: dict[str, Any], max_epochs: int, majority_rate: float, baseline_loss: float) -> dict[str, Any]:
    best, epoch = epochs_to_best(history["test_accuracy"])
    return {
        "task": task, "batch_label": label, "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
        "majority_rate": majority_rate, "no_information_loss": baseline_loss,
        "final_train_loss": float(history["train_loss_running"].iloc[-1]) if len(history) else float("nan"),
        "diverged": metrics["diverged"], "best_holdout_accuracy": best, "epochs_to_best": epoch,
        "epochs_run": metrics["epochs"], "updates_to_best": int(history["updates"].iloc[epoch - 1]) if epoch else 0,
        # best still at the last epoch of the budget: the true epochs-to-best may be larger
        "censored": bool(not metrics["diverged"] and epoch == max_epochs),
        "rules_hash": metrics.get("rules_hash", ""),
    }


def _summed_rate(learning_rate: float, batch_size: int) -> float:
    """The sum of per-example updates at `learning_rate`, on the engine's mean loss (the paper's batch update)."""
    return learning_rate * batch_size


def run_group(core: CoreConfig, wilson: WilsonConfig, task: str, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every learning rate and seed of one task and batch size, in one process (one TensorFlow start-up):
    a summary row per run, and the per-epoch histories of all of them."""
    from replications.schedules import Budget, Schedule
    from replications.training import train_run

    core.runtime.configure()
    whole, dataset = task_datasets(wilson, task)
    batch_size = resolve_batch_size(label, dataset.num_train)
    budget_epochs = wilson.equal_budget_epochs
    reader = AccuracyAtBudget(wilson, dataset, whole) if label in ("1", layout.FULL) else None
    max_epochs = wilson.max_epochs[label]
    majority_rate = float(np.bincount(dataset.y_test).max() / len(dataset.y_test))
    baseline_loss = no_information_loss(dataset.y_train)
    rows, histories = [], []
    for learning_rate in wilson.learning_rates:
        for seed in wilson.seeds:
            summed = _summed_rate(learning_rate, batch_size)
            run_dir = layout.run_dir(core.results_dir, task, label, learning_rate, seed)
            snapshot = f"{run_dir}/epoch{budget_epochs}.weights.h5"
            result = train_run(
                dataset=dataset, model_config=wilson.model, optimizer_config={"name": "sgd", "learning_rate": summed},
                schedule=Schedule.constant(summed, batch_size), budget=Budget(max_epochs=max_epochs), seed=seed,
                run_dir=run_dir, snapshots={budget_epochs: snapshot} if reader else None,
                training_set_every_epoch=wilson.training_set_every_epoch, reuse_compiled=True, keep_weights=False,
                max_call_seconds=core.runtime.max_call_seconds, **core.run_options(layout.NAME),
            )
            row = summarize_run(task, label, batch_size, learning_rate, seed, result.history, result.metrics, max_epochs, majority_rate, baseline_loss)
            rows.append({**row, **(reader.read(result.history, snapshot, budget_epochs) if reader else AccuracyAtBudget.NONE)})
            histories.append(result.history.assign(task=task, batch_label=label, learning_rate=learning_rate, seed=seed))
    return pd.DataFrame(rows), pd.concat(histories, ignore_index=True)


def probe_points(updates_per_epoch: int, probes: int) -> list[int]:
    """`probes` evenly spaced update counts within an epoch, at least one update apart, the epoch's end last."""
    return sorted({math.ceil(index * updates_per_epoch / probes) for index in range(1, probes + 1)})


def refine_crossings(core: CoreConfig, wilson: WilsonConfig, task: str, runs: pd.DataFrame, histories: pd.DataFrame) -> pd.DataFrame:
    """Claim 3's epochs to the target below an epoch (amendment A17), for the runs it reads (`cross_fitted`, batch sizes
    >= min_batch_size) that first reach the common target within `refine_within_epochs` epochs: that epoch is retrained
    from the run's seed, stopping at `probe_points` updates into it, and the first point whose hold-out accuracy reaches
    the target gives the fractional epochs (in examples seen). The engine is deterministic, so a probe retraces the run:
    the probe at the epoch's end, run for every refined run, must give the accuracy the run recorded
    (`end_probe_accuracy` vs `recorded_accuracy`, the refinement's validity check). `at_first_probe`: reached at the
    first point, more than one update in (an upper bound)."""
    from replications.schedules import Budget, Schedule
    from replications.training import train_run

    runs = with_epochs_to_target(runs, histories, wilson.claims.target_fraction)
    picked = cross_fitted(runs)
    read = picked[(picked["batch_size"] >= wilson.claims.linear_growth.min_batch_size) & picked["reached"]
                  & (picked["epochs_to_target"] <= wilson.refine_within_epochs)]
    if read.empty:
        return pd.DataFrame(columns=[*RUN_KEYS, *CROSSING_COLUMNS])
    core.runtime.configure()
    _, dataset = task_datasets(wilson, task)
    recorded = histories.set_index([*RUN_KEYS, "epoch"])["test_accuracy"]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:

        def holdout_accuracy_after(run: Any, updates: int) -> float:
            summed = _summed_rate(run.learning_rate, run.batch_size)
            result = train_run(
                dataset=dataset, model_config=wilson.model, optimizer_config={"name": "sgd", "learning_rate": summed},
                schedule=Schedule.constant(summed, run.batch_size), budget=Budget(max_epochs=int(run.epochs_to_target), max_updates=updates),
                seed=run.seed, run_dir=f"{scratch}/{len(rows)}-{updates}", eval_batch_size=core.runtime.eval_batch_size,
                checkpoint_seconds=core.runtime.checkpoint_seconds, training_set_every_epoch=False, reuse_compiled=True,
                max_call_seconds=core.runtime.max_call_seconds,
            )
            return float(result.history["test_accuracy"].iloc[-1])

        for run in read.itertuples():
            per_epoch, crossing = math.ceil(dataset.num_train / run.batch_size), int(run.epochs_to_target)
            before = (crossing - 1) * per_epoch
            points = probe_points(per_epoch, wilson.crossing_probes)
            end_accuracy = holdout_accuracy_after(run, before + points[-1])  # the check: it must retrace the run
            within = next((point for point in points[:-1] if holdout_accuracy_after(run, before + point) >= run.target), points[-1])
            rows.append({
                **{key: getattr(run, key) for key in RUN_KEYS}, "crossing_epoch": crossing, "updates_to_target": before + within,
                # in examples seen, as the engine counts an epoch (its last batch may be partial)
                "epochs_to_target_refined": crossing - 1 + min(within * run.batch_size, dataset.num_train) / dataset.num_train,
                "at_first_probe": crossing == 1 and within == points[0] and points[0] > 1,  # one update: exact, not a bound
                "end_probe_accuracy": end_accuracy,
                "recorded_accuracy": float(recorded[(run.task, run.batch_label, run.learning_rate, run.seed, crossing)]),
            })
    return pd.DataFrame(rows, columns=[*RUN_KEYS, *CROSSING_COLUMNS])


class AccuracyAtBudget:
    """Claim 2's numbers of a run: its hold-out accuracy after the equal budget (the selection split) and its accuracy on
    the task's own test set with the weights of that epoch (the reported split). NaN where the run diverged first."""

    NONE = {"holdout_accuracy_at_budget": float("nan"), "test_accuracy_at_budget": float("nan"), "test_examples": 0}

    def __init__(self, wilson: WilsonConfig, dataset, whole) -> None:
        import keras

        from replications.models import build_model

        keras.utils.set_random_seed(0)  # the weights are loaded over it
        self.model = build_model(wilson.model, dataset.input_shape, dataset.num_classes)
        self.x_test, self.y_test = whole.x_test, whole.y_test

    def read(self, history: pd.DataFrame, snapshot: str, epoch: int) -> dict[str, float]:
        from pathlib import Path

        at_budget = history[history["epoch"] == epoch]
        if at_budget.empty or not Path(snapshot).exists():
            return {**self.NONE, "test_examples": len(self.y_test)}
        self.model.load_weights(snapshot)
        predicted = np.argmax(self.model(self.x_test, training=False), axis=-1)
        return {"holdout_accuracy_at_budget": float(at_budget["test_accuracy"].iloc[0]),
                "test_accuracy_at_budget": float(np.mean(predicted == self.y_test)), "test_examples": len(self.y_test)}
