"""Keskar et al. 2017: the training runs (SB, LB, batch-size sweep, warm start), Table 2 and its claim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications import claims, statistics
from replications.data import train_size
from replications.keskar2017 import layout, paper
from replications.keskar2017.config import KeskarConfig
from replications.keskar2017.layout import SB_AND_LB
from replications.schedules import Phase, Schedule
from replications.typed_config import CoreConfig


def batch_size(keskar: KeskarConfig, network: str, regime: str) -> int:
    """SB: a fixed small batch (the network's own, else the section's); LB: a fraction of the training set (paper:
    256 and 10%)."""
    if regime == "SB":
        return keskar.networks[network].small_batch or keskar.small_batch
    if regime == "LB":
        data_config = keskar.networks[network].data
        return max(1, round(keskar.large_batch_fraction * train_size(data_config)))
    raise ValueError(f"unknown regime {regime!r}; known: {SB_AND_LB}")


def schedule_for(keskar: KeskarConfig, network: str, run: str) -> Schedule:
    """The schedule a run name stands for (constant learning rate throughout, Adam as in the paper).

    SB, LB: Table 2; batch<B>: the batch-size sweep (Fig. 4); warm<k>: SB for k epochs, then LB (Fig. 5).
    """
    learning_rate = keskar.optimizer["learning_rate"]
    kind, number = layout.parse_run(run)
    if kind in SB_AND_LB:
        return Schedule.constant(learning_rate, batch_size(keskar, network, kind))
    if kind == "sweep":
        return Schedule.constant(learning_rate, number)
    large = batch_size(keskar, network, "LB")
    if number == 0:
        return Schedule.constant(learning_rate, large)
    return Schedule((Phase(0, learning_rate, batch_size(keskar, network, "SB")), Phase(number, learning_rate, large)))


def train(core: CoreConfig, keskar: KeskarConfig, network: str, run: str, seed: int, output_dir: str | Path) -> dict[str, Any]:
    """Train one network with one seed under the schedule `run` names; SB and LB keep weight snapshots (Fig. 6)."""
    from replications.data import dataset_from_config
    from replications.schedules import Budget
    from replications.training import train_run
    if network not in keskar.networks:
        raise ValueError(f"network {network!r} is not in the config; configured: {sorted(keskar.networks)}")
    spec = keskar.networks[network]
    core.runtime.configure()
    snapshots = layout.snapshot_dir(str(output_dir))
    result = train_run(
        dataset=dataset_from_config(spec.data),
        model_config=spec.model,
        optimizer_config=keskar.optimizer,
        schedule=schedule_for(keskar, network, run),
        budget=Budget.from_config(keskar.budget),
        seed=seed,
        run_dir=output_dir,
        snapshots={epoch: layout.snapshot_file(snapshots, epoch) for epoch in keskar.trajectory.epochs} if run in SB_AND_LB else None,
        training_set_every_epoch=keskar.training_set_every_epoch,
        **core.run_options(layout.NAME),
    )
    Path(snapshots).mkdir(parents=True, exist_ok=True)  # a declared output, empty for the runs that keep none
    return result.metrics


def collect_runs(keskar: KeskarConfig, metrics_files: list[str]) -> pd.DataFrame:
    """One row per run, in the order of its metrics.json files: network, paper row, run name, seed and its final
    metrics."""
    rows = []
    for path in metrics_files:
        network, run, seed = layout.parse_run_file(path)
        metrics = json.loads(Path(path).read_text())
        rows.append({"network": network, "paper_row": keskar.networks[network].paper_row, "run": run, "seed": seed, **metrics})
    return pd.DataFrame(rows)


def table2(runs: pd.DataFrame) -> pd.DataFrame:
    """Train and test accuracy (%) per network and regime, mean and std over seeds, beside the paper's."""
    rows = []
    for (network, regime), group in runs.groupby(["network", "run"], sort=False):
        paper_row = group["paper_row"].iloc[0]
        finished = group[~group["diverged"]]
        published = paper.TABLE2[paper_row]
        rows.append({
            "network": network,
            "paper_network": paper_row,
            "regime": regime,
            "batch_size": int(group["batch_size"].iloc[0]),
            "n_seeds": len(group),
            "n_diverged": int(group["diverged"].sum()),
            "mean_epochs": group["epochs"].mean(),
            "train_accuracy_mean": 100 * finished["train_accuracy"].mean(),
            "train_accuracy_std": 100 * finished["train_accuracy"].std(),
            "test_accuracy_mean": 100 * finished["test_accuracy"].mean(),
            "test_accuracy_std": 100 * finished["test_accuracy"].std(),
            "paper_train_accuracy_mean": published[f"train_{regime}"][0],
            "paper_train_accuracy_std": published[f"train_{regime}"][1],
            "paper_test_accuracy_mean": published[f"test_{regime}"][0],
            "paper_test_accuracy_std": published[f"test_{regime}"][1],
        })
    return pd.DataFrame(rows)


def seed_pairs(frame: pd.DataFrame, column: str, first: str, second: str, key: str = "run") -> pd.DataFrame:
    """`column` of the runs `first` and `second` side by side, one row per seed that finished both (they share the seed)."""
    finished = frame[~frame["diverged"].astype(bool)] if "diverged" in frame.columns else frame
    wide = finished[finished[key].isin([first, second])].set_index(["seed", key])[column].unstack()  # one run per seed and key
    return wide.reindex(columns=[first, second]).dropna()


