"""Batch-size science: claim rows and figures from the throughput, gradient-noise, steps and regime results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications import claims, plots, statistics
from replications.batchscience import layout, measures
from replications.batchscience.config import ScienceConfig
from replications.histories import last_epochs, side_by_side
from replications.typed_config import ClaimRule, CoreConfig

PAPER = "Batch-size science"
REGIME_COLORS = {
    "small_batch": "#1f77b4", "large_batch_equal_epochs": "#d62728", "large_batch_equal_updates": "#ff7f0e",
    "large_batch_linear_lr": "#2ca02c", "large_batch_sqrt_lr": "#9467bd",
}


def _row(family: str, claim_id: str, statement: str, paper_value: str, our_value: str, test: str, verdict: str, rule: str,
         detail: str, **numbers) -> claims.ClaimRow:
    return claims.ClaimRow(paper=PAPER, family=family, claim_id=claim_id, statement=statement, paper_value=paper_value,
                           our_value=our_value, test=test, verdict=verdict, rule=rule, detail=detail, **numbers)


# --- throughput -----------------------------------------------------------------------------------------


def median_curves(throughput: pd.DataFrame) -> pd.DataFrame:
    """Per network and batch size, the median over sweeps of samples/s and of seconds per update."""
    columns = ["samples_per_second", "seconds_per_update"]
    return throughput.groupby(["network", "batch_size"], sort=False, as_index=False)[columns].median()


def curve_summary(curve: pd.DataFrame, within: float) -> dict[str, float | int]:
    """The numbers the claim reads from one throughput curve (samples/s against batch size)."""
    curve = curve.sort_values("batch_size")
    slopes = measures.local_slopes(curve["batch_size"], curve["samples_per_second"])
    return {
        "peak_samples_per_second": curve["samples_per_second"].max(),
        "saturation_batch_size": measures.saturation_batch_size(curve["batch_size"], curve["samples_per_second"], within),
        "smallest_batch_size": int(curve["batch_size"].min()), "largest_batch_size": int(curve["batch_size"].max()),
        "first_slope": float(slopes[0]), "final_slope": float(slopes[-1]),
        "speedup_peak_over_smallest": float(curve["samples_per_second"].max() / curve["samples_per_second"].iloc[0]),
    }


def throughput_summary(throughput: pd.DataFrame, within: float) -> pd.DataFrame:
    """Per network: the median curve over sweeps, and how many sweeps were timed."""
    sweeps = throughput.groupby("network", sort=False)["sweep"].nunique()
    return pd.DataFrame([
        {"network": network, "sweeps": int(sweeps[network]), **curve_summary(curve, within)}
        for network, curve in median_curves(throughput).groupby("network", sort=False)
    ])


def sweep_summaries(throughput: pd.DataFrame, within: float) -> pd.DataFrame:
    """Per network and sweep: that sweep's curve, read as the median curve is."""
    return pd.DataFrame([
        {"network": network, "sweep": sweep, **curve_summary(curve, within)}
        for (network, sweep), curve in throughput.groupby(["network", "sweep"], sort=False)
    ])


def curve_verdict(item: Any, rule: ClaimRule) -> tuple[str, str]:
    """The claim has two halves, and real devices can fail either (amendment A14):
    - batching pays: the peak throughput is at least `min_speedup` times the smallest batch's (a device already busy at
      one example, such as a CPU on a network of large layers, gains little);
    - up to a point: over the last step (the two largest batch sizes measured, the claim's range) the log-log slope is
      below `max_final_slope` (flat); at or above `linear_slope` the device still scales almost linearly there (a GPU
      on a small network), so the claimed point lies outside every batch size the suite trains with.
    Reproduced if both hold; not reproduced if batching does not pay or the scaling is still near-linear at the top;
    else inconclusive (growth slowing, not yet flat)."""
    if item.speedup_peak_over_smallest < rule.min_speedup:
        return claims.NOT_REPRODUCED, (f"batching does not pay: the peak is {item.speedup_peak_over_smallest:.2f}x batch "
                                       f"{item.smallest_batch_size}'s throughput")
    grows = f"grows {item.speedup_peak_over_smallest:.1f}x"
    if item.final_slope >= rule.linear_slope:
        return claims.NOT_REPRODUCED, (f"{grows} and still scales near-linearly at batch {item.largest_batch_size}, the largest "
                                       f"measured (last slope {item.final_slope:.2f}): no saturation within the range")
    if item.final_slope < rule.max_final_slope:
        return claims.REPRODUCED, f"{grows}, then flat (last slope {item.final_slope:.2f})"
    return claims.INCONCLUSIVE, f"{grows}, slowing but not flat at batch {item.largest_batch_size}, the largest measured (last slope {item.final_slope:.2f})"


