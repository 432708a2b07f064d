"""The measures of the batch-size claims, as plain functions of numbers (tested on hand-made inputs).

- saturation of throughput against batch size;
- the spread of minibatch gradients and its log-log slope (Goodfellow: standard error ~ 1/sqrt(m));
- McCandlish et al.'s simple noise scale B_simple = tr(Sigma) / |G|^2 from two batch sizes;
- steps to a target accuracy from a history, and the fit (S/S_min - 1)(E/E_min - 1) = 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats


def saturation_batch_size(batch_sizes: Sequence[int], throughput: Sequence[float], within: float) -> int:
    """The smallest batch size whose throughput is within `within` (a fraction) of the largest measured."""
    batch_sizes, throughput = np.asarray(batch_sizes), np.asarray(throughput, dtype=float)
    if len(batch_sizes) != len(throughput) or len(batch_sizes) == 0:
        raise ValueError("need one throughput per batch size")
    order = np.argsort(batch_sizes)
    batch_sizes, throughput = batch_sizes[order], throughput[order]
    return int(batch_sizes[np.flatnonzero(throughput >= (1 - within) * throughput.max())[0]])


@dataclasses.dataclass(frozen=True)
class SlopeFit:
    """Least squares of log y on log x: slope with its (1 - 2 alpha) t interval."""

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    r_squared: float


def log_log_slope(x: Sequence[float], y: Sequence[float], alpha: float) -> SlopeFit:
    log_x, log_y = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    if len(log_x) < 3:
        raise ValueError(f"a slope with an interval needs at least 3 points, got {len(log_x)}")
    fit = stats.linregress(log_x, log_y)
    half_width = stats.t.ppf(1 - alpha, len(log_x) - 2) * fit.stderr
    return SlopeFit(float(fit.slope), float(fit.intercept), float(fit.slope - half_width), float(fit.slope + half_width), float(fit.rvalue**2))


def local_slopes(x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """d log y / d log x between consecutive points."""
    return np.diff(np.log(np.asarray(y, dtype=float))) / np.diff(np.log(np.asarray(x, dtype=float)))


@dataclasses.dataclass(frozen=True)
class NoiseScale:
    gradient_norm_squared: float  # |G|^2 estimate
    trace_covariance: float  # tr(Sigma) estimate (per-example gradient covariance)
    b_simple: float


def noise_scale(small_norms_squared: Sequence[float], big_norms_squared: Sequence[float], small_batch: int, big_batch: int) -> NoiseScale:
    """McCandlish et al. (2018, appendix A): unbiased |G|^2 and tr(Sigma) from minibatch gradient norms at two sizes.

    E|g_B|^2 = |G|^2 + tr(Sigma) / B for a mean of B independent per-example gradients, so
    |G|^2 = (B_big |g_big|^2 - B_small |g_small|^2) / (B_big - B_small) and
    tr(Sigma) = (|g_small|^2 - |g_big|^2) / (1 / B_small - 1 / B_big), with the norms averaged over draws.
    """
    if not big_batch > small_batch >= 1:
        raise ValueError(f"need big_batch > small_batch >= 1, got {big_batch} and {small_batch}")
    small, big = float(np.mean(small_norms_squared)), float(np.mean(big_norms_squared))
    gradient = (big_batch * big - small_batch * small) / (big_batch - small_batch)
    trace = (small - big) / (1 / small_batch - 1 / big_batch)
    return NoiseScale(gradient, trace, trace / gradient if gradient > 0 else float("nan"))


def steps_to_target(history: pd.DataFrame, target: float) -> float:
    """Updates until the test accuracy first reaches `target`, interpolated in log(updates) between evaluations.

    Evaluations come once per epoch; the crossing is placed between the last epoch below the target and the
    first at or above it, linearly in accuracy against log(updates); reached in the first epoch, it is that
    epoch's updates (an upper bound). NaN if the target is never reached.
    """
    accuracy, updates = history["test_accuracy"].to_numpy(float), history["updates"].to_numpy(float)
    reached = np.flatnonzero(accuracy >= target)
    if len(reached) == 0:
        return float("nan")
    first = reached[0]
    if first == 0:  # reached within the first epoch: no earlier evaluation to interpolate from
        return float(updates[0])
    before_updates, before_accuracy = updates[first - 1], accuracy[first - 1]
    share = (target - before_accuracy) / (accuracy[first] - before_accuracy)
    return float(np.exp(np.log(before_updates) + share * (np.log(updates[first]) - np.log(before_updates))))


@dataclasses.dataclass(frozen=True)
class Tradeoff:
    """S(B) = S_min (1 + B_crit / B), i.e. (S/S_min - 1)(E/E_min - 1) = 1 with E = S B, E_min = S_min B_crit."""

    steps_min: float
    examples_min: float
    critical_batch: float


def fit_tradeoff(batch_sizes: Sequence[float], steps: Sequence[float]) -> Tradeoff:
    """Least squares in log(steps) of McCandlish et al.'s steps-examples trade-off."""
    batch_sizes, steps = np.asarray(batch_sizes, dtype=float), np.asarray(steps, dtype=float)
    if len(batch_sizes) < 3:
        raise ValueError(f"fitting the trade-off needs at least 3 batch sizes, got {len(batch_sizes)}")

    def residuals(log_parameters: np.ndarray) -> np.ndarray:
        log_steps_min, log_critical = log_parameters
        return log_steps_min + np.log1p(np.exp(log_critical) / batch_sizes) - np.log(steps)

    start = np.array([np.log(steps.min()), np.log(np.median(batch_sizes))])
    solution = optimize.least_squares(residuals, start)
    steps_min, critical = np.exp(solution.x)
    return Tradeoff(float(steps_min), float(steps_min * critical), float(critical))
