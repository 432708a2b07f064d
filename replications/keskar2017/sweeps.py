"""Keskar et al. 2017: batch-size sweep (Fig. 4), warm start (Fig. 5), sharpness along training (Fig. 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replications import claims, plots
from replications.keskar2017 import layout, paper
from replications.keskar2017.config import KeskarConfig
from replications.typed_config import ClaimRule, Workspace
from replications.keskar2017.experiment import REGIMES, collect_runs

SWEEP_EPSILON_SPACE = "full"


def _with_sharpness(workspace: Workspace, keskar: KeskarConfig, runs: pd.DataFrame) -> pd.DataFrame:
    """Add the full-space sharpness at the first epsilon to each run row."""
    epsilon = keskar.sharpness.epsilons[0]
    values = []
    for row in runs.itertuples():
        measured = json.loads(Path(layout.run_file(workspace.results_dir, row.network, row.run, row.seed, "sharpness.json")).read_text())
        values.append(next(m["sharpness"] for m in measured if m["space"] == SWEEP_EPSILON_SPACE and m["epsilon"] == epsilon))
    return runs.assign(sharpness=values, epsilon=epsilon)


def sweep_table(workspace: Workspace, keskar: KeskarConfig) -> pd.DataFrame:
    """Fig. 4 data: one row per run of the sweep, with its batch size, test accuracy and sharpness."""
    runs = collect_runs(workspace, keskar, tuple(layout.sweep_runs(keskar)), keskar.sweep.seeds, keskar.sweep.networks)
    return _with_sharpness(workspace, keskar, runs)[
        ["network", "seed", "batch_size", "epochs", "updates", "diverged", "train_accuracy", "test_accuracy", "epsilon", "sharpness"]
    ]


def warm_start_table(workspace: Workspace, keskar: KeskarConfig) -> pd.DataFrame:
    """Fig. 5 data: one row per warm-start run, with k (SB epochs before switching to LB)."""
    runs = collect_runs(workspace, keskar, tuple(layout.warm_start_runs(keskar)), keskar.warm_start.seeds, keskar.warm_start.networks)
    runs["warm_start_epochs"] = [layout.parse_run(run)[1] for run in runs["run"]]
    return _with_sharpness(workspace, keskar, runs)[
        ["network", "seed", "warm_start_epochs", "epochs", "updates", "diverged", "train_accuracy", "test_accuracy", "epsilon", "sharpness"]
    ]


def trend_claim(claim_id: str, statement: str, x: pd.Series, y: pd.Series, sign: int, rule: ClaimRule, paper_value: str) -> claims.ClaimRow:
    """A monotone trend of y with x, tested by Spearman's rank correlation in the claimed direction (sign)."""
    rho, p_value = claims.spearman_permutation(x, y, "greater" if sign > 0 else "less")
    _, p_opposite = claims.spearman_permutation(x, y, "less" if sign > 0 else "greater")
    verdict, reason = claims.direction_verdict(p_value, p_opposite, rule.alpha)
    return claims.ClaimRow(
        paper=paper.PAPER, claim_id=claim_id, statement=statement, paper_value=paper_value,
        our_value=f"Spearman rho = {rho:.2f} over {len(x)} runs",
        test=f"Spearman rank correlation, one-sided ({'increasing' if sign > 0 else 'decreasing'}), permutation p-value",
        statistic=rho, p_value=p_value, ci="-", n_seeds=len(x), verdict=verdict,
        rule=f"reproduced if p < {rule.alpha} in the claimed direction; not reproduced if p < {rule.alpha} the other way; else inconclusive",
        detail=reason,
    )  # fmt: skip


def sweep_claims(keskar: KeskarConfig, table: pd.DataFrame) -> list[claims.ClaimRow]:
    rule = keskar.claims["batch_size_trend"]
    rows = []
    for network, group in table.groupby("network", sort=False):
        finished = group[~group["diverged"]]
        rows.append(trend_claim(
            f"sweep_accuracy_falls_{network}", f"{network}: test accuracy falls as the batch size grows (Fig. 4)",
            finished["batch_size"], finished["test_accuracy"], -1, rule, "C1: sharp drop past batch ~500 (Fig. 4)",
        ))  # fmt: skip
        rows.append(trend_claim(
            f"sweep_sharpness_rises_{network}", f"{network}: sharpness rises as the batch size grows (Fig. 4)",
            finished["batch_size"], finished["sharpness"], +1, rule, "rises with batch size (Fig. 4)",
        ))  # fmt: skip
    return rows


