"""Claim rows: a paper's claim, its number, ours, a test and a verdict by a rule fixed in the config before the runs.

A paper computes its rows from its results (`ClaimRow`, one per cell of a claim family: a network,
an epsilon, a task). `finalize` then does what every paper shares: Holm's correction within each
family, one verdict per family, the stability of each verdict under resampling the seeds, whether an
inconclusive row was underpowered, and the pre-registration check (rules hash recorded by the runs
against the rules in force now).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications import amendments, job_clock, statistics
from replications.preregistration import VerdictSettings, check_registered, post_hoc_reason
from replications.typed_config import CoreConfig

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
NOT_MEASURED = "not measured"  # the measurement failed its own validity check: never a finding
NOT_A_CLAIM = "not a claim"  # the test cannot fail for a reason that bears on the claim (e.g. it follows from arithmetic)
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_MEASURED, NOT_A_CLAIM)
NO_FINDING = (NOT_MEASURED, NOT_A_CLAIM)  # verdicts that count for no family and take no share of alpha
SIZE_CONSISTENT = "size consistent"  # the paper's effect lies inside our interval
DIRECTION_ONLY = "direction only"  # our estimate has the paper's sign, but the paper's effect lies outside our interval
OPPOSITE = "opposite direction"
ONE_SIDED_T, TOST, TOST_PER_POINT, SPEARMAN, T_INTERVAL = "one-sided t", "TOST", "TOST per point", "Spearman", "t interval in a band"
BEYOND_MARGIN = "beyond a margin (negative control)"
UNDERPOWERED = "underpowered"
NO_TEST = "no test (too few seeds or no spread)"
WITHIN_MARGIN = "no effect within the margin"
NAN = float("nan")


@dataclasses.dataclass(frozen=True)
class ClaimRow:
    """One cell of a claim family. Effect, interval, threshold, paper effect and MDE share `effect_unit`."""

    paper: str
    family: str  # the claim ("LB minima are sharper"); its cells are the settings it is tested in
    claim_id: str
    statement: str
    paper_value: str  # with its source where that is not the paper itself
    our_value: str
    test: str
    verdict: str
    rule: str
    detail: str = ""
    n_seeds: int = 1
    alpha: float = NAN  # the level of the test whose p-value decides "reproduced" (NaN: no p-value decides it)
    statistic: float = NAN
    p_value: float = NAN
    p_against: float = NAN  # the p-value of the test whose rejection reads "not reproduced" (NaN: a rule with none)
    test_kind: str = ""  # the decision's statistical form (TEST_KINDS), for its operating characteristics; '' a fixed rule
    effect: float = NAN  # the estimate the rule decides on
    effect_low: float = NAN  # its interval
    effect_high: float = NAN
    threshold: float = NAN  # the decision threshold or margin the estimate is compared with
    paper_effect: float = NAN  # the paper's effect on the same scale, where it gives one
    effect_unit: str = ""
    mde: float = NAN  # smallest effect the test detects with the configured power at this n and alpha
    n_needed: float = NAN  # seeds per group the test needs to detect the paper's effect (or the threshold)
    p_holm: float = NAN  # filled in by `finalize`
    family_verdict: str = ""
    inconclusive_kind: str = ""
    stability: float = NAN
    fragile: bool = False
    rules_hash: str = ""
    post_hoc: bool = False
    validity_check: str = ""  # the measurement's own check, fixed in the config before the runs ('' if it has none)
    validity: str = ""  # "passed", or why the measurement failed its check (the verdict is then "not measured")
    amended: str = ""  # the amendments (config/amendments.yaml) made to this family's rule after results: for good
    consistency: str = ""  # our effect beside the paper's (`consistency`); '' where the paper gives none

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def ci(self) -> str:
        if not (np.isfinite(self.effect_low) or np.isfinite(self.effect_high)):
            return "-"
        return f"[{self.effect_low:.3g}, {self.effect_high:.3g}]{_unit(self.effect_unit)}"


CLAIM_COLUMNS = [field.name for field in dataclasses.fields(ClaimRow)]
CLAIM_COLUMN_MEANINGS = {
    "paper": "the paper (or the seeds' claims) the claim comes from",
    "family": "the claim the cell belongs to; one verdict per family",
    "claim_id": "the cell: the claim in one setting (network, epsilon, task, ...)",
    "statement": "what the paper claims, in this setting",
    "paper_value": "the paper's number, with its source where that is not the paper itself",
    "our_value": "our number",
    "test": "the statistical test or measurement",
    "verdict": "the cell's verdict by its rule (after Holm within the family)",
    "rule": "the decision rule, fixed in the config before the runs",
    "detail": "why the verdict follows (and post-hoc or single-seed notes)",
    "n_seeds": "seeds (or pairs) the test used",
    "alpha": "the level of the test whose p-value decides 'reproduced' (empty: no p-value decides it)",
    "statistic": "the test statistic (t, rho, slope, ratio)",
    "p_value": "its p-value (one-sided, or TOST's larger one)",
    "p_against": "the p-value of the test against the claim, whose rejection reads 'not reproduced' (empty: the rule has none)",
    "test_kind": "the decision's statistical form: one-sided t, TOST, TOST per point, Spearman, t interval in a band; empty: a fixed rule with no "
                 "sampling model",
    "effect": "the estimate the rule decides on, in effect_unit",
    "effect_low": "lower end of its interval (1 - 2 alpha, two-sided)",
    "effect_high": "upper end of its interval",
    "threshold": "the decision threshold or margin, in effect_unit",
    "paper_effect": "the paper's effect on the same scale, where it gives one",
    "effect_unit": "the unit of effect, threshold, paper_effect and mde",
    "mde": "smallest effect the test detects with the configured power at its n and alpha (interval rules: the half-width)",
    "n_needed": "seeds per group the test needs to detect the paper's effect (else the threshold) at the spread seen",
    "p_holm": "Holm-adjusted p_against within the family: a cell's 'not reproduced' stands only if it is below alpha",
    "family_verdict": "the family's verdict: reproduced if every decidable measured cell is (no correction: an intersection-union test), not "
                      "reproduced if some cell's 'not reproduced' survives Holm, else inconclusive; not measured if no cell is measured",
    "inconclusive_kind": "for inconclusive cells: no test (too few seeds or no spread), underpowered (MDE above the paper's effect or threshold), or "
                         "no effect within the margin",
    "stability": "share of seed resamples (leave-one-out, bootstrap; the lower) giving the same verdict; empty for one seed",
    "fragile": "stability below the configured share",
    "rules_hash": "hash of the rules in force (config verdicts + the paper's claims)",
    "post_hoc": "the runs recorded other rules (or none): the verdict was computed after a rule change",
    "validity_check": "the measurement's own validity check, fixed in the config before the runs (empty: none)",
    "validity": "'passed', or why the measurement failed its check; then the verdict is 'not measured', never a finding",
    "amended": "ids of the amendments (config/amendments.yaml) made to the family's rule after results had been seen",
    "consistency": "the paper's effect inside our interval (size consistent), outside it but of our estimate's sign (direction only, ours larger or "
                   "smaller), or of the other sign; empty where the paper gives no effect on our scale or the cell is not measured",
}


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


# --- the tests the rules use ------------------------------------------------------------------------------


def gap_row(
    a: Sequence[float], b: Sequence[float], *, paired: bool, alpha: float, min_effect: float, power: float,
    max_effect: float | None = None, paper_effect: float = NAN, scale: float = 1.0, unit: str = "", **text: Any,
) -> ClaimRow:
    """A claimed positive gap mean(a) - mean(b) (paired when the pairs share a seed).

    Reproduced if p < alpha (and, with `max_effect`, the upper bound is below it: "a little");
    not reproduced if the upper bound is below `min_effect`, or the lower bound above `max_effect`;
    inconclusive otherwise. Values are shown x `scale` in `unit`.
    """
    extra = text.pop("detail", "")
    test = statistics.estimate(a, b, paired)
    low, high = test.interval(alpha)
    p_value = test.p_greater()
    p_against = test.p_less(min_effect) if max_effect is None else min(test.p_less(min_effect), test.p_greater(max_effect))
    shown = lambda value: f"{scale * value:.3g}{_unit(unit)}"  # noqa: E731
    if not np.isfinite(p_value):
        verdict, reason = INCONCLUSIVE, "the test is undefined (no spread in either group)"
    elif high < min_effect:
        verdict, reason = NOT_REPRODUCED, f"upper bound {shown(high)} < smallest effect that counts {shown(min_effect)}"
    elif max_effect is not None and low > max_effect:
        verdict, reason = NOT_REPRODUCED, f"lower bound {shown(low)} > largest effect that counts {shown(max_effect)}"
    elif p_value < alpha and (max_effect is None or high <= max_effect):
        verdict, reason = REPRODUCED, f"p = {p_value:.3g} < {alpha}" + (f", upper bound {shown(high)} <= {shown(max_effect)}" if max_effect is not None else "")
    else:
        verdict, reason = INCONCLUSIVE, f"p = {p_value:.3g}; the interval [{shown(low)}, {shown(high)}] does not decide"
    bound = f" and the upper bound <= {shown(max_effect)}; not reproduced also if the lower bound > it" if max_effect is not None else ""
    reference = paper_effect if np.isfinite(paper_effect) else (max_effect if max_effect is not None else min_effect)
    confidence = 100 * (1 - 2 * alpha)
    return ClaimRow(
        **text, verdict=verdict, detail=reason + extra,
        rule=f"reproduced if p < {alpha}{bound}; not reproduced if the upper {confidence:.0f}% bound < {shown(min_effect)}; else inconclusive",
        n_seeds=min(len(a), len(b)), alpha=alpha, statistic=test.statistic, p_value=p_value, p_against=p_against, test_kind=ONE_SIDED_T,
        effect=scale * test.difference, effect_low=scale * low, effect_high=scale * high, threshold=scale * min_effect,
        paper_effect=scale * paper_effect, effect_unit=unit, mde=scale * test.minimum_detectable(alpha, power),
        n_needed=_needed(a, b, reference, alpha, power, paired),
    )


def equivalence_row(
    a: Sequence[float], b: Sequence[float], *, paired: bool, alpha: float, margin: float, power: float,
    scale: float = 1.0, unit: str = "", control: bool = False, **text: Any,
) -> ClaimRow:
    """TOST of |mean(a) - mean(b)| < margin: reproduced if the (1 - 2 alpha) interval lies inside +-margin;
    not reproduced if the difference lies beyond the margin (one-sided p < alpha); else inconclusive.

    `control`: a negative control, which the claim says differs: the same test, its two decisive outcomes swapped.
    """
    test = statistics.estimate(a, b, paired)
    low, high = test.interval(alpha)
    p_equivalent, p_beyond = _equivalence_p_values(test, margin)
    shown_margin = f"±{scale * margin:g}{_unit(unit)}"
    verdict, reason = _equivalence_verdict(p_equivalent, p_beyond, alpha, control, "the interval lies inside the margin",
                                           "the difference exceeds the margin")
    return ClaimRow(
        **text, verdict=verdict, detail=reason, rule=_equivalence_rule(alpha, shown_margin, control, "the difference"),
        n_seeds=min(len(a), len(b)), alpha=alpha, statistic=test.statistic, p_value=p_beyond if control else p_equivalent,
        p_against=p_equivalent if control else p_beyond, test_kind=BEYOND_MARGIN if control else TOST,
        effect=scale * test.difference, effect_low=scale * low, effect_high=scale * high, threshold=scale * margin,
        effect_unit=unit, mde=scale * test.minimum_detectable(alpha, power, two_one_sided=True),
        n_needed=_needed(a, b, margin, alpha, power, paired, two_one_sided=True),
    )


def curve_equivalence_row(
    differences: pd.DataFrame, *, alpha: float, margin: float, power: float, scale: float = 1.0, unit: str = "",
    control: bool = False, **text: Any,
) -> ClaimRow:
    """Two curves equivalent at every point: `differences` holds one row per point (epoch), one column per seed pair.

    Reproduced if every point passes the paired TOST within +-margin (an intersection-union test: no correction
    needed); not reproduced if some point's difference lies beyond the margin with Bonferroni's correction over the
    points; else inconclusive. The effect shown is the point with the largest mean difference. `control` as in
    `equivalence_row`.
    """
    tests = [statistics.paired(values, np.zeros_like(values)) for values in differences.to_numpy(dtype=float)]
    p_values = np.array([_equivalence_p_values(test, margin) for test in tests])
    p_equivalent, p_beyond = float(p_values[:, 0].max()), float(min(1.0, p_values[:, 1].min() * len(tests)))
    worst = int(np.argmax([abs(test.difference) for test in tests]))
    low, high = tests[worst].interval(alpha)
    point = differences.index[worst]
    verdict, reason = _equivalence_verdict(p_equivalent, p_beyond, alpha, control, "every point's interval lies inside the margin",
                                           f"the difference exceeds the margin (Bonferroni over {len(tests)} points)")
    hardest = int(np.argmax(p_values[:, 0]))  # the point equivalence is hardest to show at
    row_values = differences.iloc[hardest].to_numpy(dtype=float)
    return ClaimRow(
        **text, verdict=verdict, detail=f"{reason}; largest mean difference at {differences.index.name or 'point'} {point}",
        rule=_equivalence_rule(alpha, f"±{scale * margin:g}{_unit(unit)}", control, "the difference at every point"),
        n_seeds=differences.shape[1], alpha=alpha, statistic=tests[worst].statistic, p_value=p_beyond if control else p_equivalent,
        p_against=p_equivalent if control else p_beyond, test_kind=BEYOND_MARGIN if control else TOST_PER_POINT,
        effect=scale * tests[worst].difference, effect_low=scale * low, effect_high=scale * high, threshold=scale * margin,
        effect_unit=unit, mde=scale * max(test.minimum_detectable(alpha, power, two_one_sided=True) for test in tests),
        n_needed=_needed(row_values, np.zeros_like(row_values), margin, alpha, power, True, two_one_sided=True),
    )


def _equivalence_p_values(test: statistics.Estimate, margin: float) -> tuple[float, float]:
    """TOST's p-value (the larger of the two one-sided ones), and the p-value that the difference lies beyond the margin."""
    # Not statsmodels' ttost_paired: the same bits for 33,966 of the quick run's 40,376 TOST p-values (its variance is a
    # weighted dot product), and it gives no p-value beyond the margin.
    p_equivalent = max(test.p_greater(-margin), test.p_less(margin))
    p_beyond = test.p_greater(margin) if test.difference >= 0 else test.p_less(-margin)
    return p_equivalent, p_beyond


