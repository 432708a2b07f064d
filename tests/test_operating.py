"""The family rule's error rates and power, simulated: each cell rule at its boundary, and families of correlated cells.

Cells share their seeds' noise (correlation 0.8 between cells), as cells measured on the same trained models do.
Each rate is checked against its bound plus three simulation standard errors.
"""

import dataclasses

import numpy as np
import pytest

from replications import claims, operating
from replications.claims import NOT_REPRODUCED, REPRODUCED

ALPHA, N, SIGMA = 0.05, 5, 1.0
TEXT = {"paper": "p", "statement": "s", "paper_value": "-", "our_value": "-", "test": "t"}


def within_bound(rate: float, bound: float, repetitions: int) -> bool:
    return rate <= bound + 3 * np.sqrt(bound * (1 - bound) / repetitions)


def correlated_differences(rng, means, correlation=0.8):
    """Seed-level paired differences of several cells: a shared seed effect plus each cell's own noise."""
    shared = rng.standard_normal(N)
    own = rng.standard_normal((len(means), N))
    return [mean + SIGMA * (np.sqrt(correlation) * shared + np.sqrt(1 - correlation) * noise) for mean, noise in zip(means, own)]


def gap_cells(differences, min_effect: float, family="f"):
    return [claims.gap_row(values, np.zeros(N), paired=True, alpha=ALPHA, min_effect=min_effect, power=0.8, family=family,
                           claim_id=f"c{index}", **TEXT) for index, values in enumerate(differences)]


def family_of(rows) -> str:
    return claims.apply_holm(rows)[0].family_verdict


@pytest.mark.parametrize("cells", [1, 4])
def test_a_family_of_gap_cells_keeps_both_error_rates_under_alpha_with_correlated_cells(cells):
    rng = np.random.default_rng(cells)
    repetitions, min_effect = 1500, 0.5
    # At the boundary of "true" (theta = min_effect in every cell): false "not reproduced" <= alpha (Holm).
    false_not = np.mean([family_of(gap_cells(correlated_differences(rng, [min_effect] * cells), min_effect)) == NOT_REPRODUCED
                         for _ in range(repetitions)])
    # False in one cell (theta = 0 there), clearly true elsewhere: false "reproduced" <= alpha (intersection-union).
    false_yes = np.mean([family_of(gap_cells(correlated_differences(rng, [0.0] + [3.0] * (cells - 1)), min_effect)) == REPRODUCED
                         for _ in range(repetitions)])
    assert within_bound(false_not, ALPHA, repetitions) and within_bound(false_yes, ALPHA, repetitions), (false_not, false_yes)
    assert false_not > 0 or cells > 1  # a single cell at its boundary errs at about alpha: the simulation can see it


def test_the_old_rule_would_have_failed_the_boundary():
    """An uncorrected "not reproduced" over 4 independent cells at the boundary errs far above alpha: Holm is needed."""
    rng = np.random.default_rng(9)
    repetitions, min_effect = 1500, 0.5
    uncorrected = np.mean([any(row.verdict == NOT_REPRODUCED for row in gap_cells(correlated_differences(rng, [min_effect] * 4, 0.0), min_effect))
                           for _ in range(repetitions)])
    assert uncorrected > 2 * ALPHA


def test_equivalence_and_band_cells_keep_false_reproduced_under_alpha_at_their_edges():
    rng = np.random.default_rng(3)
    repetitions, margin = 2000, 0.5
    tost = np.mean([claims.equivalence_row(margin + SIGMA * rng.standard_normal(N), np.zeros(N), paired=True, alpha=ALPHA, margin=margin,
                                           power=0.8, family="f", claim_id="c", **TEXT).verdict == REPRODUCED
                    for _ in range(repetitions)])
    band = (0.5, 1.5)

    def band_cell(values):
        test = claims.statistics.paired(values, np.zeros(N))
        low, high = test.interval(ALPHA)
        return claims.interval_row(test.difference, low, high, band=band, alpha=ALPHA, degrees_of_freedom=N - 1, family="f", claim_id="c", **TEXT)

    edge = np.mean([band_cell(band[1] + SIGMA * rng.standard_normal(N)).verdict == REPRODUCED for _ in range(repetitions)])
    inside_wrongly_rejected = np.mean([band_cell(1.0 + 0.1 * rng.standard_normal(N)).verdict == NOT_REPRODUCED for _ in range(repetitions)])
    assert within_bound(tost, ALPHA, repetitions) and within_bound(edge, ALPHA, repetitions) and inside_wrongly_rejected == 0.0


