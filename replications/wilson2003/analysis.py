"""Wilson & Martinez 2003: tables, figures and claim rows from the grid of runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from replications import claims, plots
from replications.typed_config import Workspace
from replications.wilson2003 import layout, paper
from replications.wilson2003.config import WilsonConfig
from replications.wilson2003.experiment import best_per_batch, largest_stable_learning_rates
from replications.wilson2003.layout import FULL


def grid_table(runs: pd.DataFrame, task: str) -> pd.DataFrame:
    """The paper's Digit-style table for one task: every batch size and learning rate, means over seeds."""
    selected = runs[runs["task"] == task]
    return (
        selected.groupby(["batch_size", "batch_label", "learning_rate"])
        .agg(n_seeds=("seed", "size"), n_diverged=("diverged", "sum"), n_censored=("censored", "sum"),
             best_holdout_accuracy=("best_holdout_accuracy", "mean"), epochs_to_best=("epochs_to_best", "mean"))
        .reset_index()
        .sort_values(["batch_size", "learning_rate"], ascending=[True, False])
    )  # fmt: skip


def summary_table(runs: pd.DataFrame, margin: float) -> pd.DataFrame:
    """Per task and batch size: best learning rate, its accuracy and epochs, the epochs ratio to online, the largest stable rate."""
    best = best_per_batch(runs)
    online = best[best["batch_size"] == 1].set_index("task")["epochs_to_best"]
    best["epochs_ratio_to_online"] = best["epochs_to_best"] / best["task"].map(online)
    stable = largest_stable_learning_rates(runs, margin)
    return best.merge(stable, on=["task", "batch_size"], how="left")