def _equivalence_verdict(p_equivalent: float, p_beyond: float, alpha: float, control: bool, inside: str, beyond: str) -> tuple[str, str]:
    if not (np.isfinite(p_equivalent) and np.isfinite(p_beyond)):
        return INCONCLUSIVE, "the test is undefined (no spread in the differences)"
    if p_equivalent < alpha:
        return (NOT_REPRODUCED if control else REPRODUCED), f"TOST p = {p_equivalent:.3g} < {alpha}: {inside}" + (
            " (the test cannot tell the control apart)" if control else "")
    if p_beyond < alpha:
        return (REPRODUCED if control else NOT_REPRODUCED), f"{beyond} (p = {p_beyond:.3g})"
    return INCONCLUSIVE, f"TOST p = {p_equivalent:.3g} >= {alpha}: the interval reaches beyond the margin; p beyond it = {p_beyond:.3g}"


def _equivalence_rule(alpha: float, margin: str, control: bool, what: str) -> str:
    confidence = f"{100 * (1 - 2 * alpha):.0f}%"
    if control:
        return (f"negative control: reproduced (the test tells them apart) if {what} is beyond {margin} at p < {alpha}; "
                f"not reproduced (the test has no teeth) if TOST's {confidence} interval lies inside it; else inconclusive")
    return (f"TOST: reproduced if the {confidence} interval of {what} lies inside {margin}; not reproduced if beyond the margin "
            f"at p < {alpha}; else inconclusive")