def throughput_claims(summary: pd.DataFrame, sweeps: pd.DataFrame, rule: ClaimRule, device: str) -> list[claims.ClaimRow]:
    """Throughput grows with the batch size, then saturates: both halves tested, each able to fail (`curve_verdict`).

    Validity: at least `sweep_agreement` of the sweeps, each read alone, give the median curve's verdict; a timing that
    falls on one side of a threshold in some sweeps and on the other in others is not measured (the device's noise, not
    its throughput, would decide it).
    """
    rows = []
    for item in summary.itertuples():
        verdict, why = curve_verdict(item, rule)
        per_sweep = [curve_verdict(sweep, rule)[0] for sweep in sweeps[sweeps["network"] == item.network].itertuples()]
        agreeing = per_sweep.count(verdict)
        disagreement = ""
        if agreeing < rule.sweep_agreement * len(per_sweep):
            disagreement = f"only {agreeing} of {len(per_sweep)} sweeps give the median curve's verdict ({verdict}: {why})"
        why += f"; {agreeing} of {len(per_sweep)} sweeps agree"
        rows.append(claims.validated(_row(
            "throughput_saturates", f"throughput_saturates_{item.network}",
            f"{item.network}: training throughput grows with the batch size until the device saturates",
            "grows, then saturates (seeds 000, 001)",
            f"peak {item.peak_samples_per_second:,.0f} samples/s; within {100 * rule.within:.0f}% of it from batch "
            f"{item.saturation_batch_size}; {item.speedup_peak_over_smallest:.1f}x batch {item.smallest_batch_size}'s; "
            f"last slope {item.final_slope:.2f} ({device})",
            "the median samples/s over sweeps: the peak over the smallest batch's, and the log-log slope between the two "
            "largest batch sizes", verdict,
            f"reproduced if the peak >= {rule.min_speedup:g}x the smallest batch's and the last slope < {rule.max_final_slope:g}; "
            f"not reproduced if the peak < {rule.min_speedup:g}x or the last slope >= {rule.linear_slope:g}; else inconclusive",
            why, statistic=item.final_slope, effect=item.final_slope, threshold=rule.max_final_slope, effect_unit="log-log slope",
        ), f"at least {rule.sweep_agreement:.0%} of the sweeps, each read alone, give the median curve's verdict", disagreement))
    return rows


# --- gradient noise and noise scale ---------------------------------------------------------------------


NOISE_SLOPE_IS_ARITHMETIC = (
    "minibatches are drawn with replacement, so the variance of their mean gradient is tr(Sigma) / m exactly: the slope "
    "-1/2 follows from arithmetic and checks our estimator, not the seed's claim; that claim (O(m) cost for O(sqrt(m)) "
    "less noise: diminishing returns per example) is tested by diminishing_returns on the steps-to-target runs"
)


def spread_claims(spread: pd.DataFrame, rule: ClaimRule) -> list[claims.ClaimRow]:
    """The gradient-noise slope rows, each "not a claim" (`NOISE_SLOPE_IS_ARITHMETIC`), the check's reading kept."""
    return [claims.not_a_claim(row, NOISE_SLOPE_IS_ARITHMETIC) for row in spread_checks(spread, rule)]


