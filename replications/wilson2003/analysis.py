"""Wilson & Martinez 2003: tables, figures and claim rows from the grid of runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from replications import claims, plots, statistics
from replications.wilson2003 import paper
from replications.wilson2003.config import WilsonConfig
from replications.wilson2003.layout import FULL
from replications.wilson2003.measures import cross_fitted, fastest_per_batch, largest_stable_learning_rates, most_accurate_per_batch


def grid_table(runs: pd.DataFrame, task: str) -> pd.DataFrame:
    """The paper's Digit-style table for one task: every batch size and learning rate, means over seeds."""
    selected = runs[runs["task"] == task].assign(reached=lambda frame: frame["epochs_to_target"].notna())
    return (
        selected.groupby(["batch_size", "batch_label", "learning_rate"])
        .agg(n_seeds=("seed", "size"), n_diverged=("diverged", "sum"), n_reached=("reached", "sum"),
             best_holdout_accuracy=("best_holdout_accuracy", "mean"), target=("target", "first"),
             epochs_to_target=("epochs_to_target", "mean"), final_train_loss=("final_train_loss", "mean"))
        .reset_index()
        .sort_values(["batch_size", "learning_rate"], ascending=[True, False])
    )


def summary_table(wilson: WilsonConfig, runs: pd.DataFrame, fastest: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per task and batch size: the fastest learning rate to the target, its epochs, their ratio to online, the largest
    stable rate. `fastest`: fastest_per_batch(runs), when the caller has it already."""
    fastest = fastest_per_batch(runs) if fastest is None else fastest
    online = fastest[fastest["batch_size"] == 1].set_index("task")["epochs_to_target"]
    summary = fastest.assign(epochs_ratio_to_online=fastest["epochs_to_target"] / fastest["task"].map(online),
                             budget=fastest["batch_label"].map(wilson.max_epochs))
    stable = largest_stable_learning_rates(runs, wilson.claims.stable_loss_share)
    return summary.merge(stable, on=["task", "batch_size"], how="left")


def _seed_pairs(runs: pd.DataFrame, chosen: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per task and seed, `column` of batch 1 and of the full batch, each at the learning rate `chosen` names."""
    sides = {"1": "online", FULL: "full"}
    picked = chosen[chosen["batch_label"].isin(list(sides))][["task", "batch_label", "learning_rate"]]
    pairs = runs.merge(picked, on=["task", "batch_label", "learning_rate"]).assign(side=lambda frame: frame["batch_label"].map(sides))
    return pairs.pivot_table(index=["task", "seed"], columns="side", values=column, dropna=False).reset_index()


def _cross_fitted_pairs(picked: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per task and seed, `column` of batch 1 and of the full batch, each at the rate the other seeds chose (`cross_fitted`)."""
    sides = {"1": "online", FULL: "full"}
    selected = picked[picked["batch_label"].isin(list(sides))].assign(side=lambda frame: frame["batch_label"].map(sides))
    return selected.pivot_table(index=["task", "seed"], columns="side", values=column, dropna=False).reindex(columns=["online", "full"]).reset_index()


def fewer_epochs_claims(wilson: WilsonConfig, runs: pd.DataFrame, power: float, picked: pd.DataFrame | None = None) -> list[claims.ClaimRow]:
    """Claim 1, per task: online reaches the task's common target in fewer epochs than full batch (paired t-test on
    log(epochs full / epochs online) over seeds, each side at the learning rate fastest on the other seeds:
    `cross_fitted`). A full batch that never reaches the target counts its budget, a lower bound that can only
    understate the claim; an online side that never reaches it leaves the claim untested."""
    rule = wilson.claims.fewer_epochs
    picked = cross_fitted(runs) if picked is None else picked
    budgets = {"online": wilson.max_epochs["1"], "full": wilson.max_epochs[FULL]}
    pairs = _cross_fitted_pairs(picked, "epochs_to_target")
    rows = []
    for task, group in pairs.groupby("task"):
        target = float(runs.loc[runs["task"] == task, "target"].iloc[0])
        full_missing = int(group["full"].isna().sum())
        online, full = group["online"], group["full"].fillna(budgets["full"])
        text = {
            "paper": paper.PAPER, "family": "online_fewer_epochs", "claim_id": f"online_fewer_epochs_{task}",
            "statement": f"{task}: online (batch 1) training reaches a common hold-out accuracy in fewer epochs than full-batch training",
            "paper_value": f"Digit: {paper.DIGIT_EPOCHS[1]} vs {paper.DIGIT_EPOCHS[20_000]:,} epochs ({paper.SECONDARY})",
            "our_value": f"{online.mean():.0f} vs {full.mean():.0f}{'+' if full_missing else ''} epochs to {100 * target:.1f}%",
            "test": "paired t-test on log(epochs full / epochs online) over seeds, one-sided; each seed's learning rates chosen on the other seeds",
        }
        reached = "online training reaches the common target on every seed"
        if online.isna().any():
            rows.append(claims.not_measured_row(reached, f"online training missed the target on {int(online.isna().sum())} seed(s)",
                                                n_seeds=len(group), **text))
            continue
        if len(group) < 2:
            rows.append(claims.too_few_seeds(len(group), **text))
            continue
        rows.append(claims.validated(claims.gap_row(
            np.log(full.clip(lower=1)), np.log(online.clip(lower=1)), paired=True, alpha=rule.alpha, min_effect=rule.min_effect,
            power=power, unit="log epochs ratio", paper_effect=float(np.log(paper.DIGIT_EPOCHS[20_000] / paper.DIGIT_EPOCHS[1])),
            **text,
            detail=(f"; the full batch missed the target within its {budgets['full']}-epoch budget for {full_missing} seed(s): "
                    "counted at the budget, a lower bound" if full_missing else ""),
        ), reached))
    return rows


def no_gain_claims(wilson: WilsonConfig, runs: pd.DataFrame) -> list[claims.ClaimRow]:
    """Claim 2, per task: full batch gains no accuracy over online, on an equal budget (`equal_budget_epochs` each) and
    disjoint splits: each side's learning rate is the one with the best mean hold-out accuracy after the budget (the
    selection split); the gain is measured on the task's own test set (the reported split) with the weights of that
    epoch. Reproduced if the paired gain's upper bound lies below the margin, at least `min_margin_examples` test
    examples' worth; not reproduced if its lower bound lies above it.

    Validity: online below 100% test accuracy on some seed (at the ceiling no gain can show).
    """
    rule = wilson.claims.no_accuracy_gain
    pairs = _seed_pairs(runs, most_accurate_per_batch(runs), "test_accuracy_at_budget")
    examples = runs.groupby("task")["test_examples"].max()
    rows = []
    for task, group in pairs.groupby("task"):
        group = group.dropna(subset=["online", "full"])
        gain = (group["full"] - group["online"]).to_numpy(float)
        margin = max(rule.margin, rule.min_margin_examples / examples[task]) if examples[task] else rule.margin
        text = {
            "paper": paper.PAPER, "family": "batch_no_accuracy_gain", "claim_id": f"batch_no_accuracy_gain_{task}",
            "statement": f"{task}: full-batch training gains no accuracy over online training",
            "paper_value": "no gain in accuracy", "n_seeds": len(gain),
            "our_value": (f"test accuracy after {wilson.equal_budget_epochs} epochs: full {100 * group['full'].mean():.2f}% vs "
                          f"online {100 * group['online'].mean():.2f}% ({examples[task]} test examples; margin {100 * margin:.2f} pp)"),
            "test": (f"paired t interval of the gain (full - online) over seeds on the task's test set after {wilson.equal_budget_epochs} "
                     "epochs each, each side at the learning rate with the best mean hold-out accuracy then"),
        }
        below_ceiling = "online training below 100% test accuracy on some seed: room for a gain"
        if len(gain) and (group["online"] >= 1.0).all():
            rows.append(claims.not_measured_row(below_ceiling, "online training at 100% for every seed: the ceiling leaves no room for a gain", **text))
            continue
        if len(gain) < 2:
            rows.append(claims.too_few_seeds(len(gain), **text))
            continue
        low, high = statistics.paired(group["full"], group["online"]).interval(rule.alpha)
        rows.append(claims.validated(claims.interval_row(
            100 * gain.mean(), 100 * low, 100 * high, band=(-np.inf, 100 * margin), unit="pp", alpha=rule.alpha,
            degrees_of_freedom=len(gain) - 1, **text,
        ), below_ceiling))
    return rows


def _seed_slope(group: pd.DataFrame) -> float:
    """One seed's log-log least-squares slope of epochs to the target against batch size."""
    return float(stats.linregress(np.log10(group["batch_size"]), np.log10(group["epochs_to_target"])).slope)