def smallest_gap_that_counts(published: dict[str, tuple[float, float]], test_examples: int, min_margin_examples: int) -> tuple[float, str]:
    """A cell's smallest gap of interest (amendment A15), as a fraction, and why: the larger of the gap the paper's own
    comparison could just see (small telescopes: Table 2's SDs and trials, 33% power) and `min_margin_examples` of our
    test examples (the measurement's resolution)."""
    telescope = statistics.small_telescope_effect(published["test_SB"][1], published["test_LB"][1], paper.TRIALS, paper.TRIALS) / 100
    resolution = min_margin_examples / test_examples
    if telescope >= resolution:
        return telescope, f"the gap the paper's 5 + 5 trials could just see ({100 * telescope:.2f} pp, 33% power)"
    return resolution, (f"{min_margin_examples} of our {test_examples} test examples ({100 * resolution:.2f} pp; the paper's trials see "
                        f"{100 * telescope:.2f} pp)")


def generalization_gap_claims(keskar: KeskarConfig, runs: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """Claim: LB test accuracy is lower than SB test accuracy at similar training accuracy (SB and LB of a seed share its
    initialisation). Not reproduced below each cell's own smallest gap of interest (`smallest_gap_that_counts`)."""
    rule = keskar.claims.generalization_gap
    if "test_examples" not in runs.columns:
        raise ValueError("the runs do not record test_examples (trained before it was recorded): retrain them, e.g. "
                         "`snakemake --forcerun keskar2017_train`")
    rows = []
    for network, group in runs.groupby("network", sort=False):
        test, train = (seed_pairs(group, column, "SB", "LB") for column in ("test_accuracy", "train_accuracy"))
        published = paper.TABLE2[group["paper_row"].iloc[0]]
        smallest_gap, why_smallest = smallest_gap_that_counts(published, int(group["test_examples"].max()), rule.min_margin_examples)
        train_difference = abs(train["SB"].mean() - train["LB"].mean())
        similar_training = (
            "" if train_difference <= rule.max_train_accuracy_difference
            else f"training accuracies differ by {100 * train_difference:.2f} pp: not the paper's comparison"
        )
        diverged = int(group["diverged"].sum())
        row = claims.gap_row(
            test["SB"], test["LB"], paired=True, alpha=rule.alpha, min_effect=smallest_gap, power=power,
            paper_effect=(published["test_SB"][0] - published["test_LB"][0]) / 100, scale=100, unit="pp",
            paper=paper.PAPER, family="generalization_gap", claim_id=f"generalization_gap_{network}",
            statement=f"{network}: LB test accuracy is lower than SB test accuracy at similar training accuracy",
            paper_value=_gap_text(published["test_SB"][0], published["test_LB"][0]),
            our_value=_gap_text(100 * test["SB"].mean(), 100 * test["LB"].mean()),
            test=f"paired t-test over seeds, one-sided (SB > LB); the smallest gap that counts: {why_smallest}",
            detail=f"; {diverged} diverged run(s) left out with their pair" if diverged else "",
        )
        check = f"mean training accuracies of SB and LB within {100 * rule.max_train_accuracy_difference:.1f} pp (similar training accuracy)"
        rows.append(claims.validated(row, check, similar_training))
    return rows


def _gap_text(sb: float, lb: float) -> str:
    return f"SB {sb:.2f}% vs LB {lb:.2f}% (gap {sb - lb:.2f} pp)"


def table2_figure(keskar: KeskarConfig, runs: pd.DataFrame, history_files: list[str], path: str | Path) -> None:
    """Per network: test accuracy against epochs for every run, its final training accuracy marked at its last epoch
    (left; the training set is evaluated after the last epoch only, `training_set_every_epoch`), and final test accuracy
    per seed (right)."""
    from replications import plots

    histories = {layout.parse_run_file(file): file for file in history_files}
    networks = list(keskar.networks)
    figure, axes = plots.new_figure(columns=2 * len(networks))
    for index, network in enumerate(networks):
        curves, finals = axes[2 * index], axes[2 * index + 1]
        for regime in SB_AND_LB:
            color = plots.COLORS[regime]
            selected = runs[(runs["network"] == network) & (runs["run"] == regime)]
            for index, run in enumerate(selected.itertuples()):  # the legend names a regime once
                history = pd.read_csv(histories[network, regime, run.seed])
                curves.plot(history["epoch"], 100 * history["test_accuracy"], color=color, lw=0.8, label=None if index else f"{regime} test")
                curves.scatter([run.epochs], [100 * run.train_accuracy], color=color, marker="^", s=16,
                               label=None if index else f"{regime} final train")
            position = SB_AND_LB.index(regime)
            finals.scatter(np.full(len(selected), position), 100 * selected["test_accuracy"], color=color, s=18)
            finals.hlines(100 * selected["test_accuracy"].mean(), position - 0.25, position + 0.25, color=color)
        curves.set(title=f"{network}: accuracy during training", xlabel="epoch", ylabel="accuracy (%)", xscale="log")
        curves.legend(fontsize=7)
        finals.set(title=f"{network}: final test accuracy", ylabel="test accuracy (%)", xlim=(-0.6, 1.6))
        sizes = [int(runs[(runs["network"] == network) & (runs["run"] == regime)]["batch_size"].iloc[0]) for regime in SB_AND_LB]
        finals.set_xticks(range(len(SB_AND_LB)), [f"{regime}\n(batch {size})" for regime, size in zip(SB_AND_LB, sizes)])
    plots.save(figure, path)
