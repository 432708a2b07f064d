"""The tests the claim rules use, their power, and the multiple-comparison correction.

Hand-written where scipy or statsmodels would change a printed number (issue 31, measured on the quick run's own
inputs): the claims tables print every float in full, so a last-bit difference is a changed table. Holm's numbers are
statsmodels', but its call is too slow for the seed resampling. Each function says which library call it was checked
against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from scipy import optimize, special, stats


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A difference mean(a) - mean(b) with its standard error and degrees of freedom (Welch or paired)."""

    difference: float
    standard_error: float
    degrees_of_freedom: float

    def interval(self, alpha: float) -> tuple[float, float]:
        """The two-sided (1 - 2 alpha) interval: its ends are the one-sided 1 - alpha bounds."""
        half = t_quantile(1 - alpha, self.degrees_of_freedom) * self.standard_error
        return self.difference - half, self.difference + half

    def _t(self, threshold: float) -> float:
        """(difference - threshold) / SE; with no spread, +-inf (or NaN at the threshold itself)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(self.difference - threshold) / np.float64(self.standard_error))

    # scipy.special's Student t functions, which scipy.stats.t calls after checking its arguments: the same
    # numbers, ~20x faster (the stability resampling calls these ~100,000 times per paper).
    def p_greater(self, threshold: float = 0.0) -> float:
        """One-sided p-value that the difference exceeds `threshold`."""
        return float(special.stdtr(self.degrees_of_freedom, -self._t(threshold)))

    def p_less(self, threshold: float = 0.0) -> float:
        return float(special.stdtr(self.degrees_of_freedom, self._t(threshold)))

    @property
    def statistic(self) -> float:
        return self._t(0.0)

    def minimum_detectable(self, alpha: float, power: float, two_one_sided: bool = False) -> float:
        """The smallest true difference a one-sided test at `alpha` detects with `power` at this n and spread.

        With `two_one_sided` (TOST): the smallest margin equivalence is shown within, with `power`, when
        the true difference is zero.
        """
        beta_quantile = (1 + power) / 2 if two_one_sided else power
        df = self.degrees_of_freedom
        return float((t_quantile(1 - alpha, df) + t_quantile(beta_quantile, df)) * self.standard_error)


def t_quantile(probability: float, degrees_of_freedom: float) -> float:
    """Student's t quantile, as scipy.stats.t.ppf computes it (its argument checks skipped)."""
    return float(special.stdtrit(degrees_of_freedom, probability))