def test_a_spearman_cell_with_no_trend_reads_reproduced_at_most_alpha():
    rng = np.random.default_rng(4)
    repetitions = 400
    x = np.arange(6.0)
    rate = np.mean([claims.trend_row(x, rng.standard_normal(6), sign=1, alpha=ALPHA, power=0.8, family="f", claim_id="c", **TEXT).verdict == REPRODUCED
                    for _ in range(repetitions)])
    assert within_bound(rate, ALPHA, repetitions)


@pytest.mark.parametrize("kind", [claims.ONE_SIDED_T, claims.TOST, claims.T_INTERVAL])
def test_the_stated_power_matches_a_simulation(kind):
    rng = np.random.default_rng(5)
    repetitions, effect, se = 3000, 1.2, SIGMA / np.sqrt(N)
    band, margin = (0.5, 1.7), 1.0
    stated = operating.power(kind, ALPHA, N - 1, se, value=effect if kind != claims.TOST else 0.0, threshold=margin, band=band)
    hits = 0
    for _ in range(repetitions):
        values = (effect if kind != claims.TOST else 0.0) + SIGMA * rng.standard_normal(N)
        if kind == claims.ONE_SIDED_T:
            row = claims.gap_row(values, np.zeros(N), paired=True, alpha=ALPHA, min_effect=0.0, power=0.8, family="f", claim_id="c", **TEXT)
        elif kind == claims.TOST:
            row = claims.equivalence_row(values, np.zeros(N), paired=True, alpha=ALPHA, margin=margin, power=0.8, family="f", claim_id="c", **TEXT)
        else:
            test = claims.statistics.paired(values, np.zeros(N))
            row = claims.interval_row(test.difference, *test.interval(ALPHA), band=band, alpha=ALPHA, degrees_of_freedom=N - 1,
                                      family="f", claim_id="c", **TEXT)
        hits += row.verdict == REPRODUCED
    assert abs(hits / repetitions - stated) < 0.03, (hits / repetitions, stated)  # about 3.5 simulation SEs


def test_the_table_states_each_familys_bounds_and_power(tmp_path):
    rng = np.random.default_rng(6)
    rows = gap_cells(correlated_differences(rng, [2.0, 2.0]), 0.0, family="gaps")
    rows = [dataclasses.replace(row, paper_effect=2.0) for row in rows]
    fixed = claims.ClaimRow(**TEXT, family="rule", claim_id="r", verdict=REPRODUCED, rule="a fixed rule", effect=1.0)
    table = operating.characteristics_table(claims.claims_frame(claims.apply_holm(rows + [fixed]))).set_index("family")
    gaps, rule = table.loc["gaps"], table.loc["rule"]
    assert gaps.false_not_reproduced_at_boundary == "<= 0.05 (any dependence)" == gaps.false_reproduced_at_no_effect
    assert 0 <= gaps.power_low <= gaps.power_high <= 1 and gaps.cells_with_power == 2
    assert rule.false_reproduced_at_no_effect.startswith("not controlled (1 cell(s) decided by a fixed rule)")
    assert np.isnan(rule.power_high)
    assert operating.spread_upper_factor(5) == pytest.approx(np.sqrt(4 / 1.6488), rel=1e-3)  # chi2_0.2(4) = 1.6488
