"""Claim rows: a paper's claim, its number, ours, a statistical test and a verdict by a rule fixed in the config."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from replications.typed_config import ClaimRule

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)

CLAIM_COLUMNS = [
    "paper", "claim_id", "statement", "paper_value", "our_value", "test", "statistic",
    "p_value", "ci", "n_seeds", "verdict", "rule", "detail",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ClaimRow:
    paper: str
    claim_id: str
    statement: str
    paper_value: str
    our_value: str
    test: str
    statistic: float | None
    p_value: float | None
    ci: str
    n_seeds: int
    verdict: str
    rule: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclasses.dataclass(frozen=True)
class GapTest:
    """Welch's t-test of mean(a) - mean(b) > 0, with a two-sided (1 - 2 alpha) confidence interval."""

    difference: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float


def welch_greater(a: Sequence[float], b: Sequence[float], alpha: float) -> GapTest:
    """One-sided Welch test that `a` exceeds `b`; the interval's upper end is the one-sided 1 - alpha bound."""
    a, b = _at_least_two(a), _at_least_two(b)
    return _gap_test(
        a.mean() - b.mean(),
        stats.ttest_ind(a, b, equal_var=False, alternative="greater"),
        stats.ttest_ind(a, b, equal_var=False),
        alpha,
    )


def paired_greater(a: Sequence[float], b: Sequence[float], alpha: float) -> GapTest:
    """One-sided paired t-test that `a` exceeds `b` (pairs share a seed)."""
    a, b = _at_least_two(a), _at_least_two(b)
    if len(a) != len(b):
        raise ValueError(f"a paired test needs pairs, got {len(a)} and {len(b)} values")
    return _gap_test(a.mean() - b.mean(), stats.ttest_rel(a, b, alternative="greater"), stats.ttest_rel(a, b), alpha)