def spread_checks(spread: pd.DataFrame, rule: ClaimRule) -> list[claims.ClaimRow]:
    """The log-log slope of the minibatch gradient's RMS error against m, per point, read against -1/2 +- tolerance:
    a check of the estimator (it reaches every reading if the estimator is wrong)."""
    rows = []
    for (epoch, point), group in spread.groupby(["epoch", "point"], sort=True):
        fit = measures.log_log_slope(group["batch_size"], group["standard_error"], rule.alpha)
        rows.append(claims.interval_row(
            fit.slope, fit.ci_low, fit.ci_high, band=(-0.5 - rule.tolerance, -0.5 + rule.tolerance), unit="log-log slope",
            alpha=rule.alpha, degrees_of_freedom=len(group) - 2,
            paper=PAPER, family="gradient_noise_slope", claim_id=f"gradient_noise_slope_{'init' if epoch == 0 else 'trained'}",
            statement=f"The standard error of a minibatch gradient falls as 1/sqrt(m) ({point})", paper_value="slope -1/2 (seed 002)",
            our_value=f"slope {fit.slope:.3f} over m = {group['batch_size'].min()}..{group['batch_size'].max()} (R² {fit.r_squared:.3f})",
            test=(f"log-log least squares of RMS |g_m - G| on m ({int(group['draws'].iloc[0])} draws per m, with replacement), "
                  f"{100 * (1 - 2 * rule.alpha):.0f}% interval"),
            statistic=fit.slope,
        ))
    return rows


def b_simple_at_target(noise_scale: pd.DataFrame, target: float) -> pd.Series:
    """B_simple at the first snapshot that reached the target accuracy (the last snapshot if none did)."""
    trained = noise_scale[noise_scale["epoch"] > 0]
    reached = trained[trained["test_accuracy"] >= target]
    return reached.iloc[0] if len(reached) else trained.iloc[-1]


# --- steps to target ------------------------------------------------------------------------------------