def trend_row(x: Sequence[float], y: Sequence[float], *, sign: int, alpha: float, power: float, **text: Any) -> ClaimRow:
    """A monotone trend of y in x (sign -1: falling), by Spearman's rho with a permutation p-value: reproduced if
    the claimed direction is significant, not reproduced if the opposite one is, else inconclusive."""
    n_seeds = text.pop("n_seeds", 1)
    rho, p_value = statistics.spearman_permutation(x, y, "less" if sign < 0 else "greater")
    _, p_opposite = statistics.spearman_permutation(x, y, "greater" if sign < 0 else "less")
    if not np.isfinite(rho):
        verdict, reason = INCONCLUSIVE, "a constant: no ranks to correlate"
    elif p_value < alpha:
        verdict, reason = REPRODUCED, f"p = {p_value:.3g} < {alpha}"
    elif p_opposite < alpha:
        verdict, reason = NOT_REPRODUCED, f"significant the other way (p = {p_opposite:.3g})"
    else:
        verdict, reason = INCONCLUSIVE, f"not significant either way (p = {p_value:.3g})"
    return ClaimRow(
        **text, verdict=verdict, detail=reason,
        rule=f"reproduced if p < {alpha} in the claimed direction; not reproduced if p < {alpha} the other way; else inconclusive",
        n_seeds=n_seeds, alpha=alpha, statistic=rho, p_value=p_value, p_against=p_opposite, test_kind=SPEARMAN, effect=sign * rho if np.isfinite(rho) else NAN,
        threshold=0.0, effect_unit="rho in the claimed direction", mde=statistics.spearman_minimum_detectable(len(x), alpha, power),
    )