def with_refined_crossings(points: pd.DataFrame, crossings: pd.DataFrame | None) -> pd.DataFrame:
    """`points` with each refined run's fractional epochs to the target (`steps.refine_crossings`) in place of its
    whole epochs; `floor`: reached at the first probe (an upper bound); `retraced`: False where a probe that ended at
    the crossing epoch's end did not give the accuracy the run recorded."""
    if crossings is None or crossings.empty:
        return points.assign(floor=False, retraced=True, refined=False)
    keys = ["task", "batch_label", "learning_rate", "seed"]
    refined = points.merge(crossings, on=keys, how="left", validate="one_to_one")
    known = refined["epochs_to_target_refined"].notna()
    mismatch = (refined["end_probe_accuracy"] - refined["recorded_accuracy"]).abs() > 1e-9
    return refined.assign(
        epochs_to_target=refined["epochs_to_target_refined"].where(known, refined["epochs_to_target"]),
        floor=refined["at_first_probe"].astype("boolean").fillna(False).astype(bool), retraced=~mismatch, refined=known,
    )


def slope_claims(wilson: WilsonConfig, runs: pd.DataFrame, picked: pd.DataFrame | None = None,
                 crossings: pd.DataFrame | None = None) -> list[claims.ClaimRow]:
    """Claim 3, per task: past small batches, epochs to the target grow about linearly with batch size (log-log slope
    ~ 1). Each seed's slope over the batch sizes >= min_batch_size, each at the learning rate fastest on the other seeds
    (`cross_fitted`), its epochs resolved below an epoch where the crossing comes early (`crossings`, amendment A17); a
    t interval over the seeds.

    Validity: each fit rests on at least `min_points` batch sizes; every probe retraced its run; every batch size reaches
    the target on every seed, after the first probe. Where the largest batch sizes miss it (censored: counted at the
    budget) or the smallest reach it at the first probe (an upper bound), the slope is a lower bound, which can still
    show growth steeper than linear (the interval above the band: "not reproduced", measured); any other reading of such
    a cell is not measured.
    """
    rule = wilson.claims.linear_growth
    picked = cross_fitted(runs) if picked is None else picked
    points = with_refined_crossings(picked[picked["batch_size"] >= rule.min_batch_size], crossings)
    points = points.assign(epochs_to_target=points["epochs_to_target"].fillna(points["batch_label"].map(wilson.max_epochs).astype(float)))
    band = (1 - rule.tolerance, 1 + rule.tolerance)
    check = (f"each seed's fit over at least {rule.min_points} batch sizes >= {rule.min_batch_size}, every one reaching the common "
             "target on every seed after the first probe, and every probe retracing its run (censored or floored epochs: only a "
             "slope above the band reads)")
    rows = []
    for task, seeds in points.groupby("task"):
        cells = seeds.groupby("batch_size", as_index=False).agg(reached=("reached", "all"), floor=("floor", "any"))
        slopes = np.array([_seed_slope(group) for _, group in seeds.groupby("seed") if group["batch_size"].nunique() >= 2])
        low, high = stats.ttest_1samp(slopes, 1.0).confidence_interval(1 - 2 * rule.alpha) if len(slopes) >= 2 else (np.nan, np.nan)
        missed = cells.loc[~cells["reached"], "batch_size"].tolist()
        floored = cells.loc[cells["floor"], "batch_size"].tolist()
        row = claims.interval_row(
            float(slopes.mean()) if len(slopes) else float("nan"), low, high, band=band, alpha=rule.alpha, degrees_of_freedom=len(slopes) - 1,
            unit="slope", paper=paper.PAPER, family="epochs_grow_linearly", claim_id=f"epochs_grow_linearly_{task}",
            statement=f"{task}: past small batches (>= {rule.min_batch_size}), the epochs needed grow roughly linearly with batch size",
            paper_value="roughly linear (the Digit endpoints do not apply: see the section)", n_seeds=len(slopes),
            our_value=(f"log-log slope {slopes.mean():.2f}{' (a lower bound)' if missed or floored else ''} over batch sizes "
                       f"{sorted(seeds['batch_size'].unique().tolist())}; {int(seeds['refined'].sum())} of {len(seeds)} crossings "
                       "resolved below an epoch") if len(slopes) else f"fewer than 2 batch sizes >= {rule.min_batch_size}",
            test=(f"log-log least squares per seed (per batch size the learning rate fastest on the other seeds; a missed target "
                  f"counts the budget; a crossing within the first {wilson.refine_within_epochs} epochs resolved to 1/{wilson.crossing_probes} "
                  f"of an epoch), {100 * (1 - 2 * rule.alpha):.0f}% t interval over seeds"),
        )
        failure = _fit_failure(seeds, rule.min_points) or _bound_failure(missed, floored, cells, row, len(slopes), band[1])
        rows.append(claims.validated(row, check, failure))
    return rows