def best_steps(tuning: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the learning rate that reached the target in the fewest updates on the tuning seed, and the
    geometric mean of the updates the measuring seeds needed at it (NaN unless every measuring seed reached it)."""
    reached = tuning[~tuning["diverged"] & tuning["steps_to_target"].notna()]
    tuned = reached.sort_values("steps_to_target").groupby("batch_size").head(1).sort_values("batch_size")
    edge = tuned["learning_rate"].isin([tuning["learning_rate"].min(), tuning["learning_rate"].max()])
    per_batch = measured.groupby("batch_size").agg(
        n_seeds=("seed", "size"), n_reached=("steps_to_target", "count"),
        steps_to_target=("steps_to_target", lambda values: float(np.exp(np.log(values).mean()))),
        steps_spread=("steps_to_target", lambda values: float(np.log(values).std(ddof=1)) if values.notna().sum() > 1 else np.nan),
    )
    best = tuned[["batch_size", "learning_rate"]].assign(lr_at_grid_edge=edge.to_numpy()).merge(per_batch.reset_index(), on="batch_size", how="left")
    best.loc[best["n_reached"] < best["n_seeds"], "steps_to_target"] = np.nan
    best = best.dropna(subset=["steps_to_target"])
    return best.assign(examples_to_target=best["steps_to_target"] * best["batch_size"]).reset_index(drop=True)


def _edge_note(best: pd.DataFrame) -> str:
    """Batch sizes whose best learning rate is the grid's smallest or largest: their tuning may be incomplete."""
    edge = best.loc[best["lr_at_grid_edge"].astype(bool), "batch_size"].tolist()
    return f"; best learning rate at the edge of the grid for batch size(s) {edge}: the true optimum may lie outside it" if edge else ""


def tradeoff_table(best: pd.DataFrame, noise_scale: pd.DataFrame, target: float) -> pd.DataFrame:
    """The fitted S_min, E_min and B_crit beside B_simple at the target (empty if fewer than 3 batch sizes reached it)."""
    if len(best) < 3:
        return pd.DataFrame(columns=["steps_min", "examples_min", "critical_batch", "b_simple_at_target", "b_simple_epoch"])
    fit = measures.fit_tradeoff(best["batch_size"], best["steps_to_target"])
    at_target = b_simple_at_target(noise_scale, target)
    return pd.DataFrame([{"steps_min": fit.steps_min, "examples_min": fit.examples_min, "critical_batch": fit.critical_batch,
                          "b_simple_at_target": at_target["b_simple"], "b_simple_epoch": int(at_target["epoch"])}])


def steps_claims(best: pd.DataFrame, noise_scale: pd.DataFrame, science: ScienceConfig) -> list[claims.ClaimRow]:
    rules, target = science.claims, science.steps_to_target.target_accuracy
    measured = f"{len(best)} of {len(science.steps_to_target.batch_sizes)} batch sizes reached {100 * target:g}% on every measuring seed"
    reached = f"at least 3 batch sizes reach the target accuracy {100 * target:g}% on every measuring seed"
    if len(best) < 3:
        return [
            claims.not_measured_row(reached, measured, paper=PAPER, family="diminishing_returns", claim_id="diminishing_returns",
                                    statement="Steps to a target fall in proportion to the batch size, then level off",
                                    paper_value="Shallue et al.", our_value=measured, test="local log-log slopes"),
            claims.not_measured_row(reached, measured, paper=PAPER, family="critical_batch_matches_noise_scale",
                                    claim_id="critical_batch_matches_noise_scale",
                                    statement="The critical batch size is about the gradient noise scale B_simple",
                                    paper_value="McCandlish et al.", our_value=measured, test="fit"),
        ]
    slopes = measures.local_slopes(best["batch_size"], best["steps_to_target"])
    rule = rules.diminishing_returns
    first, last = float(slopes[0]), float(slopes[-1])
    artefacts = [f"{low}->{high}: {slope:.2f}" for low, high, slope in zip(best["batch_size"], best["batch_size"][1:], slopes) if slope < rule.artefact_slope]
    if artefacts:
        verdict, why = claims.INCONCLUSIVE, (f"local slope(s) below {rule.artefact_slope:g}, steeper than perfect scaling (-1): "
                                             f"{', '.join(artefacts)}; an artefact of the tuning or of the once-per-epoch evaluation")
    elif first <= rule.scaling_slope and last >= rule.saturation_slope:
        verdict, why = claims.REPRODUCED, "near-perfect scaling at small batches, little gain at large ones"
    elif last <= rule.scaling_slope or first >= rule.saturation_slope:
        verdict, why = claims.NOT_REPRODUCED, "no levelling off at large batches" if last <= rule.scaling_slope else "no scaling at small batches"
    else:
        verdict, why = claims.INCONCLUSIVE, "the slopes sit between the two regimes"
    rows = [claims.validated(_row(
        "diminishing_returns", "diminishing_returns", "Steps to a target accuracy fall in proportion to the batch size, then level off",
        "perfect scaling, diminishing returns, saturation (Shallue et al.)",
        f"local slope {first:.2f} at the smallest batches, {last:.2f} at the largest",
        f"d log steps / d log B between consecutive batch sizes; the learning rate tuned per batch size on seed "
        f"{science.steps_to_target.tuning_seed}, the steps a geometric mean over {len(science.seeds)} other seeds", verdict,
        f"inconclusive if a slope is below {rule.artefact_slope:g} (steeper than perfect scaling); "
        f"reproduced if the first slope <= {rule.scaling_slope} and the last >= {rule.saturation_slope}; "
        f"not reproduced if the last <= {rule.scaling_slope} or the first >= {rule.saturation_slope}; else inconclusive",
        why + _edge_note(best), statistic=last, effect=last, threshold=rule.saturation_slope, effect_unit="log-log slope",
        n_seeds=int(best["n_seeds"].min()),
    ), reached)]
    fit = tradeoff_table(best, noise_scale, target).iloc[0]
    ratio = fit["critical_batch"] / fit["b_simple_at_target"]
    factor = rules.critical_batch.agreement_factor
    measured_range = (best["batch_size"].min(), best["batch_size"].max())
    if not measured_range[0] <= fit["critical_batch"] <= measured_range[1]:
        verdict, why = claims.INCONCLUSIVE, f"B_crit {fit['critical_batch']:.0f} lies outside the batch sizes measured {measured_range}: an extrapolation"
    elif 1 / factor <= ratio <= factor:
        verdict, why = claims.REPRODUCED, f"ratio {ratio:.2f} within [1/{factor:g}, {factor:g}]"
    else:
        verdict, why = claims.NOT_REPRODUCED, f"ratio {ratio:.2f} outside [1/{factor:g}, {factor:g}]"
    rows.append(claims.validated(_row(
        "critical_batch_matches_noise_scale", "critical_batch_matches_noise_scale", "The critical batch size is about the gradient noise scale B_simple",
        "B_crit ≈ B_noise (McCandlish et al. 2018)",
        f"B_crit {fit['critical_batch']:.0f} (fit) vs B_simple {fit['b_simple_at_target']:.0f} (epoch {int(fit['b_simple_epoch'])})",
        "S = S_min (1 + B_crit / B) fitted in log space to the seeds' geometric means; B_simple from the two-batch estimator", verdict,
        f"inconclusive if B_crit lies outside the batch sizes measured; else reproduced if B_crit / B_simple lies within "
        f"[1/{factor:g}, {factor:g}], not reproduced otherwise",
        why + _edge_note(best), statistic=float(ratio), effect=float(np.log10(ratio)), threshold=float(np.log10(factor)),
        effect_unit="log10 B_crit / B_simple", n_seeds=int(best["n_seeds"].min()),
    ), reached))
    return rows


# --- regimes --------------------------------------------------------------------------------------------


def regimes_table(histories: pd.DataFrame) -> pd.DataFrame:
    finals = last_epochs(histories, ["regime", "seed"])
    order = list(dict.fromkeys(histories["regime"]))  # the order of the settings
    table = finals.groupby("regime").agg(
        batch_size=("batch_size", "last"), final_learning_rate=("learning_rate", "last"), epochs=("epoch", "max"),
        updates=("updates", "max"), test_accuracy_mean=("test_accuracy", "mean"), test_accuracy_std=("test_accuracy", "std"),
        distance_from_init=("distance_from_init", "mean"), n_seeds=("seed", "size"), n_diverged=("diverged", "sum"),
    )
    return table.loc[order].reset_index()


def paired_finals(histories: pd.DataFrame, regimes: list[str]) -> pd.DataFrame:
    """Final test accuracy of the regimes side by side, per seed that finished all of them (a seed's runs share the initialisation)."""
    finished = histories[~histories["diverged"].astype(bool) & histories["regime"].isin(regimes)]
    return side_by_side(last_epochs(finished, ["regime", "seed"]), "regime", regimes, "test_accuracy")


def regime_claims(histories: pd.DataFrame, science: ScienceConfig, power: float) -> list[claims.ClaimRow]:
    rules = science.claims
    names = ["small_batch", "large_batch_equal_epochs", "large_batch_equal_updates", "large_batch_linear_lr", "large_batch_sqrt_lr"]
    finals = paired_finals(histories, names)
    if len(finals) < 2:
        return [claims.too_few_seeds(len(finals), "finished every regime", paper=PAPER, family="equal_updates_at_least_as_good",
                                     claim_id="equal_updates_at_least_as_good", statement="Trained for the same number of updates, the large batch is "
                                                                                          "at least as good as the small one")]
    small, equal_epochs, equal_updates = finals["small_batch"], finals["large_batch_equal_epochs"], finals["large_batch_equal_updates"]
    rule = rules.equal_updates
    low, high = statistics.paired(equal_updates, small).interval(rule.alpha)
    rows = [claims.interval_row(
        100 * (equal_updates - small).mean(), 100 * low, 100 * high, band=(-100 * rule.margin, np.inf), unit="pp",
        alpha=rule.alpha, degrees_of_freedom=len(finals) - 1,
        paper=PAPER, family="equal_updates_at_least_as_good", claim_id="equal_updates_at_least_as_good",
        statement="Trained for the same number of updates, the large batch is at least as good as the small one",
        paper_value="the gap comes from too few updates (Hoffer et al. 2017; seed 004)",
        our_value=f"LB {100 * equal_updates.mean():.2f}% vs SB {100 * small.mean():.2f}%",
        test=f"non-inferiority: paired {100 * (1 - 2 * rule.alpha):.0f}% interval of LB (equal updates) - SB over seeds",
        n_seeds=len(finals),
    )]
    rule = rules.gap_shrinks
    rows.append(claims.gap_row(
        equal_updates, equal_epochs, paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power, scale=100, unit="pp",
        paper=PAPER, family="gap_shrinks_at_equal_updates", claim_id="gap_shrinks_at_equal_updates",
        statement="The large batch's gap at equal epochs shrinks when it gets as many updates as the small batch",
        paper_value="the gap vanishes with regime adaptation (Hoffer et al.)",
        our_value=f"LB {100 * equal_epochs.mean():.2f}% (equal epochs) -> {100 * equal_updates.mean():.2f}% (equal updates); SB {100 * small.mean():.2f}%",
        test="paired t-test over seeds, one-sided (equal updates > equal epochs)",
    ))
    rule = rules.lr_scaling
    for name, label in (("large_batch_linear_lr", "linearly (Goyal et al.)"), ("large_batch_sqrt_lr", "by sqrt(B) (Hoffer et al.)")):
        scaled = finals[name]
        gap = small.mean() - equal_epochs.mean()
        share = (scaled.mean() - equal_epochs.mean()) / gap if gap > 0 else float("nan")
        cell = f"lr_scaling_{name.removeprefix('large_batch_')}"  # a family of its own: the two scalings are rival claims
        row = claims.gap_row(
            scaled - equal_epochs, rule.min_share_closed * (small - equal_epochs), paired=True, alpha=rule.alpha, min_effect=0.0,
            power=power, scale=100, unit="pp", paper=PAPER, family=cell, claim_id=cell,
            statement=f"Scaling the learning rate {label} with warm-up closes most of the large batch's gap",
            paper_value="CaffeNet: batch 1,024 at scaled lr 46.5% vs 47.1% at 256 (Mishkin et al.); ResNet-50 no loss at 8k (Goyal et al.)",
            our_value=(f"LB {100 * scaled.mean():.2f}% vs LB at the same lr {100 * equal_epochs.mean():.2f}%, SB {100 * small.mean():.2f}%: "
                       f"{100 * share:.0f}% of the gap closed"),
            test=(f"paired t-test over seeds, one-sided, of gain - {rule.min_share_closed:g} x gap (gain: scaled - same lr; "
                  "gap: SB - LB at the same lr): closes more than that share"),
        )
        no_gap = "" if gap > 0 else "no gap to close: the large batch at the same learning rate is not worse"
        rows.append(claims.validated(row, "a gap to close: SB better than LB at the same learning rate (mean over seeds)", no_gap))
    rows.append(distance_claim(histories, rules.distance_log_updates))
    return rows


def distance_fits(histories: pd.DataFrame) -> pd.DataFrame:
    """R² of the mean distance from the initial weights against log(updates) and against sqrt(updates), per regime."""
    rows = []
    for regime, group in histories[~histories["diverged"].astype(bool)].groupby("regime", sort=False):
        curve = group.groupby("updates")["distance_from_init"].mean().reset_index()
        r_log = np.corrcoef(np.log(curve["updates"]), curve["distance_from_init"])[0, 1] ** 2
        r_sqrt = np.corrcoef(np.sqrt(curve["updates"]), curve["distance_from_init"])[0, 1] ** 2
        rows.append({"regime": regime, "r_squared_log": float(r_log), "r_squared_sqrt": float(r_sqrt), "points": len(curve)})
    return pd.DataFrame(rows)


def distance_claim(histories: pd.DataFrame, rule: ClaimRule) -> claims.ClaimRow:
    fits = distance_fits(histories).set_index("regime").loc[["small_batch", "large_batch_equal_updates"]]
    log_wins = (fits["r_squared_log"] >= rule.min_r_squared) & (fits["r_squared_log"] > fits["r_squared_sqrt"])
    sqrt_wins = fits["r_squared_sqrt"] > fits["r_squared_log"]
    verdict = claims.REPRODUCED if log_wins.all() else claims.NOT_REPRODUCED if sqrt_wins.all() else claims.INCONCLUSIVE
    return _row(
        "distance_grows_with_log_updates", "distance_grows_with_log_updates", "The distance from the initial weights grows like log(updates)",
        "‖w_t - w_0‖ ~ log t, 'ultra-slow diffusion' (Hoffer et al. 2017)",
        "; ".join(f"{regime}: R² {row.r_squared_log:.3f} (log) vs {row.r_squared_sqrt:.3f} (sqrt)" for regime, row in fits.iterrows()),
        "R² of the seed-mean distance against log(updates) and against sqrt(updates) (a random walk)", verdict,
        f"reproduced if, for the small batch and the large batch at equal updates, the log fit has R² >= {rule.min_r_squared} "
        "and beats the sqrt fit; not reproduced if the sqrt fit wins for both; else inconclusive",
        "per regime: " + ", ".join(f"{regime} {'log' if win else 'not log'}" for regime, win in log_wins.items()),
        n_seeds=int(histories["seed"].nunique()), effect=float(fits["r_squared_log"].min()), threshold=rule.min_r_squared,
        effect_unit="R² (log fit, worse regime)",
    )


# --- figures --------------------------------------------------------------------------------------------


def throughput_figure(throughput: pd.DataFrame, summary: pd.DataFrame, path: str) -> None:
    """The median curve of each network, each sweep's timings as dots beside it."""
    figure, (samples_axes, update_axes) = plots.new_figure(columns=2)
    for network, curve in median_curves(throughput).groupby("network", sort=False):
        line = samples_axes.plot(curve["batch_size"], curve["samples_per_second"], marker="o", label=network)[0]
        update_axes.plot(curve["batch_size"], 1000 * curve["seconds_per_update"], marker="o", color=line.get_color())
        timings = throughput[throughput["network"] == network]
        samples_axes.scatter(timings["batch_size"], timings["samples_per_second"], s=6, color=line.get_color(), alpha=0.4)
        saturation = summary.set_index("network").loc[network, "saturation_batch_size"]
        samples_axes.axvline(saturation, color=line.get_color(), linestyle=":", linewidth=1)
    samples_axes.set(xscale="log", yscale="log", xlabel="batch size", ylabel="training samples / s")
    update_axes.set(xscale="log", yscale="log", xlabel="batch size", ylabel="ms per update")
    samples_axes.legend()
    plots.save(figure, path)


def noise_figure(spread: pd.DataFrame, noise_scale: pd.DataFrame, path: str) -> None:
    figure, (spread_axes, scale_axes) = plots.new_figure(columns=2)
    for point, group in spread.groupby("point", sort=False):
        spread_axes.plot(group["batch_size"], group["standard_error"], marker="o", label=point)
    reference = spread[spread["epoch"] == 0]
    m = reference["batch_size"].to_numpy(float)
    spread_axes.plot(m, reference["standard_error"].iloc[0] * (m / m[0]) ** -0.5, color="grey", linestyle="--", label="slope -1/2")
    spread_axes.set(xscale="log", yscale="log", xlabel="minibatch size m", ylabel="RMS |g_m - G|")
    spread_axes.legend()
    trained = noise_scale[noise_scale["epoch"] > 0]
    # With few draws the unbiased estimates can come out negative; a log axis shows the positive ones (the table has all).
    for column, style in (("b_simple", {"marker": "o", "label": "two-batch estimator"}),
                          ("b_simple_direct", {"marker": "x", "linestyle": ":", "label": "from the full gradient"})):
        positive = trained[trained[column] > 0]
        scale_axes.plot(positive["updates"], positive[column], **style)
    scale_axes.set(xscale="log", yscale="log", xlabel="parameter updates", ylabel="B_simple")
    scale_axes.legend()
    plots.save(figure, path)


def steps_figure(tuning: pd.DataFrame, best: pd.DataFrame, path: str) -> None:
    figure, (axes,) = plots.new_figure(columns=1, width=4.8)
    if best.empty:  # nothing to draw on log axes: say so in the figure
        axes.text(0.5, 0.5, "no batch size reached the target accuracy", ha="center", va="center", transform=axes.transAxes)
        axes.set(xlabel="batch size", ylabel="updates to the target accuracy")
        plots.save(figure, path)
        return
    for rate, group in tuning[tuning["steps_to_target"].notna()].groupby("learning_rate"):
        axes.plot(group["batch_size"], group["steps_to_target"], marker=".", linestyle=":", alpha=0.6, label=f"lr {rate:g} (tuning seed)")
    axes.plot(best["batch_size"], best["steps_to_target"], marker="o", color="black", label="tuned lr, measuring seeds")
    if len(best) >= 3:
        fit = measures.fit_tradeoff(best["batch_size"], best["steps_to_target"])
        grid = np.geomspace(best["batch_size"].min(), best["batch_size"].max(), 100)
        axes.plot(grid, fit.steps_min * (1 + fit.critical_batch / grid), color="grey", label=f"fit, B_crit = {fit.critical_batch:.0f}")
        axes.axvspan(grid[0], max(grid[0], fit.critical_batch / 4), color="#2ca02c", alpha=0.08, label="perfect scaling (B < B_crit/4)")
        axes.axvspan(min(grid[-1], 4 * fit.critical_batch), grid[-1], color="#d62728", alpha=0.08, label="saturation (B > 4 B_crit)")
    axes.set(xscale="log", yscale="log", xlabel="batch size", ylabel="updates to the target accuracy")
    axes.legend(fontsize=7)
    plots.save(figure, path)


def regimes_figure(histories: pd.DataFrame, path: str) -> None:
    figure, (epoch_axes, update_axes, distance_axes) = plots.new_figure(columns=3, width=3.6)
    for regime, group in histories[~histories["diverged"].astype(bool)].groupby("regime", sort=False):
        curve = group.groupby("epoch")[["updates", "test_accuracy", "distance_from_init"]].mean().reset_index()
        # Equal epochs is the first stretch of equal updates: dashed, so both stay visible.
        style = {"color": REGIME_COLORS.get(regime, "grey"), "label": regime.replace("_", " "),
                 "linestyle": "--" if regime == "large_batch_equal_epochs" else "-"}
        epoch_axes.plot(curve["epoch"], 100 * curve["test_accuracy"], **style)
        update_axes.plot(curve["updates"], 100 * curve["test_accuracy"], **style)
        distance_axes.plot(curve["updates"], curve["distance_from_init"], **style)
    epoch_axes.set(xscale="log", xlabel="epochs", ylabel="test accuracy %")
    update_axes.set(xscale="log", xlabel="parameter updates", ylabel="test accuracy %")
    distance_axes.set(xscale="log", xlabel="parameter updates", ylabel="‖w - w0‖")
    epoch_axes.legend(fontsize=7)
    plots.save(figure, path)




def split_steps(steps: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tuning runs (without a seed column: resampling the measuring seeds leaves them be) and the measuring runs."""
    tuning = steps["role"] == "tuning"
    return {"steps_tuning": steps[tuning].rename(columns={"seed": "tuning_seed"}), "steps": steps[~tuning]}


def read_results(inputs: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """The step outputs the analysis reads, by name, from the files its job declares (`jobs.declared_inputs`)."""
    spread, noise_scale = inputs["noise"]
    return {
        "throughput": concat_csv(inputs["throughput"]),
        "spread": pd.read_csv(spread),
        "noise_scale": pd.read_csv(noise_scale),
        **split_steps(concat_csv(inputs["steps"])),
        "regimes": concat_csv(inputs["regimes"]),
    }


def concat_csv(paths: list[str]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)


def all_claims(science: ScienceConfig, results: dict[str, pd.DataFrame], power: float) -> list[claims.ClaimRow]:
    """Every claim from the results; `results` may be a seed resample (only the regimes have several seeds)."""
    rule = science.claims.throughput_saturates
    device = results["throughput"]["device"].iloc[0]  # where the throughput was measured
    return [
        *throughput_claims(throughput_summary(results["throughput"], rule.within), sweep_summaries(results["throughput"], rule.within), rule, device),
        *spread_claims(results["spread"], science.claims.noise_slope),
        *steps_claims(best_steps(results["steps_tuning"], results["steps"]), results["noise_scale"], science),
        *regime_claims(results["regimes"], science, power),
    ]


def write_outputs(core: CoreConfig, science: ScienceConfig, inputs: dict[str, list[str]], table_dir: str, figure_dir: str,
                  claims_path: str) -> None:
    results = read_results(inputs)
    Path(table_dir).mkdir(parents=True, exist_ok=True)
    within = science.claims.throughput_saturates.within
    summary = throughput_summary(results["throughput"], within)
    best = best_steps(results["steps_tuning"], results["steps"])
    tables = {
        "throughput": results["throughput"], "throughput_summary": summary, "gradient_noise": results["spread"],
        "noise_scale": results["noise_scale"], "steps_to_target_best": best,
        "steps_to_target": pd.concat([results["steps_tuning"].rename(columns={"tuning_seed": "seed"}), results["steps"]], ignore_index=True),
        "tradeoff": tradeoff_table(best, results["noise_scale"], science.steps_to_target.target_accuracy),
        "regimes": regimes_table(results["regimes"]), "distance_fits": distance_fits(results["regimes"]),
    }
    for name in layout.TABLES:  # the tables the rule declares
        tables[name].to_csv(layout.table_file(table_dir, name), index=False)
    throughput_figure(results["throughput"], summary, layout.figure_file(figure_dir, "throughput"))
    noise_figure(results["spread"], results["noise_scale"], layout.figure_file(figure_dir, "gradient_noise"))
    steps_figure(results["steps_tuning"], best, layout.figure_file(figure_dir, "steps_to_target"))
    regimes_figure(results["regimes"], layout.figure_file(figure_dir, "regimes"))
    claims.write_claims(
        claims_path, lambda frames: all_claims(science, frames, core.verdicts.power), results, core, layout.NAME,
        recorded_from=list(results),
    )