def interval_row(estimate: float, low: float, high: float, *, band: tuple[float, float], unit: str = "",
                 alpha: float = NAN, degrees_of_freedom: float = NAN, **text: Any) -> ClaimRow:
    """Reproduced if the interval lies inside `band`, not reproduced if it lies wholly outside, else inconclusive.

    Its MDE is the interval's half-width: the resolution at which it can place the estimate in or out of the band.
    A t interval (its `alpha`, each side, and `degrees_of_freedom` given) also yields the p-value against the claim:
    that the quantity lies beyond the band's edge on the estimate's side (`p_against`), for Holm within the family.
    """
    band_low, band_high = band
    verdict = interval_verdict(low, high, band_low, band_high)
    reason = {
        REPRODUCED: f"the interval [{low:.3g}, {high:.3g}] lies within [{band_low:g}, {band_high:g}]",
        NOT_REPRODUCED: f"the interval [{low:.3g}, {high:.3g}] lies outside [{band_low:g}, {band_high:g}]",
        INCONCLUSIVE: f"the interval [{low:.3g}, {high:.3g}] overlaps an edge of [{band_low:g}, {band_high:g}]",
    }[verdict]
    edges = [edge for edge in band if np.isfinite(edge)]
    extra = text.pop("detail", "")
    return ClaimRow(
        **text, verdict=verdict, detail=reason + extra,
        rule=f"reproduced if the interval lies within [{band_low:g}, {band_high:g}]; not reproduced if it lies outside; else inconclusive",
        alpha=alpha, p_against=_p_beyond_band(low, high, alpha, degrees_of_freedom, band),
        test_kind=T_INTERVAL if np.isfinite(degrees_of_freedom) else "",
        effect=estimate, effect_low=low, effect_high=high, threshold=edges[0] if len(edges) == 1 else NAN, effect_unit=unit,
        mde=(high - low) / 2 if np.isfinite(high - low) else NAN,
    )


