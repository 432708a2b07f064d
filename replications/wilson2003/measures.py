"""Wilson & Martinez 2003: what the claims read off the runs: each task's common target and the epochs to it, the
learning rate each batch size is compared at, the largest stable rates, and the runs and crossings as one frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replications.wilson2003 import layout
from replications.wilson2003.config import WilsonConfig
from replications.wilson2003.layout import CROSSING_COLUMNS, RUN_KEYS


def read_crossings(paths: list[str]) -> pd.DataFrame:
    """The tasks' refined crossings in one frame (a task with none wrote only a header), with their columns' types."""
    frames = [frame for frame in (pd.read_csv(path, dtype={"batch_label": str}) for path in paths) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=[*RUN_KEYS, *CROSSING_COLUMNS])
    crossings = pd.concat(frames, ignore_index=True)
    return crossings.astype({"epochs_to_target_refined": float, "end_probe_accuracy": float, "recorded_accuracy": float, "at_first_probe": bool})


def series_runs(wilson: WilsonConfig, runs: pd.DataFrame, histories: pd.DataFrame) -> pd.DataFrame:
    """Claim 5's runs: every size of the size series, online and full batch, each size's common target from these runs
    alone (the largest size is a task of the grid, whose other batch sizes would otherwise set its target: the size
    would then not be the only thing that changes)."""
    members = list(wilson.series_tasks())
    chosen = runs["task"].isin(members) & runs["batch_label"].isin(["1", layout.FULL])
    keys = runs.loc[chosen, RUN_KEYS]
    return with_epochs_to_target(runs[chosen], histories.merge(keys, on=RUN_KEYS), wilson.claims.target_fraction)


def read_groups(inputs: dict[str, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every run's summary row and per-epoch history from the files a job declares (`runs`, `histories`)."""
    runs, histories = (pd.concat([pd.read_csv(path, dtype={"batch_label": str}) for path in inputs[name]], ignore_index=True)
                       for name in ("runs", "histories"))
    return runs, histories


def with_epochs_to_target(runs: pd.DataFrame, histories: pd.DataFrame, target_fraction: float) -> pd.DataFrame:
    """`runs` with each task's common target (target_fraction x the best mean hold-out accuracy of any of its batch
    sizes and learning rates) and each run's first epoch at or above it (NaN: not reached within its budget)."""
    cells = runs[~runs["diverged"]].groupby(["task", "batch_label", "learning_rate"])["best_holdout_accuracy"].mean()
    target = target_fraction * cells.groupby("task").max()
    above = histories[histories["test_accuracy"] >= histories["task"].map(target)]
    first = above.groupby(RUN_KEYS)["epoch"].min().rename("epochs_to_target").reset_index()
    merged = runs.drop(columns=["target", "epochs_to_target"], errors="ignore").merge(first, on=RUN_KEYS, how="left")
    merged.loc[merged["diverged"], "epochs_to_target"] = np.nan
    return merged.assign(target=merged["task"].map(target))


def fastest_per_batch(runs: pd.DataFrame) -> pd.DataFrame:
    """Per task and batch size: the learning rate whose seeds all reach the target in the fewest mean epochs, or, where
    none does, the one with the best mean hold-out accuracy (`reached` False: its epochs exceed the budget)."""
    means = (
        runs.assign(reached=runs["epochs_to_target"].notna())
        .groupby(["task", "batch_label", "batch_size", "learning_rate"])
        .agg(epochs_to_target=("epochs_to_target", "mean"), reached=("reached", "all"),
             best_holdout_accuracy=("best_holdout_accuracy", "mean"), target=("target", "first"), n_seeds=("seed", "size"))
        .reset_index()
    )
    means.loc[~means["reached"], "epochs_to_target"] = np.nan
    # Reached first, then the fewest epochs; among cells that never reach, the best accuracy.
    ordered = means.sort_values(["reached", "epochs_to_target", "best_holdout_accuracy"], ascending=[False, True, False])
    return ordered.groupby(["task", "batch_size"], sort=True).head(1).sort_values(["task", "batch_size"]).reset_index(drop=True)


def cross_fitted(runs: pd.DataFrame) -> pd.DataFrame:
    """Per task, batch size and seed: that seed's run at the learning rate `fastest_per_batch` chooses on the *other*
    seeds (amendment A16), so no seed's epochs both choose the rate and test the claim; `reached`: this run reached the
    common target. A seed with no other seed beside it has no rate chosen for it and is left out."""
    picks = []
    for seed in sorted(runs["seed"].unique()):
        others = runs[runs["seed"] != seed]
        if others.empty:
            continue
        chosen = fastest_per_batch(others)[["task", "batch_label", "learning_rate"]]
        picks.append(runs[runs["seed"] == seed].merge(chosen, on=["task", "batch_label", "learning_rate"]))
    columns = [*runs.columns, "reached"]
    if not picks:
        return pd.DataFrame(columns=columns)
    picked = pd.concat(picks, ignore_index=True)
    return picked.assign(reached=picked["epochs_to_target"].notna()).sort_values(["task", "batch_size", "seed"]).reset_index(drop=True)


def most_accurate_per_batch(runs: pd.DataFrame) -> pd.DataFrame:
    """Per task and batch size: the learning rate with the best mean hold-out accuracy after the equal budget (claim 2's
    choice, on the selection split; runs that diverged before it count for none)."""
    means = (
        runs.dropna(subset=["holdout_accuracy_at_budget"]).groupby(["task", "batch_label", "batch_size", "learning_rate"])
        .agg(holdout_accuracy_at_budget=("holdout_accuracy_at_budget", "mean"), n_seeds=("seed", "size"))
        .reset_index()
    )
    ordered = means.sort_values(["holdout_accuracy_at_budget", "learning_rate"], ascending=[False, False])
    return ordered.groupby(["task", "batch_size"], sort=True).head(1).sort_values(["task", "batch_size"]).reset_index(drop=True)


def largest_stable_learning_rates(runs: pd.DataFrame, loss_share: float) -> pd.DataFrame:
    """Per task and batch size, the largest learning rate whose runs were all stable.

    Stable: no divergence, and a last epoch's training loss below `loss_share` of the no-information loss (a rate at
    which the loss blows up or the network learns nothing is not stable), a property of training, not of accuracy.
    """
    stable = ~runs["diverged"] & (runs["final_train_loss"] < loss_share * runs["no_information_loss"])
    per_rate = runs.assign(stable=stable).groupby(["task", "batch_size", "learning_rate"])["stable"].all().reset_index()
    largest = per_rate[per_rate["stable"]].groupby(["task", "batch_size"])["learning_rate"].max()
    every_cell = runs[["task", "batch_size"]].drop_duplicates().set_index(["task", "batch_size"]).index
    return largest.reindex(every_cell).rename("largest_stable_learning_rate").reset_index()