def _fit_failure(seeds: pd.DataFrame, min_points: int) -> str:
    """Why a task's fits cannot be read at all ('' if they can): too few batch sizes, or a probe that did not retrace its run."""
    sizes = seeds["batch_size"].nunique()
    if sizes < min_points:
        return f"{sizes} batch size(s) >= the smallest the claim reads, below the training-set size: a fit needs {min_points}"
    if not seeds["retraced"].all():
        return "a probe that ended at the crossing epoch's end did not give the accuracy its run recorded"
    return ""


def _bound_failure(missed: list[int], floored: list[int], cells: pd.DataFrame, row: claims.ClaimRow, num_slopes: int, band_high: float) -> str:
    """Why a linear-growth cell is not measured ('' if it is): too few seeds, or bounded epochs that the verdict leans on.
    Censored epochs at the largest batch sizes (too few) and floored ones at the smallest (too many) both make the
    slope a lower bound, which shows only a slope above the band."""
    if num_slopes < 2:
        return "fewer than 2 seeds with a slope over 2 or more batch sizes"
    if not missed and not floored:
        return ""
    exact = cells.loc[cells["reached"] & ~cells["floor"], "batch_size"]
    at_the_ends = (not missed or min(missed) > exact.max()) and (not floored or max(floored) < exact.min()) if len(exact) else False
    if at_the_ends and row.effect_low > band_high:  # even the lower bound grows faster than linear: a valid "not reproduced"
        return ""
    bounded = [f"batch size(s) {missed} missed the target within the budget on some seed (censored)"] if missed else []
    bounded += [f"batch size(s) {floored} reached it at the first probe on some seed (floored)"] if floored else []
    return "; ".join(bounded) + ": their epochs are bounds"


