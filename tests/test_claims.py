import numpy as np
import pytest
from scipy import stats

from replications import claims
from replications.claims import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, equivalence_test, equivalence_verdict


def test_welch_matches_a_hand_computation():
    a, b = [0.80, 0.82, 0.81, 0.79, 0.83], [0.76, 0.77, 0.75, 0.78, 0.76]
    test = claims.welch_greater(a, b, alpha=0.05)
    va, vb = np.var(a, ddof=1) / 5, np.var(b, ddof=1) / 5
    assert test.difference == pytest.approx(np.mean(a) - np.mean(b))
    assert test.statistic == pytest.approx((np.mean(a) - np.mean(b)) / np.sqrt(va + vb))
    assert test.ci_low < test.difference < test.ci_high
    assert test.p_value < 0.001


def test_gap_verdicts_follow_the_rule():
    rng = np.random.default_rng(0)
    base = 0.8 + 0.001 * rng.standard_normal(5)
    clear_gap = claims.welch_greater(base, base - 0.02, alpha=0.05)
    assert claims.gap_verdict(clear_gap, 0.05, 0.002)[0] == claims.REPRODUCED
    reversed_gap = claims.welch_greater(base - 0.02, base, alpha=0.05)
    verdict, why = claims.gap_verdict(reversed_gap, 0.05, 0.002)
    assert verdict == claims.NOT_REPRODUCED and "upper bound" in why
    noisy = claims.welch_greater([0.80, 0.70, 0.90], [0.78, 0.88, 0.69], alpha=0.05)
    assert claims.gap_verdict(noisy, 0.05, 0.002)[0] == claims.INCONCLUSIVE
    assert claims.gap_verdict(clear_gap, 0.05, 0.002, "training accuracies differ")[0] == claims.INCONCLUSIVE


def test_claim_rows_reject_unknown_verdicts():
    with pytest.raises(ValueError, match="verdict must be one of"):
        claims.ClaimRow("p", "c", "s", "1", "2", "t", 1.0, 0.5, "[0, 1]", 5, "probably", "rule")
    with pytest.raises(ValueError, match="at least 2 values"):
        claims.welch_greater([1.0], [0.5, 0.4], alpha=0.05)


def test_spearman_permutation_p_values_are_exact_for_few_points():
    rho, p_value = claims.spearman_permutation([1, 2, 3], [10, 20, 30], "greater")
    assert rho == 1.0 and p_value == pytest.approx(1 / 6)  # 1 of the 3! orderings is as extreme
    rho, p_value = claims.spearman_permutation(range(10), [0, 2, 1, 3, 5, 4, 6, 8, 7, 9], "less")
    assert rho > 0.9 and p_value > 0.99
    rho, p_value = claims.spearman_permutation([1, 2, 3, 4], [0.1, 0.1, 0.1, 0.1], "less")
    assert np.isnan(rho) and np.isnan(p_value)  # never "significant" for a constant
    with pytest.raises(ValueError, match="at least 3 points"):
        claims.spearman_permutation([1, 2], [1, 2], "greater")


def test_busy_seconds_counts_overlaps_once_and_skips_gaps():
    from replications.provenance import busy_seconds

    assert busy_seconds([(0, 10), (5, 12), (11, 13)]) == 13
    assert busy_seconds([(0, 10), (100, 105)]) == 15  # a later rerun adds only its own time
    assert busy_seconds([]) == 0


def test_equivalence_test_is_two_one_sided_welch_tests():
    a, b = np.array([0.90, 0.91, 0.92, 0.905]), np.array([0.905, 0.915, 0.91, 0.90])
    test = equivalence_test(a, b, margin=0.02, alpha=0.05)
    lower = stats.ttest_ind(a + 0.02, b, equal_var=False, alternative="greater").pvalue
    upper = stats.ttest_ind(a - 0.02, b, equal_var=False, alternative="less").pvalue
    assert test.p_value == pytest.approx(max(lower, upper))
    assert test.ci_low > -0.02 and test.ci_high < 0.02  # TOST at alpha <=> the (1 - 2 alpha) interval inside the margin
    assert equivalence_verdict(test, 0.05)[0] == REPRODUCED
    # Same data, a margin too tight to show equivalence, yet no evidence of a difference beyond it.
    assert equivalence_verdict(equivalence_test(a, b, margin=0.001, alpha=0.05), 0.05)[0] == INCONCLUSIVE
    # A clear difference beyond the margin.
    far = equivalence_test(a, b + 0.05, margin=0.01, alpha=0.05)
    assert far.difference == pytest.approx(a.mean() - b.mean() - 0.05) and equivalence_verdict(far, 0.05)[0] == NOT_REPRODUCED