def _p_beyond_band(low: float, high: float, alpha: float, degrees_of_freedom: float, band: tuple[float, float]) -> float:
    """From a (1 - 2 alpha) t interval: the one-sided p-value that the quantity lies beyond the band's nearer edge on
    the interval's side (NaN without alpha and degrees of freedom, or for an interval that is not finite)."""
    if not all(np.isfinite(value) for value in (low, high, alpha, degrees_of_freedom)) or degrees_of_freedom <= 0:
        return NAN
    test = statistics.Estimate((low + high) / 2, (high - low) / (2 * statistics.t_quantile(1 - alpha, degrees_of_freedom)), degrees_of_freedom)
    band_low, band_high = band
    candidates = [test.p_less(band_low) if np.isfinite(band_low) else NAN, test.p_greater(band_high) if np.isfinite(band_high) else NAN]
    finite = [value for value in candidates if np.isfinite(value)]
    return float(min(finite)) if finite else NAN


def interval_verdict(low: float, high: float, band_low: float = -np.inf, band_high: float = np.inf) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return INCONCLUSIVE
    if band_low <= low and high <= band_high:
        return REPRODUCED
    if high < band_low or low > band_high:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def _needed(a, b, reference: float, alpha: float, power: float, paired: bool, two_one_sided: bool = False) -> float:
    needed = statistics.seeds_needed(a, b, reference, alpha, power, paired, two_one_sided)
    return float(needed) if needed is not None else NAN


# --- validity: a measurement that fails its own check is not a finding -----------------------------------------