def larger_sets_claim(wilson: WilsonConfig, series: pd.DataFrame, power: float) -> claims.ClaimRow:
    """Claim 5: the larger the training set, the more epochs full batch needs relative to online (amendment A18): one
    task at several training-set sizes (`size_series`), each size with its own common target. Per seed, the least-squares
    slope of log(epochs full / epochs online) on log(training-set size), each side at the learning rate fastest on the
    other seeds (`cross_fitted`); a one-sided t-test over seeds that the slope exceeds 0, not reproduced if its upper
    bound lies below min_effect.

    Validity: the online side reaches its target on every seed at every size. A full batch that misses it counts its
    budget, and an online side that reaches it within its first epoch counts 1: either way that size's ratio is a lower
    bound, which leaves the slope a lower bound only if those sizes are the largest: then only "reproduced" reads.
    """
    rule = wilson.claims.larger_sets_slower
    text = {
        "paper": paper.PAPER, "family": "larger_sets_slower", "claim_id": "larger_sets_slower",
        "statement": "The larger the training set, the more epochs full-batch training needs relative to online training",
        "paper_value": "often orders of magnitude on large training sets",
        "test": ("per seed, least squares of log(epochs full / epochs online) on log(training-set size) over one task's sizes "
                 "(each side at the learning rate fastest on the other seeds); one-sided paired t-test over seeds that the slope > 0"),
    }
    if wilson.size_series is None or series.empty:
        return claims.not_measured_row("a size series (wilson2003.size_series) trained", "no size series", n_seeds=0, **text, our_value="-")
    picked = cross_fitted(series)
    sides = picked[picked["batch_label"].isin(["1", FULL])].assign(
        # the ratio only a lower bound: a full batch censored at its budget, or online at the one-epoch floor
        bounded=lambda frame: ((frame["batch_label"] == FULL) & ~frame["reached"]) | ((frame["batch_label"] == "1") & (frame["epochs_to_target"] <= 1)),
        epochs=lambda frame: frame["epochs_to_target"].fillna(wilson.max_epochs[FULL]),
    )
    wide = sides.pivot_table(index=["seed", "task"], columns="batch_label", values="epochs", dropna=False)
    sizes = sides[sides["batch_label"] == FULL].groupby("task")["batch_size"].first()  # a full batch is the training set
    wide = wide.assign(size=wide.index.get_level_values("task").map(sizes), ratio=np.log(wide[FULL] / wide["1"].clip(lower=1e-9)))
    slopes = np.array([stats.linregress(np.log(group["size"]), group["ratio"]).slope for _, group in wide.groupby("seed")
                       if group["size"].nunique() >= 2 and group["ratio"].notna().all()])
    means = wide.groupby("size")["ratio"].mean()
    text["our_value"] = ("epochs full / online by training-set size: " + ", ".join(f"{size}: x{np.exp(value):.0f}" for size, value in means.items())
                         + (f"; slope {slopes.mean():.2f} per log size" if len(slopes) else ""))
    online_missed = sides[(sides["batch_label"] == "1") & ~sides["reached"]]
    check = ("online training reaches each size's common target on every seed (a censored full batch or online at the "
             "one-epoch floor: only a lower bound reads)")
    if not online_missed.empty:
        return claims.not_measured_row(check, f"online training missed the target at size(s) {sorted(online_missed['task'].map(sizes).unique().tolist())}",
                                       n_seeds=len(slopes), **text)
    if len(slopes) < 2:
        return claims.too_few_seeds(len(slopes), **text)
    row = claims.gap_row(slopes, np.zeros(len(slopes)), paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power,
                         unit="slope of the log ratio on log size", **text)
    bounded = sorted(sides.loc[sides["bounded"], "task"].map(sizes).unique().tolist())
    exact = sizes[~sizes.isin(bounded)]
    failure = ""
    if bounded and not (len(exact) and min(bounded) > exact.max() and row.verdict == claims.REPRODUCED):
        failure = (f"at size(s) {bounded} the full batch missed its target within the budget or online training reached it "
                   "within one epoch: the slope is a bound that does not decide this reading")
    return claims.validated(row, check, failure)