def spearman_permutation(x: Sequence[float], y: Sequence[float], alternative: str) -> tuple[float, float]:
    """Spearman's rho and its permutation p-value (exact for n <= 8), honest for the few runs of a sweep."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3:
        raise ValueError(f"a rank correlation needs at least 3 points, got {len(x)}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant has no ranks to correlate: no evidence either way
        return float("nan"), float("nan")
    result = stats.permutation_test(
        (x, y), lambda a, b: stats.spearmanr(a, b).statistic,
        permutation_type="pairings", alternative=alternative, n_resamples=9999, rng=0,
    )  # fmt: skip
    return float(result.statistic), float(result.pvalue)


@dataclasses.dataclass(frozen=True)
class EquivalenceTest:
    """Welch TOST (two one-sided tests) of |mean(a) - mean(b)| < margin, with the (1 - 2 alpha) interval."""

    difference: float
    p_value: float  # the larger of the two one-sided p-values: equivalent if below alpha
    p_different: float  # one-sided p that the difference lies beyond the margin, on the side of the estimate
    ci_low: float
    ci_high: float


def equivalence_test(a: Sequence[float], b: Sequence[float], margin: float, alpha: float) -> EquivalenceTest:
    """TOST: equivalence within +-margin is shown when the (1 - 2 alpha) interval of the difference lies inside it."""
    a, b = _at_least_two(a), _at_least_two(b)
    above_lower = stats.ttest_ind(a + margin, b, equal_var=False, alternative="greater")  # difference > -margin
    below_upper = stats.ttest_ind(a - margin, b, equal_var=False, alternative="less")  # difference < +margin
    difference = float(a.mean() - b.mean())
    # Beyond the margin on the side the estimate lies on: the opposite one-sided tests.
    beyond = (stats.ttest_ind(a - margin, b, equal_var=False, alternative="greater") if difference >= 0
              else stats.ttest_ind(a + margin, b, equal_var=False, alternative="less"))  # fmt: skip
    interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=1 - 2 * alpha)
    return EquivalenceTest(
        difference=difference,
        p_value=float(max(above_lower.pvalue, below_upper.pvalue)),
        p_different=float(beyond.pvalue),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
    )


def equivalence_verdict(test: EquivalenceTest, alpha: float) -> tuple[str, str]:
    """Reproduced if equivalence is shown, not reproduced if a difference beyond the margin is, else inconclusive."""
    if not np.isfinite(test.p_value):
        return INCONCLUSIVE, "the test is undefined (zero variance in both groups)"
    if test.p_value < alpha:
        return REPRODUCED, f"TOST p = {test.p_value:.3g} < {alpha}: the interval lies inside the margin"
    if test.p_different < alpha:
        return NOT_REPRODUCED, f"the difference exceeds the margin (p = {test.p_different:.3g})"
    return INCONCLUSIVE, f"TOST p = {test.p_value:.3g} >= {alpha}: the interval reaches beyond the margin"


def _at_least_two(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        raise ValueError(f"a t-test needs at least 2 values per group, got {len(values)}")
    return values


def _gap_test(difference: float, one_sided, two_sided, alpha: float) -> GapTest:
    interval = two_sided.confidence_interval(confidence_level=1 - 2 * alpha)
    return GapTest(
        difference=float(difference),
        statistic=float(one_sided.statistic),
        p_value=float(one_sided.pvalue),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
    )


def gap_verdict(
    test: GapTest, alpha: float, min_effect: float, precondition_failure: str | None = None, scale: float = 1.0, unit: str = ""
) -> tuple[str, str]:
    """The verdict for a claimed positive gap, and why.

    Inconclusive if the precondition fails; reproduced if p < alpha; not reproduced if the
    upper confidence bound is below `min_effect` (any gap is smaller than what counts);
    inconclusive otherwise (too few seeds to tell).
    """
    if precondition_failure:
        return INCONCLUSIVE, precondition_failure
    if not np.isfinite(test.p_value):
        return INCONCLUSIVE, "the test is undefined (zero variance in both groups)"
    if test.p_value < alpha:
        return REPRODUCED, f"p = {test.p_value:.3g} < {alpha}"
    upper, smallest = f"{scale * test.ci_high:.3g}{unit}", f"{scale * min_effect:g}{unit}"
    if test.ci_high < min_effect:
        return NOT_REPRODUCED, f"upper bound {upper} of the gap < smallest effect that counts {smallest}"
    return INCONCLUSIVE, f"p = {test.p_value:.3g} >= {alpha}, and the upper bound {upper} does not exclude a gap of {smallest}"


def direction_verdict(p_value: float, p_opposite: float, alpha: float) -> tuple[str, str]:
    """Reproduced if the claimed direction is significant, not reproduced if the opposite one is, else inconclusive."""
    if p_value < alpha:
        return REPRODUCED, f"p = {p_value:.3g} < {alpha}"
    if p_opposite < alpha:
        return NOT_REPRODUCED, f"significant the other way (p = {p_opposite:.3g})"
    return INCONCLUSIVE, f"not significant either way (p = {p_value:.3g})"


def gap_claim(
    *,
    paper: str,
    claim_id: str,
    statement: str,
    paper_value: str,
    our_value: str,
    test_name: str,
    gap: GapTest,
    rule: ClaimRule,
    n_seeds: int,
    difference: str,
    precondition_failure: str | None = None,
    rule_prefix: str = "",
    detail_suffix: str = "",
    scale: float = 1.0,
    unit: str = "",
) -> ClaimRow:
    """A claim row for a claimed positive gap, with the three-way rule of `gap_verdict` (values shown x `scale`)."""
    verdict, reason = gap_verdict(gap, rule.alpha, rule.min_effect, precondition_failure, scale, unit)
    confidence = 100 * (1 - 2 * rule.alpha)
    return ClaimRow(
        paper=paper, claim_id=claim_id, statement=statement, paper_value=paper_value, our_value=our_value, test=test_name,
        statistic=gap.statistic, p_value=gap.p_value,
        ci=f"[{scale * gap.ci_low:.3g}, {scale * gap.ci_high:.3g}]{unit} ({confidence:.0f}% CI of {difference})",
        n_seeds=n_seeds, verdict=verdict,
        rule=(f"{rule_prefix}reproduced if p < {rule.alpha}; not reproduced if the upper CI bound "
              f"< {scale * rule.min_effect:g}{unit}; else inconclusive"),
        detail=reason + detail_suffix,
    )  # fmt: skip


def interval_verdict(low: float, high: float, band_low: float = -np.inf, band_high: float = np.inf) -> str:
    """Reproduced if the interval [low, high] lies inside the band, not reproduced if it lies wholly outside, else inconclusive."""
    if band_low <= low and high <= band_high:
        return REPRODUCED
    if high < band_low or low > band_high:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def claims_frame(rows: Sequence[ClaimRow]) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(row) for row in rows], columns=CLAIM_COLUMNS)