def validated(row: ClaimRow, check: str, failure: str = "") -> ClaimRow:
    """`row` with its measurement's validity check; if the check failed (`failure`, the reason), the cell is
    "not measured" whatever its test says, and the test's numbers stay only as a record of what was measured."""
    if not failure:
        return dataclasses.replace(row, validity_check=check, validity="passed")
    reading = f"; the test's own reading, not a finding: {row.detail}" if row.detail else ""
    return dataclasses.replace(row, verdict=NOT_MEASURED, validity_check=check, validity=failure, detail=f"NOT MEASURED: {failure}{reading}")


def not_a_claim(row: ClaimRow, reason: str) -> ClaimRow:
    """`row` read as what it is: a measurement whose outcome cannot bear on the claim (`reason`); its test's reading
    stays in the details as a check of the measurement, and it counts for no family."""
    reading = f"; the test's reading, a check of the measurement only: {row.detail}" if row.detail else ""
    return dataclasses.replace(row, verdict=NOT_A_CLAIM, detail=f"NOT A CLAIM: {reason}{reading}")


def too_few_seeds(n_seeds: int, finished: str = "", **text: Any) -> ClaimRow:
    """A cell that no test can decide: fewer than 2 seeds (that `finished` what the test compares)."""
    detail = " ".join(filter(None, ["fewer than 2 seeds", finished]))
    return ClaimRow(**text, n_seeds=n_seeds, verdict=INCONCLUSIVE, rule="a test needs 2 seeds", detail=detail)


def not_measured_row(check: str, failure: str, **text: Any) -> ClaimRow:
    """A cell whose measurement failed its check before any test could run (e.g. a target no seed reached)."""
    return validated(ClaimRow(**text, verdict=INCONCLUSIVE, rule="no test: the measurement failed its validity check"), check, failure)


# --- what every paper shares ------------------------------------------------------------------------------


def decidable(row: ClaimRow) -> bool:
    """A measured cell whose test could run: it reached a verdict, or it has a p-value or a finite interval (an
    inconclusive cell with none, e.g. too few seeds or no spread at all, decides nothing and binds no family)."""
    if row.verdict in NO_FINDING:
        return False
    tested = np.isfinite(row.p_value) or np.isfinite(row.p_against) or bool(np.isfinite(row.effect_low) and np.isfinite(row.effect_high))
    return row.verdict != INCONCLUSIVE or tested


def family_verdict(verdicts: Sequence[str], decidable_cells: Sequence[bool] | None = None) -> str:
    """The family rule, whose error rates hold under any dependence between cells (cells' "not reproduced" already
    Holm-corrected by `apply_holm`): reproduced if every decidable cell is (an intersection-union test: each cell at
    its own alpha, no correction), not reproduced if some cell is, else inconclusive; "not measured" cells count for
    nothing, and a family with none measured is "not measured"."""
    decidable_cells = [verdict not in NO_FINDING for verdict in verdicts] if decidable_cells is None else decidable_cells
    if all(verdict in NO_FINDING for verdict in verdicts):
        return NOT_MEASURED if NOT_MEASURED in verdicts else NOT_A_CLAIM
    if any(verdict == NOT_REPRODUCED for verdict in verdicts):
        return NOT_REPRODUCED
    deciding = [verdict for verdict, can in zip(verdicts, decidable_cells) if can]
    if deciding and all(verdict == REPRODUCED for verdict in deciding):
        return REPRODUCED
    return INCONCLUSIVE


def apply_holm(rows: Sequence[ClaimRow]) -> list[ClaimRow]:
    """Holm within each family over the tests against the claim (`p_against`) of its measured cells: a cell's "not
    reproduced" stands only if its adjusted p is below its alpha (a rule with no p-value keeps its own reading). Its
    "reproduced" needs no correction: the family is reproduced only if every decidable cell is. A "not measured" cell
    is no test of the claim and takes no share of alpha. Then each family's verdict (`family_verdict`)."""
    measured = np.array([row.verdict not in NO_FINDING for row in rows], dtype=bool)
    frame = pd.DataFrame({"family": [row.family for row in rows], "p": [row.p_against for row in rows]})[measured]
    adjusted = np.full(len(rows), NAN)
    for _, group in frame.groupby("family", sort=False):
        adjusted[group.index] = statistics.holm(group["p"].fillna(1.0).to_numpy(float))  # no p-value: counted, never rejects
    result = []
    for row, p_holm in zip(rows, adjusted):
        p_holm = p_holm if np.isfinite(row.p_against) else NAN
        if row.verdict == NOT_REPRODUCED and np.isfinite(row.alpha) and np.isfinite(p_holm) and p_holm >= row.alpha:
            row = dataclasses.replace(row, verdict=INCONCLUSIVE, detail=f"{row.detail}; against the claim, Holm-adjusted p = {p_holm:.3g} >= "
                                                                        f"{row.alpha} in its family")
        result.append(dataclasses.replace(row, p_holm=p_holm))
    families: dict[str, list[ClaimRow]] = {}
    for row in result:
        families.setdefault(row.family, []).append(row)
    verdicts = {family: family_verdict([row.verdict for row in cells], [decidable(row) for row in cells]) for family, cells in families.items()}
    return [dataclasses.replace(row, family_verdict=verdicts[row.family]) for row in result]