def stable_rate_claim(wilson: WilsonConfig, summary: pd.DataFrame, power: float) -> claims.ClaimRow:
    """Claim 4: the largest stable learning rate falls as the batch size grows (Spearman, permutation p).

    Where the largest stable rate is the top of the grid, the true one may be larger (censored); with
    more than `max_censored_share` of the cells censored the grid cannot show a fall: inconclusive.
    """
    rule = wilson.claims.stable_rate_falls
    known = summary.dropna(subset=["largest_stable_learning_rate"])
    censored = float(np.mean(known["largest_stable_learning_rate"] >= max(wilson.learning_rates))) if len(known) else 1.0
    text = {
        "paper": paper.PAPER, "family": "stable_rate_falls", "claim_id": "stable_rate_falls",
        "statement": "The largest stable learning rate falls as the batch size grows",
        "paper_value": "batch training needs smaller learning rates",
        "our_value": f"{len(known)} (task, batch) cells; {censored:.0%} stable at the top of the grid",
        "test": (f"Spearman rank correlation over cells, one-sided (decreasing), permutation p-value; stable = no divergence "
                 f"and a final training loss below {wilson.claims.stable_loss_share:g} x the no-information loss"),
        "n_seeds": len(wilson.seeds),
    }
    uncensored = (f"at least 3 (task, batch) cells, at most {rule.max_censored_share:.0%} of them stable at the top of the "
                  f"learning-rate grid (censored)")
    if censored > rule.max_censored_share or len(known) < 3:
        failure = (f"{censored:.0%} of the cells are stable at the top of the grid ({max(wilson.learning_rates):g}): it does not reach instability"
                   if len(known) >= 3 else f"{len(known)} cell(s) with a stable learning rate")
        return claims.not_measured_row(uncensored, failure, **text)
    row = claims.trend_row(known["batch_size"], known["largest_stable_learning_rate"], sign=-1, alpha=rule.alpha, power=power, **text)
    return claims.validated(row, uncensored)