def warm_start_claims(keskar: KeskarConfig, table: pd.DataFrame) -> list[claims.ClaimRow]:
    """Claims: with the longest SB warm-up, LB ends with higher test accuracy and lower sharpness than LB from scratch."""
    rule = keskar.claims["warm_start"]
    rows = []
    for network, group in table.groupby("network", sort=False):
        finished = group[~group["diverged"]]
        longest = finished["warm_start_epochs"].max()
        scratch = finished[finished["warm_start_epochs"] == 0]
        warmed = finished[finished["warm_start_epochs"] == longest]
        for quantity, higher, lower, sign_text in (
            ("test_accuracy", warmed, scratch, "higher test accuracy"),
            ("sharpness", scratch, warmed, "lower sharpness"),
        ):
            rows.append(claims.gap_claim(
                paper=paper.PAPER,
                claim_id=f"warm_start_{quantity}_{network}",
                statement=f"{network}: after {longest} SB epochs, LB training ends with {sign_text} than LB from scratch (Fig. 5)",
                paper_value="improves once k is large enough (Fig. 5)",
                our_value=f"k = 0: {scratch[quantity].mean():.4g}; k = {longest}: {warmed[quantity].mean():.4g}",
                test_name="Welch t-test, one-sided, over seeds",
                gap=claims.welch_greater(higher[quantity], lower[quantity], rule.alpha), rule=rule,
                n_seeds=int(min(len(scratch), len(warmed))), difference="the improvement",
            ))  # fmt: skip
    return rows


def _accuracy_and_sharpness_figure(table: pd.DataFrame, x: str, xlabel: str, title: str, path: str | Path, log_x: bool) -> None:
    """Test accuracy (left axis) and sharpness (right axis) against x, one dot per run, lines through the means."""
    networks = list(table["network"].unique())
    figure, axes = plots.new_figure(columns=len(networks), width=4.6)
    for axis, network in zip(axes, networks):
        group = table[(table["network"] == network) & ~table["diverged"]]
        means = group.groupby(x)[["test_accuracy", "sharpness"]].mean()
        sharpness_axis = axis.twinx()
        axis.scatter(group[x], 100 * group["test_accuracy"], color="tab:blue", s=12)
        axis.plot(means.index, 100 * means["test_accuracy"], color="tab:blue", label="test accuracy")
        sharpness_axis.scatter(group[x], group["sharpness"], color="tab:red", s=12, marker="s")
        sharpness_axis.plot(means.index, means["sharpness"], color="tab:red", label="sharpness")
        axis.set(xlabel=xlabel, ylabel="test accuracy (%)", title=f"{network}: {title}")
        if log_x:
            axis.set_xscale("log")
        sharpness_axis.set_ylabel(f"sharpness φ (ε = {group['epsilon'].iloc[0]:g}, full space)", color="tab:red")
        sharpness_axis.grid(False)
        handles = [*axis.get_legend_handles_labels()[0], *sharpness_axis.get_legend_handles_labels()[0]]
        axis.legend(handles, [handle.get_label() for handle in handles], fontsize=7, loc="center left")
    plots.save(figure, path)


def sweep_figure(table: pd.DataFrame, path: str | Path) -> None:
    _accuracy_and_sharpness_figure(table, "batch_size", "batch size (examples, log scale)", "batch-size sweep", path, log_x=True)


def warm_start_figure(table: pd.DataFrame, path: str | Path) -> None:
    _accuracy_and_sharpness_figure(table, "warm_start_epochs", "SB epochs before switching to LB (k)", "warm start", path, log_x=False)


def trajectory(workspace: Workspace, keskar: KeskarConfig, network: str) -> pd.DataFrame:
    """Fig. 6: full-space sharpness and training loss at the weight snapshots of one SB and one LB run."""
    from replications.keskar2017.minima import load_trained_model
    from replications.sharpness import keras_loss_and_gradient, sharpness

    plan = keskar.trajectory
    rows = []
    for regime in REGIMES:
        snapshots = layout.snapshot_dir(layout.run_dir(workspace.results_dir, network, regime, plan.seed))
        for epoch in plan.epochs:
            snapshot = layout.snapshot_file(snapshots, epoch)
            if not Path(snapshot).exists():  # the run stopped before this epoch
                continue
            model, dataset = load_trained_model(workspace, keskar, network, regime, plan.seed, weights=snapshot)
            loss_and_gradient, weights = keras_loss_and_gradient(model, dataset.x_train, dataset.y_train, workspace.runtime.eval_batch_size)
            result = sharpness(loss_and_gradient, weights, plan.epsilon, max_iterations=keskar.sharpness.max_iterations)
            rows.append({"network": network, "regime": regime, "epoch": epoch, "train_loss": result.loss_at_minimum,
                         "sharpness": result.sharpness, "epsilon": plan.epsilon})  # fmt: skip
    return pd.DataFrame(rows)


def trajectory_figure(table: pd.DataFrame, path: str | Path) -> None:
    networks = list(table["network"].unique())
    figure, axes = plots.new_figure(columns=len(networks))
    for axis, network in zip(axes, networks):
        for regime in REGIMES:
            run = table[(table["network"] == network) & (table["regime"] == regime)]
            axis.plot(run["train_loss"], run["sharpness"], marker="o", ms=3, color=plots.COLORS[regime], label=regime)
            for row in run.iloc[[0, -1]].itertuples():
                axis.annotate(f"epoch {row.epoch}", (row.train_loss, row.sharpness), fontsize=6)
        axis.set(xscale="log", yscale="log", xlabel="training cross-entropy (log scale; training runs right to left)",
                 ylabel=f"sharpness φ (ε = {table['epsilon'].iloc[0]:g}, full space)", title=f"{network}: sharpness along training")  # fmt: skip
        axis.invert_xaxis()
        axis.legend(fontsize=7)
    plots.save(figure, path)
