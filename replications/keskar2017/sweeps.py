"""Keskar et al. 2017: batch-size sweep (Fig. 4), warm start (Fig. 5), sharpness along training (Fig. 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replications import claims, plots
from replications.keskar2017 import layout, paper
from replications.keskar2017.config import KeskarConfig
from replications.keskar2017.experiment import collect_runs, seed_pairs
from replications.keskar2017.layout import SB_AND_LB
from replications.keskar2017.minima import first_order_limit, minimum_check, not_minima
from replications.typed_config import CoreConfig

SWEEP_EPSILON_SPACE = "full"


def _with_sharpness(keskar: KeskarConfig, runs: pd.DataFrame, sharpness_files: list[str]) -> pd.DataFrame:
    """Add the full-space sharpness at the first epsilon to each run row, with its first-order rise and whether the
    solver stalled (the measurement's validity)."""
    epsilon = keskar.sharpness.epsilons[0]
    files = {layout.parse_run_file(path): path for path in sharpness_files}
    values = []
    for row in runs.itertuples():
        measured = json.loads(Path(files[row.network, row.run, row.seed]).read_text())
        values.append(next(m for m in measured if m["space"] == SWEEP_EPSILON_SPACE and m["epsilon"] == epsilon))
    columns = ["sharpness", "first_order", "stalled"]
    return runs.assign(epsilon=epsilon, **{column: [value[column] for value in values] for column in columns})


def sweep_table(keskar: KeskarConfig, inputs: dict[str, list[str]]) -> pd.DataFrame:
    """Fig. 4 data: one row per run of the sweep, with its batch size, test accuracy and sharpness."""
    runs = collect_runs(keskar, inputs["sweep_metrics"])
    return _with_sharpness(keskar, runs, inputs["sweep_sharpness"])[
        ["network", "run", "seed", "batch_size", "epochs", "updates", "diverged", "train_accuracy", "test_accuracy", "epsilon", "sharpness",
         "first_order", "stalled"]
    ]


def sweep_and_warm_start_runs(keskar: KeskarConfig, inputs: dict[str, list[str]]) -> pd.DataFrame:
    """The metrics of every sweep and warm-start run (with the rules hash each recorded)."""
    return collect_runs(keskar, inputs["sweep_metrics"] + inputs["warm_start_metrics"])


def warm_start_table(keskar: KeskarConfig, inputs: dict[str, list[str]]) -> pd.DataFrame:
    """Fig. 5 data: one row per warm-start run, with k (SB epochs before switching to LB)."""
    runs = collect_runs(keskar, inputs["warm_start_metrics"])
    runs["warm_start_epochs"] = [layout.warm_start_epochs(run) for run in runs["run"]]
    return _with_sharpness(keskar, runs, inputs["warm_start_sharpness"])[
        ["network", "run", "seed", "warm_start_epochs", "epochs", "updates", "diverged", "train_accuracy", "test_accuracy", "epsilon",
         "sharpness", "first_order", "stalled"]
    ]


def sweep_claims(keskar: KeskarConfig, table: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """Fig. 4: test accuracy falls and sharpness rises with the batch size (Spearman over every finished run)."""
    rule = keskar.claims.batch_size_trend
    rows = []
    for network, group in table.groupby("network", sort=False):
        finished = group[~group["diverged"]]
        for quantity, sign, verb, paper_value in (
            ("test_accuracy", -1, "test accuracy falls", "C1: sharp drop past batch ~500 (Fig. 4)"),
            ("sharpness", +1, "sharpness rises", "rises with batch size (Fig. 4)"),
        ):
            row = claims.trend_row(
                finished["batch_size"], finished[quantity], sign=sign, alpha=rule.alpha, power=power,
                paper=paper.PAPER, family=f"sweep_{quantity}", claim_id=f"sweep_{'accuracy_falls' if sign < 0 else 'sharpness_rises'}_{network}",
                statement=f"{network}: {verb} as the batch size grows (Fig. 4)", paper_value=paper_value,
                our_value=f"Spearman rho = {finished[quantity].corr(finished['batch_size'], method='spearman'):.2f} over {len(finished)} runs",
                test="Spearman rank correlation over runs, one-sided, permutation p-value", n_seeds=int(finished["seed"].nunique()),
            )
            rows.append(sharpness_validated(keskar, network, finished, row) if quantity == "sharpness" else row)
    return rows


def warm_start_claims(keskar: KeskarConfig, table: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """Claims: with the longest SB warm-up, LB ends with higher test accuracy and lower sharpness than LB from scratch
    (paired over seeds: a seed's runs share the initialisation and the first epochs' data order)."""
    rule = keskar.claims.warm_start
    rows = []
    for network, group in table.groupby("network", sort=False):
        longest = group.loc[~group["diverged"], "warm_start_epochs"].max()
        for quantity, sign, sign_text in (("test_accuracy", 1, "higher test accuracy"), ("sharpness", -1, "lower sharpness")):
            pairs = seed_pairs(group.assign(signed=sign * group[quantity]), "signed", longest, 0, key="warm_start_epochs")
            row = claims.gap_row(
                pairs[longest], pairs[0], paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power,
                unit="accuracy" if quantity == "test_accuracy" else "phi",
                paper=paper.PAPER, family="warm_start", claim_id=f"warm_start_{quantity}_{network}",
                statement=f"{network}: after {longest} SB epochs, LB training ends with {sign_text} than LB from scratch (Fig. 5)",
                paper_value="improves once k is large enough (Fig. 5)",
                our_value=f"k = 0: {sign * pairs[0].mean():.4g}; k = {longest}: {sign * pairs[longest].mean():.4g}",
                test="paired t-test over seeds, one-sided (the improvement)",
            )
            # The check reads the runs the test reads: the two warm starts compared, for the seeds that pair.
            compared = group[group["warm_start_epochs"].isin([0, longest]) & group["seed"].isin(pairs.index)]
            rows.append(sharpness_validated(keskar, network, compared, row) if quantity == "sharpness" else row)
    return rows


def sharpness_validated(keskar: KeskarConfig, network: str, runs: pd.DataFrame, row: claims.ClaimRow) -> claims.ClaimRow:
    """A sharpness cell is measured only if every run it reads is a minimum at epsilon (as Tables 3-4's cells are)."""
    limit = first_order_limit(keskar, network, SWEEP_EPSILON_SPACE, keskar.sharpness.epsilons[0])
    return claims.validated(row, minimum_check(limit), not_minima(runs, limit))


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


def trajectory(core: CoreConfig, keskar: KeskarConfig, network: str) -> pd.DataFrame:
    """Fig. 6: full-space sharpness and training loss at the weight snapshots of one SB and one LB run."""
    from replications.keskar2017.minima import load_trained_model
    from replications.sharpness import flat_weights, keras_loss_and_gradient, sharpness

    plan = keskar.trajectory
    rows = []
    model = loss_and_gradient = None
    for regime in SB_AND_LB:
        snapshots = layout.snapshot_dir(layout.run_dir(core.results_dir, network, regime, plan.seed))
        for epoch in plan.epochs:
            snapshot = layout.snapshot_file(snapshots, epoch)
            if not Path(snapshot).exists():  # the run stopped before this epoch
                continue
            if model is None:  # one model and one traced loss for every snapshot (~3 s of tracing each otherwise)
                model, dataset = load_trained_model(core, keskar, network, regime, plan.seed, weights=snapshot)
                loss_and_gradient, _ = keras_loss_and_gradient(model, dataset.x_train, dataset.y_train, core.runtime.eval_batch_size)
            # The snapshot's BN statistics, which the loss reads from the model; its weights, which each call sets.
            model.load_weights(snapshot)
            weights = flat_weights(model.trainable_variables)
            result = sharpness(loss_and_gradient, weights, plan.epsilon, max_iterations=keskar.sharpness.max_iterations)
            rows.append({"network": network, "regime": regime, "epoch": epoch, "train_loss": result.loss_at_minimum,
                         "sharpness": result.sharpness, "epsilon": plan.epsilon})
    return pd.DataFrame(rows)


def trajectory_figure(table: pd.DataFrame, path: str | Path) -> None:
    networks = list(table["network"].unique())
    figure, axes = plots.new_figure(columns=len(networks))
    for axis, network in zip(axes, networks):
        for regime in SB_AND_LB:
            run = table[(table["network"] == network) & (table["regime"] == regime)]
            axis.plot(run["train_loss"], run["sharpness"], marker="o", ms=3, color=plots.COLORS[regime], label=regime)
            for row in run.iloc[[0, -1]].itertuples():
                axis.annotate(f"epoch {row.epoch}", (row.train_loss, row.sharpness), fontsize=6)
        axis.set(xscale="log", yscale="log", xlabel="training cross-entropy (log scale; training runs right to left)",
                 ylabel=f"sharpness φ (ε = {table['epsilon'].iloc[0]:g}, full space)", title=f"{network}: sharpness along training")
        axis.invert_xaxis()
        axis.legend(fontsize=7)
    plots.save(figure, path)