def seed_resamples(seeds: Sequence[int], bootstrap: int, rng_seed: int) -> list[list[int]]:
    """Leave-one-seed-out subsets, then `bootstrap` draws of as many seeds with replacement."""
    seeds = list(seeds)
    if len(seeds) < 2:
        return []
    rng = np.random.default_rng(rng_seed)
    leave_one_out = [seeds[:i] + seeds[i + 1:] for i in range(len(seeds))] if len(seeds) > 2 else []
    return leave_one_out + [list(rng.choice(seeds, size=len(seeds), replace=True)) for _ in range(bootstrap)]


def resample_frames(frames: Mapping[str, pd.DataFrame], drawn: Sequence[int]) -> dict[str, pd.DataFrame]:
    """The frames as if the seeds were `drawn`: the rows of the i-th drawn seed, relabelled seed i (pairs stay pairs)."""
    resampled = {}
    for name, frame in frames.items():
        if "seed" not in frame.columns:
            resampled[name] = frame
            continue
        parts = [frame[frame["seed"] == seed].assign(seed=position) for position, seed in enumerate(drawn)]
        resampled[name] = pd.concat(parts, ignore_index=True) if parts else frame.iloc[:0]
    return resampled


def stabilities(
    rows: Sequence[ClaimRow], claims_of: Callable[[dict[str, pd.DataFrame]], list[ClaimRow]],
    frames: Mapping[str, pd.DataFrame], settings: VerdictSettings,
) -> dict[str, float]:
    """Per claim id, the share of seed resamples (leave-one-out and bootstrap) under which its verdict stays the same.

    The lower of the two shares counts. Rows whose results have a single seed are not resampled (NaN).
    """
    seeds = sorted({int(seed) for frame in frames.values() if "seed" in frame.columns for seed in frame["seed"].unique()})
    resamples = seed_resamples(seeds, settings.bootstrap_resamples, settings.resampling_seed)
    leave_one_out = len(seeds) if len(seeds) > 2 else 0
    full = {row.claim_id: row.verdict for row in rows}
    agree = {claim_id: [] for claim_id in full}
    for drawn in resamples:
        try:
            verdicts = {row.claim_id: row.verdict for row in apply_holm(claims_of(resample_frames(frames, drawn)))}
        except ValueError:  # too few distinct values for a test: the verdict did not survive
            verdicts = {}
        for claim_id, verdict in full.items():
            agree[claim_id].append(verdicts.get(claim_id) == verdict)
    result = {}
    for row in rows:
        if row.n_seeds < 2 or not resamples:
            result[row.claim_id] = NAN
            continue
        shares = [np.mean(part) for part in (agree[row.claim_id][:leave_one_out], agree[row.claim_id][leave_one_out:]) if part]
        result[row.claim_id] = float(min(shares))
    return result


def inconclusive_kind(row: ClaimRow) -> str:
    """Why an inconclusive cell decided nothing: no test could run (too few seeds, no spread); underpowered (the test
    could not see the paper's effect, or the rule's threshold); else no effect within the margin. (A ceiling or any
    other failed validity check reads "not measured", a verdict of its own.)"""
    if row.verdict != INCONCLUSIVE:
        return ""
    if not decidable(row):
        return NO_TEST
    reference = row.paper_effect if np.isfinite(row.paper_effect) else abs(row.threshold)
    if not np.isfinite(row.mde) or not np.isfinite(reference) or reference == 0 or row.mde > abs(reference):
        return UNDERPOWERED
    return WITHIN_MARGIN


def consistency(row: ClaimRow) -> str:
    """Our effect beside the paper's, as the Reproducibility Project reads a replication: is the paper's effect inside
    our interval (size consistent), or only of the same sign as our estimate (direction only, ours larger or smaller)?
    '' where the paper gives no effect on our scale, there is no interval, or the cell is not measured."""
    values = (row.paper_effect, row.effect, row.effect_low, row.effect_high)
    if row.verdict in NO_FINDING or not all(np.isfinite(value) for value in values):
        return ""
    if row.effect_low <= row.paper_effect <= row.effect_high:
        return SIZE_CONSISTENT
    if np.sign(row.effect) != np.sign(row.paper_effect):
        return OPPOSITE
    return f"{DIRECTION_ONLY} (ours {'larger' if abs(row.effect) > abs(row.paper_effect) else 'smaller'})"


def fragile_note(row: ClaimRow, stability: float, fragile_below: float) -> str:
    """Why a fragile verdict stands as it is: the seeds its test would need against the seeds this scale runs."""
    needed = (f"its test needs about {row.n_needed:.0f} seeds per group to detect the reference effect with the set power"
              if np.isfinite(row.n_needed) and row.n_needed > row.n_seeds else "more seeds would steady it")
    return (f"FRAGILE: the verdict survives {stability:.0%} of seed resamples (under {fragile_below:.0%}); {needed}, "
            f"and this scale's budget runs {row.n_seeds}")


def finalize(
    rows: Sequence[ClaimRow], claims_of: Callable[[dict[str, pd.DataFrame]], list[ClaimRow]],
    frames: Mapping[str, pd.DataFrame], settings: VerdictSettings, current_hash: str, recorded_hashes: Iterable[Any],
) -> list[ClaimRow]:
    """Holm per family, family verdicts, stability, inconclusive kinds and the pre-registration check."""
    rows = apply_holm(rows)
    stable = stabilities(rows, claims_of, frames, settings)
    post_hoc = post_hoc_reason(recorded_hashes, current_hash)
    result = []
    for row in rows:
        stability = stable.get(row.claim_id, NAN)
        detail = row.detail + (f"; POST HOC: {post_hoc}" if post_hoc else "")
        fragile = bool(np.isfinite(stability) and stability < settings.fragile_below)
        if not np.isfinite(stability):
            detail += "; one seed: its stability cannot be measured by resampling seeds"
        elif fragile:
            detail += "; " + fragile_note(row, stability, settings.fragile_below)
        result.append(dataclasses.replace(
            row, stability=stability, fragile=fragile,
            inconclusive_kind=inconclusive_kind(row), consistency=consistency(row), rules_hash=current_hash, post_hoc=bool(post_hoc), detail=detail,
        ))
    return result


def recorded_hashes(*frames: pd.DataFrame) -> list[Any]:
    """The rules hash every run of these frames recorded ('' for runs that recorded none)."""
    return [value for frame in frames for value in (frame["rules_hash"] if "rules_hash" in frame.columns else [""] * len(frame))]


def write_claims(
    path: str, claims_of: Callable[[dict[str, pd.DataFrame]], list[ClaimRow]], frames: Mapping[str, pd.DataFrame],
    core: CoreConfig, section: str, recorded_from: Sequence[str],
) -> list[ClaimRow]:
    """The claim rows of `claims_of(frames)`, finalized (see `finalize`), written to `path`.

    `recorded_from` names the frames of training runs, whose recorded rules hashes the current rules must match.
    Refuses, before any test, a claim rule that is not on record in the paper's registry (`check_registered`).
    """
    check_registered(section, core.claim_rule_hashes[section], core.registries[section])
    with job_clock.phase("claims"):  # the tests, and the resamples of their stability and operating characteristics
        rows = finalize(
            claims_of(dict(frames)), claims_of, frames, core.verdicts, core.rules_hashes[section],
            recorded_hashes(*(frames[name] for name in recorded_from)),
        )
    named = amendments.amended_families(section)
    rows = [dataclasses.replace(row, amended=amendments.amendments_of(row.family, named)) for row in rows]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    claims_frame(rows).to_csv(path, index=False)
    return rows


def claims_frame(rows: Sequence[ClaimRow]) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(row) for row in rows], columns=CLAIM_COLUMNS)