def all_claims(wilson: WilsonConfig, runs: pd.DataFrame, power: float, crossings: pd.DataFrame | None = None,
               series: pd.DataFrame | None = None) -> list[claims.ClaimRow]:
    """Every claim row, from runs that carry their epochs to the common target (measures.with_epochs_to_target):
    `runs` of the grid's tasks, `crossings` refined below an epoch (claim 3), `series` of the size series (claim 5).

    The learning rates chosen per seed on the other seeds are found once and shared: the claims run again on every seed
    resample."""
    picked = cross_fitted(runs)
    return [*fewer_epochs_claims(wilson, runs, power, picked), *no_gain_claims(wilson, runs), *slope_claims(wilson, runs, picked, crossings),
            stable_rate_claim(wilson, largest_stable_learning_rates(runs, wilson.claims.stable_loss_share).sort_values(["task", "batch_size"]), power),
            larger_sets_claim(wilson, pd.DataFrame() if series is None else series, power)]


def epochs_figure(runs: pd.DataFrame, path: str | Path) -> None:
    """Epochs to the common target against batch size, log-log, one line per learning rate (cells where every seed
    reached it); x marks divergence."""
    tasks = list(runs["task"].unique())
    figure, axes = plots.new_figure(columns=len(tasks), width=3.4)
    for axis, task in zip(axes, tasks):
        table = runs[runs["task"] == task]
        for index, (rate, group) in enumerate(table.groupby("learning_rate", sort=False)):
            reached = group.groupby("batch_size")["epochs_to_target"].agg(["mean", "count", "size"])
            means = reached[reached["count"] == reached["size"]]["mean"]
            axis.plot(means.index, means.values, marker="o", ms=3, color=f"C{index}", label=f"lr {rate:g}")
            diverged = group[group["diverged"]]["batch_size"].unique()
            axis.scatter(diverged, np.full(len(diverged), 1), marker="x", color=f"C{index}")
        axis.set(xscale="log", yscale="log", xlabel="batch size (examples)", ylabel="epochs to the target", title=task)
    axes[0].legend(fontsize=7, title="x at bottom: diverged", title_fontsize=6)
    plots.save(figure, path)


def curves_figure(wilson: WilsonConfig, best: pd.DataFrame, histories: pd.DataFrame, path: str | Path) -> None:
    """Hold-out accuracy against epochs, batch 1 vs full batch at their fastest learning rates (first seed), and the
    task's target."""
    tasks = list(best["task"].unique())
    seed = wilson.seeds[0]
    figure, axes = plots.new_figure(columns=len(tasks), width=3.4)
    for axis, task in zip(axes, tasks):
        for label, color in (("1", "tab:blue"), (FULL, "tab:red")):
            row = best[(best["task"] == task) & (best["batch_label"] == label)].iloc[0]
            run = (histories["task"] == task) & (histories["batch_label"] == label)
            history = histories[run & (histories["learning_rate"] == row.learning_rate) & (histories["seed"] == seed)]
            name = "online (batch 1)" if label == "1" else f"full batch ({row.batch_size})"
            axis.plot(history["epoch"], 100 * history["test_accuracy"], color=color, label=f"{name}, lr {row.learning_rate:g}")
        axis.axhline(100 * best[best["task"] == task]["target"].iloc[0], color="grey", lw=0.8, ls=":", label="target")
        axis.set(xscale="log", xlabel="epoch (log scale)", ylabel="hold-out accuracy (%)", title=task)
        axis.legend(fontsize=6)
    plots.save(figure, path)