def _seed_pairs(runs: pd.DataFrame, best: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per task and seed, `column` of batch 1 and of the full batch, each at its best learning rate."""
    chosen = best[best["batch_size"] == 1][["task", "learning_rate"]].assign(side="online")
    full = best[best["batch_label"] == FULL][["task", "learning_rate"]].assign(side="full")
    labels = {"online": "1", "full": FULL}
    rows = []
    for side_rows in (chosen, full):
        for row in side_rows.itertuples():
            runs_here = runs[(runs["task"] == row.task) & (runs["batch_label"] == labels[row.side]) & (runs["learning_rate"] == row.learning_rate)]
            rows += [{"task": row.task, "seed": seed, "side": row.side, column: value} for seed, value in zip(runs_here["seed"], runs_here[column])]
    return pd.DataFrame(rows).pivot_table(index=["task", "seed"], columns="side", values=column).reset_index()


def fewer_epochs_claims(wilson: WilsonConfig, runs: pd.DataFrame, best: pd.DataFrame) -> list[claims.ClaimRow]:
    """Claim 1: online reaches its best hold-out accuracy in fewer epochs than full batch; per task, then a sign test."""
    rule = wilson.claims.fewer_epochs
    pairs = _seed_pairs(runs, best, "epochs_to_best")
    rows, online_wins = [], []
    for task, group in pairs.groupby("task"):
        fewer = (group["online"] < group["full"]).to_numpy()
        online_wins.append(group["online"].mean() < group["full"].mean())
        verdict = claims.REPRODUCED if fewer.all() else claims.NOT_REPRODUCED if not fewer.any() else claims.INCONCLUSIVE
        rows.append(claims.ClaimRow(
            paper=paper.PAPER, claim_id=f"online_fewer_epochs_{task}",
            statement=f"{task}: online (batch 1) training reaches its best hold-out accuracy in fewer epochs than full-batch training",
            paper_value="Digit: 27 vs 8,343 epochs", our_value=f"{group['online'].mean():.0f} vs {group['full'].mean():.0f} epochs",
            test="per seed, each at its best learning rate", statistic=float(group["full"].mean() / group["online"].mean()),
            p_value=None, ci="-", n_seeds=len(group), verdict=verdict,
            rule="reproduced if online needs fewer epochs for every seed; not reproduced if for none; else inconclusive",
            detail=f"statistic = epochs ratio full / online; {int(fewer.sum())} of {len(fewer)} seeds",
        ))  # fmt: skip
    wins, tasks = int(np.sum(online_wins)), len(online_wins)
    p_value = float(stats.binomtest(wins, tasks, alternative="greater").pvalue)
    p_opposite = float(stats.binomtest(wins, tasks, alternative="less").pvalue)
    verdict, _ = claims.direction_verdict(p_value, p_opposite, rule.alpha)
    rows.append(claims.ClaimRow(
        paper=paper.PAPER, claim_id="online_fewer_epochs_across_tasks",
        statement="Across tasks, online training needs fewer epochs to its best hold-out accuracy than full-batch training",
        paper_value="27 UCI tasks and Digit: almost always", our_value=f"online faster on {wins} of {tasks} tasks",
        test="sign test over tasks (one-sided)", statistic=float(wins), p_value=p_value, ci="-", n_seeds=len(wilson.seeds),
        verdict=verdict, rule=f"reproduced if p < {rule.alpha}; not reproduced if the opposite sign test has p < {rule.alpha}; else inconclusive",
        detail=f"with {tasks} tasks the smallest possible p is {0.5 ** tasks:.3g}",
    ))  # fmt: skip
    return rows


def no_gain_claim(wilson: WilsonConfig, runs: pd.DataFrame, best: pd.DataFrame) -> claims.ClaimRow:
    """Claim 2: full batch gains no hold-out accuracy over online (one-sided bound against a margin)."""
    rule = wilson.claims.no_accuracy_gain
    pairs = _seed_pairs(runs, best, "best_holdout_accuracy")
    difference = (pairs["full"] - pairs["online"]).to_numpy()
    interval = stats.ttest_1samp(difference, 0.0).confidence_interval(1 - 2 * rule.alpha)
    margin = rule.margin
    verdict = claims.interval_verdict(interval.low, interval.high, band_high=margin)
    reason = {
        claims.REPRODUCED: f"upper bound {100 * interval.high:.2f} pp < margin {100 * margin:.1f} pp",
        claims.NOT_REPRODUCED: f"lower bound {100 * interval.low:.2f} pp > margin {100 * margin:.1f} pp",
        claims.INCONCLUSIVE: f"the interval contains the margin {100 * margin:.1f} pp",
    }[verdict]
    return claims.ClaimRow(
        paper=paper.PAPER, claim_id="batch_no_accuracy_gain",
        statement="Full-batch training gains no hold-out accuracy over online training",
        paper_value="no gain in accuracy", our_value=f"mean gain {100 * difference.mean():+.2f} pp over {len(difference)} task-seed pairs",
        test="one-sided t bound on the paired gain (full - online), each at its best learning rate",
        statistic=float(difference.mean()), p_value=None,
        ci=f"[{100 * interval.low:.2f}, {100 * interval.high:.2f}] pp ({100 * (1 - 2 * rule.alpha):.0f}% CI)",
        n_seeds=len(wilson.seeds), verdict=verdict,
        rule=f"reproduced if the upper bound of the gain < {100 * margin:.1f} pp; not reproduced if the lower bound > it; else inconclusive",
        detail=reason,
    )  # fmt: skip


def slope_claim(wilson: WilsonConfig, best: pd.DataFrame) -> claims.ClaimRow:
    """Claim 3: past small batches, epochs to the best accuracy grow about linearly with batch size (log-log slope ~ 1)."""
    rule = wilson.claims.linear_growth
    slopes = []
    for _, group in best[best["batch_size"] >= rule.min_batch_size].groupby("task"):
        if len(group) >= 2:
            slopes.append(stats.linregress(np.log10(group["batch_size"]), np.log10(group["epochs_to_best"].clip(lower=1))).slope)
    slopes = np.array(slopes)
    low, high = (stats.ttest_1samp(slopes, 1.0).confidence_interval(1 - 2 * rule.alpha) if len(slopes) >= 2 else (np.nan, np.nan))
    band = (1 - rule.tolerance, 1 + rule.tolerance)
    verdict = claims.interval_verdict(low, high, *band)
    censored = int(best["censored"].sum())
    return claims.ClaimRow(
        paper=paper.PAPER, claim_id="epochs_grow_linearly",
        statement=f"Past small batches (>= {rule.min_batch_size}), the epochs needed grow roughly linearly with batch size",
        paper_value="roughly linear", our_value=f"mean log-log slope {slopes.mean():.2f} over {len(slopes)} tasks",
        test="log-log least squares per task (best learning rate per batch size), t interval over tasks",
        statistic=float(slopes.mean()), p_value=None,
        ci=f"[{low:.2f}, {high:.2f}] ({100 * (1 - 2 * rule.alpha):.0f}% CI of the slope)",
        n_seeds=len(wilson.seeds), verdict=verdict,
        rule=f"reproduced if the CI lies within [{band[0]:.2f}, {band[1]:.2f}]; not reproduced if it lies outside; else inconclusive",
        detail=f"{censored} cell(s) hit the epoch budget (their epochs are lower bounds)" if censored else "no cell hit the epoch budget",
    )  # fmt: skip


def stable_rate_claim(wilson: WilsonConfig, summary: pd.DataFrame) -> claims.ClaimRow:
    """Claim 4: the largest stable learning rate falls as the batch size grows (Spearman, permutation p)."""
    rule = wilson.claims.stable_rate_falls
    known = summary.dropna(subset=["largest_stable_learning_rate"])
    rho, p_value = claims.spearman_permutation(known["batch_size"], known["largest_stable_learning_rate"], "less")
    _, p_opposite = claims.spearman_permutation(known["batch_size"], known["largest_stable_learning_rate"], "greater")
    verdict, _ = claims.direction_verdict(p_value, p_opposite, rule.alpha)
    constant = "; the largest stable rate is the same everywhere: no trend to test" if np.isnan(rho) else ""
    return claims.ClaimRow(
        paper=paper.PAPER, claim_id="stable_rate_falls",
        statement="The largest stable learning rate falls as the batch size grows",
        paper_value="batch training needs smaller learning rates", our_value=f"Spearman rho = {rho:.2f} over {len(known)} (task, batch) cells",
        test="Spearman rank correlation, one-sided (decreasing), permutation p-value", statistic=rho, p_value=p_value, ci="-",
        n_seeds=len(wilson.seeds), verdict=verdict,
        rule=(f"stable = no divergence and best hold-out accuracy >= majority rate + {wilson.claims.stable_margin}; "
              f"reproduced if p < {rule.alpha}; not reproduced if p < {rule.alpha} the other way; else inconclusive"),
        detail=f"{len(summary) - len(known)} cell(s) with no stable learning rate left out{constant}",
    )  # fmt: skip


def all_claims(wilson: WilsonConfig, runs: pd.DataFrame) -> list[claims.ClaimRow]:
    best = best_per_batch(runs)
    summary = summary_table(runs, wilson.claims.stable_margin)
    return [*fewer_epochs_claims(wilson, runs, best), no_gain_claim(wilson, runs, best), slope_claim(wilson, best), stable_rate_claim(wilson, summary)]


def epochs_figure(runs: pd.DataFrame, path: str | Path) -> None:
    """Epochs to the best hold-out accuracy against batch size, log-log, one line per learning rate; x marks divergence."""
    tasks = list(runs["task"].unique())
    figure, axes = plots.new_figure(columns=len(tasks), width=3.4)
    for axis, task in zip(axes, tasks):
        table = runs[runs["task"] == task]
        for index, (rate, group) in enumerate(table.groupby("learning_rate", sort=False)):
            means = group[~group["diverged"]].groupby("batch_size")["epochs_to_best"].mean()
            axis.plot(means.index, means.values, marker="o", ms=3, color=f"C{index}", label=f"lr {rate:g}")
            diverged = group[group["diverged"]]["batch_size"].unique()
            axis.scatter(diverged, np.full(len(diverged), 1), marker="x", color=f"C{index}")
        axis.set(xscale="log", yscale="log", xlabel="batch size (examples)", ylabel="epochs to best hold-out accuracy", title=task)
    axes[0].legend(fontsize=7, title="x at bottom: diverged", title_fontsize=6)
    plots.save(figure, path)


def curves_figure(workspace: Workspace, wilson: WilsonConfig, best: pd.DataFrame, path: str | Path) -> None:
    """Hold-out accuracy against epochs, batch 1 vs full batch at their best learning rates (first seed)."""
    tasks = list(best["task"].unique())
    seed = wilson.seeds[0]
    figure, axes = plots.new_figure(columns=len(tasks), width=3.4)
    for axis, task in zip(axes, tasks):
        for label, color in (("1", "tab:blue"), (FULL, "tab:red")):
            row = best[(best["task"] == task) & (best["batch_label"] == label)].iloc[0]
            histories = pd.read_csv(layout.histories_file(workspace.results_dir, task, label))
            history = histories[(histories["learning_rate"] == row.learning_rate) & (histories["seed"] == seed)]
            name = "online (batch 1)" if label == "1" else f"full batch ({row.batch_size})"
            axis.plot(history["epoch"], 100 * history["test_accuracy"], color=color, label=f"{name}, lr {row.learning_rate:g}")
        axis.set(xscale="log", xlabel="epoch (log scale)", ylabel="hold-out accuracy (%)", title=task)
        axis.legend(fontsize=6)
    plots.save(figure, path)