def _values(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        raise ValueError(f"a t-test needs at least 2 values per group, got {len(values)}")
    return values


def welch(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """Welch's estimate of mean(a) - mean(b): unequal variances, Satterthwaite degrees of freedom."""
    # Not scipy's ttest_ind(equal_var=False): its variance (mean square x n/(n-1)) moves the last bits (df identical on
    # 2,440 of 3,000 random samples of 2-10 seeds, SE 2,696, interval 1,818), and its SE and estimate are private.
    a, b = _values(a), _values(b)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    df = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se2 > 0 else float(len(a) + len(b) - 2)
    return Estimate(float(a.mean() - b.mean()), float(np.sqrt(se2)), float(df))


def paired(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """The paired estimate of mean(a - b) for pairs that share a seed."""
    # Not scipy's ttest_rel: on the quick run's 31,521 distinct pairs its SE has the same bits for 20,976,
    # confidence_interval(1 - 2 alpha) for 7,562 (it computes t * SE + estimate), its p for 25,323.
    a, b = _values(a), _values(b)
    if len(a) != len(b):
        raise ValueError(f"a paired test needs pairs, got {len(a)} and {len(b)} values")
    differences = a - b
    return Estimate(float(differences.mean()), float(differences.std(ddof=1) / np.sqrt(len(a))), float(len(a) - 1))


def estimate(a: Sequence[float], b: Sequence[float], is_paired: bool) -> Estimate:
    return paired(a, b) if is_paired else welch(a, b)


def seeds_needed(a: Sequence[float], b: Sequence[float], effect: float, alpha: float, power: float, is_paired: bool,
                 two_one_sided: bool = False, most: int = 1000) -> int | None:
    """Seeds per group a test needs to detect `effect` with `power`, at the spread seen in `a` and `b`; None beyond `most`."""
    # Not statsmodels' TTestPower / TTestIndPower.solve_power: they solve the noncentral t's power, this is the
    # `minimum_detectable` rule (central t quantiles); ceil(solve_power) gives this n for 1,078 of the quick run's 3,252
    # calls (mostly one seed fewer), and the TOST form (2,877 calls) has no statsmodels counterpart.
    if not np.isfinite(effect) or effect <= 0:
        return None
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = np.arange(2, most + 1)
    if is_paired:
        standard_error, degrees_of_freedom = np.std(a - b, ddof=1) / np.sqrt(n), n - 1
    else:
        standard_error, degrees_of_freedom = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n), 2 * n - 2
    beta_quantile = (1 + power) / 2 if two_one_sided else power
    detectable = (stats.t.ppf(1 - alpha, degrees_of_freedom) + stats.t.ppf(beta_quantile, degrees_of_freedom)) * standard_error
    enough = np.flatnonzero(detectable <= effect)
    return int(n[enough[0]]) if len(enough) else None


def small_telescope_effect(sd_a: float, sd_b: float, n_a: int, n_b: int, alpha: float = 0.05, power: float = 1 / 3) -> float:
    """The difference of means an original study could just see: Simonsohn's (2015) small telescopes, the effect its own
    two-sided two-sample t-test at `alpha` (Welch's standard error and degrees of freedom, from its SDs and n) detects
    with `power` (33%). An effect smaller than this is one the original study could not have seen."""
    # Not statsmodels: TTestIndPower.solve_power pools df and SDs (Keskar's F2: 0.83 pp, not 0.93); TTestPower().power
    # with Welch's df is NaN at the bracket's end for 3 of Table 2's 6 cells (the wrong-sign tail: see `shortfall`).
    variance = sd_a**2 / n_a + sd_b**2 / n_b
    if variance <= 0:
        raise ValueError("the original study's SDs must not both be 0")
    df = variance**2 / ((sd_a**2 / n_a) ** 2 / (n_a - 1) + (sd_b**2 / n_b) ** 2 / (n_b - 1))
    critical = stats.t.ppf(1 - alpha / 2, df)

    def shortfall(noncentrality: float) -> float:
        wrong_sign = np.nan_to_num(stats.nct.cdf(-critical, df, noncentrality))  # scipy gives NaN where it is ~0
        return stats.nct.sf(critical, df, noncentrality) + wrong_sign - power

    return float(optimize.brentq(shortfall, 0.0, 10.0) * np.sqrt(variance))  # power ~1 at 10: the root lies below


def spearman_permutation(x: Sequence[float], y: Sequence[float], alternative: str, resamples: int = 9999) -> tuple[float, float]:
    """Spearman's rho and its permutation p-value, honest for the few points of a sweep.

    Rho is Pearson's correlation of the ranks, so the permutations shuffle y's ranks against x's, all at once.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3:
        raise ValueError(f"a rank correlation needs at least 3 points, got {len(x)}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant has no ranks to correlate: no evidence either way
        return float("nan"), float("nan")
    x_ranks = stats.rankdata(x) - (len(x) + 1) / 2
    y_ranks = stats.rankdata(y)

    def rho(ranks: np.ndarray, axis: int = -1) -> np.ndarray:
        centred = ranks - ranks.mean(axis=axis, keepdims=True)
        return (centred * x_ranks).sum(axis=axis) / np.sqrt((centred**2).sum(axis=axis) * (x_ranks**2).sum())

    result = stats.permutation_test(
        (y_ranks,), rho, permutation_type="pairings", alternative=alternative, n_resamples=resamples, vectorized=True, rng=0,
    )
    return float(result.statistic), float(result.pvalue)


def spearman_minimum_detectable(n: int, alpha: float, power: float) -> float:
    """The smallest |rho| a one-sided rank-correlation test on n points detects with `power` (Fisher z)."""
    if n <= 3:
        return float("inf")
    return float(np.tanh((stats.norm.ppf(1 - alpha) + stats.norm.ppf(power)) * np.sqrt(1.06 / (n - 3))))


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count as a test)."""
    # statsmodels' multipletests(method="holm") gives the same bits (all 5,961 calls of the quick run; the tests check
    # it) but runs gc.collect() on every call, ~0.24 s in a job with TensorFlow imported: with it the quick rebuild's
    # Wilson analysis took 1,163 s and Smith's 1,505 s, against 90 s and 34 s.
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, np.nan)
    tested = np.flatnonzero(np.isfinite(p_values))
    order = tested[np.argsort(p_values[tested], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted

