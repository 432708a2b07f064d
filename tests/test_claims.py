import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from replications import claims, statistics
from replications.claims import INCONCLUSIVE, NOT_MEASURED, NOT_REPRODUCED, REPRODUCED
from replications.preregistration import VerdictSettings, post_hoc_reason, rules_hash


def test_welch_and_paired_estimates_match_scipy():
    a, b = [0.80, 0.82, 0.81, 0.79, 0.83], [0.76, 0.77, 0.75, 0.78, 0.76]
    welch = statistics.welch(a, b)
    reference = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    assert welch.statistic == pytest.approx(reference.statistic) and welch.p_greater() == pytest.approx(reference.pvalue)
    low, high = welch.interval(0.05)
    interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.90)
    assert (low, high) == pytest.approx((interval.low, interval.high))
    paired = statistics.paired(a, b)
    assert paired.p_greater() == pytest.approx(stats.ttest_rel(a, b, alternative="greater").pvalue)
    with pytest.raises(ValueError, match="at least 2 values"):
        statistics.welch([1.0], [0.5, 0.4])
    with pytest.raises(ValueError, match="needs pairs"):
        statistics.paired([1.0, 2.0], [0.5, 0.4, 0.3])


def test_minimum_detectable_effect_has_the_stated_power():
    """Simulated: a true gap equal to the MDE (at the spread and n of the data) is detected about 80% of the time."""
    rng = np.random.default_rng(0)
    spread, n, alpha = 0.01, 5, 0.05
    first = rng.normal(0, spread, n), rng.normal(0, spread, n)
    mde = statistics.Estimate(0.0, spread * np.sqrt(2 / n), 2 * n - 2).minimum_detectable(alpha, 0.8)
    detected = np.mean([statistics.welch(rng.normal(mde, spread, n), rng.normal(0, spread, n)).p_greater() < alpha for _ in range(4000)])
    assert 0.74 < detected < 0.86
    assert statistics.seeds_needed(*first, effect=mde / 2, alpha=alpha, power=0.8, is_paired=False) > n
    assert statistics.seeds_needed(*first, effect=float("nan"), alpha=alpha, power=0.8, is_paired=False) is None


def test_small_telescope_effect_is_what_the_original_study_sees_a_third_of_the_time():
    """Keskar's C1 (Table 2: SDs 0.12 and 0.42 pp, 5 trials each): simulated studies of that design, at the returned
    difference, reach p < 0.05 (two-sided Welch) a third of the time."""
    effect = statistics.small_telescope_effect(0.12, 0.42, 5, 5)
    rng = np.random.default_rng(0)
    first, second = rng.normal(effect, 0.12, (20_000, 5)), rng.normal(0.0, 0.42, (20_000, 5))
    detected = np.mean(stats.ttest_ind(first, second, axis=1, equal_var=False).pvalue < 0.05)
    assert detected == pytest.approx(1 / 3, abs=0.015)
    assert statistics.small_telescope_effect(0.07, 0.07, 5, 5) < statistics.small_telescope_effect(0.07, 0.07, 3, 3)
    with pytest.raises(ValueError, match="SDs"):
        statistics.small_telescope_effect(0.0, 0.0, 5, 5)


def test_a_gap_cell_counts_from_the_larger_of_the_papers_telescope_and_two_test_examples():
    from replications.keskar2017 import experiment, paper

    c1, f1 = paper.TABLE2["C1"], paper.TABLE2["F1"]
    telescope = statistics.small_telescope_effect(0.12, 0.42, 5, 5) / 100
    gap, why = experiment.smallest_gap_that_counts(c1, 10_000, 2)  # 2 of 10,000 examples (0.02 pp) below the telescope
    assert gap == pytest.approx(telescope) and "the paper's 5 + 5 trials could just see (0.37 pp" in why
    gap, why = experiment.smallest_gap_that_counts(f1, 360, 2)  # F1's telescope 0.08 pp, below 2 of 360 examples (0.56 pp)
    assert gap == pytest.approx(2 / 360) and "2 of our 360 test examples" in why


def test_holm_adjusts_step_down_and_keeps_nan():
    adjusted = statistics.holm([0.01, 0.04, 0.03, float("nan")])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06]) and np.isnan(adjusted[3])


def test_holm_gives_statsmodels_bits_on_ties_capping_and_nan():
    """`holm` is hand-written only because statsmodels' multipletests runs gc.collect() on every call; its numbers must
    be multipletests' to the last bit: tied p-values, adjusted ones capped at 1, NaN left out of the count."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(0)
    vectors = [[0.01, 0.04, 0.03, 0.04, np.nan], [0.6, 0.01, np.nan, 0.6, 0.3], [0.9], [np.nan, np.nan]]
    vectors += [np.round(rng.uniform(size=rng.integers(1, 9)) ** 2, 2) for _ in range(200)]  # rounding makes ties
    for p_values in map(np.asarray, vectors):
        expected, tested = np.full(len(p_values), np.nan), np.isfinite(p_values)
        if tested.any():
            expected[tested] = multipletests(p_values[tested], method="holm")[1]
        np.testing.assert_array_equal(statistics.holm(p_values), expected)
    assert statistics.holm([0.6, 0.01, np.nan, 0.6, 0.3])[0] == 1.0  # 3 x 0.6, capped


def test_spearman_permutation_p_values_are_exact_for_few_points():
    rho, p_value = statistics.spearman_permutation([1, 2, 3], [10, 20, 30], "greater")
    assert rho == 1.0 and p_value == pytest.approx(1 / 6)  # 1 of the 3! orderings is as extreme
    rho, p_value = statistics.spearman_permutation([1, 2, 3, 4], [0.1, 0.1, 0.1, 0.1], "less")
    assert np.isnan(rho) and np.isnan(p_value)  # never "significant" for a constant
    with pytest.raises(ValueError, match="at least 3 points"):
        statistics.spearman_permutation([1, 2], [1, 2], "greater")


def test_the_core_rules_reach_every_verdict():
    rng = np.random.default_rng(1)
    base = 0.8 + 0.002 * rng.standard_normal(5)
    text = {"paper": "p", "family": "f", "claim_id": "c", "statement": "s", "paper_value": "-", "our_value": "-", "test": "t"}
    gap = lambda a, **rule: claims.gap_row(a, base, paired=True, alpha=0.05, min_effect=0.01, power=0.8, **rule, **text).verdict  # noqa: E731
    assert [gap(base + 0.05), gap(base - 0.05), gap(base + 0.01 + np.array([0, 0.08, -0.08, 0.05, -0.05]))] == [REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE]
    assert gap(base + 0.05, max_effect=0.02) == NOT_REPRODUCED  # more than "a little"
    same = lambda a: claims.equivalence_row(a, base, paired=True, alpha=0.05, margin=0.01, power=0.8, **text).verdict  # noqa: E731
    assert [same(base + 0.001), same(base + 0.05), same(base + np.array([0, 0.08, -0.08, 0.05, -0.05]))] == [REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE]
    band = lambda low, high: claims.interval_row(0.0, low, high, band=(-1, 1), **text).verdict  # noqa: E731
    assert [band(-0.5, 0.5), band(2, 3), band(0, 2)] == [REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE]


@pytest.mark.parametrize("shift", [0.05, -0.05, 0.0])  # the test alone: reproduced, not reproduced, inconclusive
def test_a_failed_validity_check_is_never_a_finding(shift):
    """Whatever its test says, a cell whose measurement fails its check is "not measured": it takes no share of Holm's
    alpha and decides no family; a family of such cells alone is "not measured"."""
    rng = np.random.default_rng(2)
    base = 0.8 + 0.002 * rng.standard_normal(5)
    noise = np.array([0, 0.08, -0.08, 0.05, -0.05]) if shift == 0.0 else 0.0
    text = {"paper": "p", "family": "f", "statement": "s", "paper_value": "-", "our_value": "-", "test": "t"}
    tested = claims.gap_row(base + shift + noise, base, paired=True, alpha=0.05, min_effect=0.01, power=0.8, claim_id="invalid", **text)
    invalid = claims.validated(tested, "the point is a minimum", "seed 3 is a slope")
    assert invalid.verdict == NOT_MEASURED and invalid.validity == "seed 3 is a slope" and invalid.validity_check == "the point is a minimum"
    assert claims.validated(tested, "the point is a minimum").verdict == tested.verdict  # a passed check changes nothing
    valid = claims.gap_row(base + 0.05, base, paired=True, alpha=0.05, min_effect=0.01, power=0.8, claim_id="valid", **text)
    finalised = {row.claim_id: row for row in claims.apply_holm([invalid, claims.validated(valid, "the point is a minimum")])}
    assert finalised["invalid"].verdict == NOT_MEASURED and np.isnan(finalised["invalid"].p_holm)
    assert finalised["valid"].p_holm == finalised["valid"].p_against  # alone among the measured cells: no correction
    assert finalised["valid"].family_verdict == REPRODUCED
    assert claims.apply_holm([invalid])[0].family_verdict == NOT_MEASURED
    assert claims.family_verdict([NOT_MEASURED, NOT_REPRODUCED]) == NOT_REPRODUCED
    assert claims.family_verdict([NOT_MEASURED, REPRODUCED]) == REPRODUCED
    assert claims.inconclusive_kind(invalid) == ""


def test_claim_rows_reject_unknown_verdicts():
    with pytest.raises(ValueError, match="verdict must be one of"):
        claims.ClaimRow("p", "f", "c", "s", "1", "2", "t", "probably", "rule")


def row(claim_id: str, verdict: str, family: str = "f", p_value: float = float("nan"), **numbers) -> claims.ClaimRow:
    return claims.ClaimRow("p", family, claim_id, "s", "-", "-", "t", verdict, "r", alpha=0.05, p_value=p_value, n_seeds=5, **numbers)


def test_the_family_rule_needs_every_decidable_cell_and_a_not_reproduced_that_survives_holm():
    # "reproduced" needs no correction: every decidable cell at its own alpha (an intersection-union test).
    rows = claims.apply_holm([row("a", REPRODUCED, p_value=0.001), row("b", REPRODUCED, p_value=0.04), row("d", REPRODUCED, p_value=0.03)])
    assert [item.verdict for item in rows] == [REPRODUCED] * 3 and {item.family_verdict for item in rows} == {REPRODUCED}
    # A marginal "not reproduced" among three cells does not survive Holm (0.02 * 3 >= 0.05): the cell and family read "?".
    rows = claims.apply_holm([row("a", REPRODUCED, p_value=0.001, p_against=0.9), row("b", NOT_REPRODUCED, p_against=0.02),
                              row("c", REPRODUCED, p_value=0.01, p_against=0.8)])
    by_id = {item.claim_id: item for item in rows}
    assert by_id["b"].verdict == INCONCLUSIVE and "Holm-adjusted p = 0.06" in by_id["b"].detail
    assert by_id["a"].family_verdict == INCONCLUSIVE
    # A clear one survives and decides the family whatever the other cells say.
    rows = claims.apply_holm([row("a", REPRODUCED, p_value=0.001, p_against=0.9), row("b", NOT_REPRODUCED, p_against=0.001)])
    assert [item.verdict for item in rows] == [REPRODUCED, NOT_REPRODUCED] and rows[0].family_verdict == NOT_REPRODUCED
    # A rule with no p-value keeps its own "not reproduced".
    assert claims.apply_holm([row("a", NOT_REPRODUCED), row("b", REPRODUCED, p_value=0.01)])[0].verdict == NOT_REPRODUCED
    # An undecidable cell (no test could run) does not keep the family from reproducing; an inconclusive decidable one does.
    undecidable = row("u", INCONCLUSIVE)
    assert not claims.decidable(undecidable) and claims.decidable(row("i", INCONCLUSIVE, p_value=0.3))
    assert claims.apply_holm([row("a", REPRODUCED, p_value=0.01), undecidable])[0].family_verdict == REPRODUCED
    assert claims.apply_holm([row("a", REPRODUCED, p_value=0.01), row("i", INCONCLUSIVE, p_value=0.3)])[0].family_verdict == INCONCLUSIVE
    assert claims.apply_holm([undecidable])[0].family_verdict == INCONCLUSIVE
    assert claims.family_verdict([REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE]) == NOT_REPRODUCED


def test_interval_rows_from_a_t_interval_give_the_p_value_against_the_claim():
    test = statistics.Estimate(2.0, 0.1, 4)
    low, high = test.interval(0.05)
    text = {"paper": "p", "family": "f", "claim_id": "c", "statement": "s", "paper_value": "-", "our_value": "-", "test": "t"}
    beyond = claims.interval_row(2.0, low, high, band=(0.5, 1.5), alpha=0.05, degrees_of_freedom=4, **text)
    assert beyond.verdict == NOT_REPRODUCED and beyond.p_against == pytest.approx(test.p_greater(1.5)) and beyond.p_against < 0.05
    below = claims.interval_row(2.0, low, high, band=(2.5, np.inf), alpha=0.05, degrees_of_freedom=4, **text)
    assert below.p_against == pytest.approx(test.p_less(2.5))
    assert np.isnan(claims.interval_row(2.0, low, high, band=(0.5, 1.5), **text).p_against)  # no t interval: no p-value


def test_inconclusive_cells_say_whether_they_were_underpowered():
    assert claims.inconclusive_kind(row("a", INCONCLUSIVE, p_value=0.3, mde=2.0, paper_effect=1.0)) == claims.UNDERPOWERED
    assert claims.inconclusive_kind(row("a", INCONCLUSIVE, p_value=0.3, mde=0.5, paper_effect=1.0)) == claims.WITHIN_MARGIN
    assert claims.inconclusive_kind(row("a", INCONCLUSIVE, p_value=0.3, mde=0.5, threshold=1.0)) == claims.WITHIN_MARGIN
    assert claims.inconclusive_kind(row("a", REPRODUCED, mde=2.0, paper_effect=1.0)) == ""


def gap_claims(frames):
    runs = frames["runs"]
    pairs = runs.pivot_table(index="seed", columns="run", values="accuracy")
    return [claims.gap_row(pairs["SB"], pairs["LB"], paired=True, alpha=0.05, min_effect=0.0, power=0.8,
                           paper="p", family="gap", claim_id="gap", statement="s", paper_value="-", our_value="-", test="t")]


def runs_frame(gaps, rules_hash_value="abc") -> pd.DataFrame:
    return pd.DataFrame([{"seed": seed, "run": run, "accuracy": 0.8 + (gap if run == "SB" else 0.0), "rules_hash": rules_hash_value}
                         for seed, gap in enumerate(gaps) for run in ("SB", "LB")])


def test_stability_resamples_seeds_and_flags_fragile_verdicts():
    settings = VerdictSettings(bootstrap_resamples=100)
    clear = {"runs": runs_frame([0.05, 0.051, 0.049, 0.052, 0.048, 0.05])}
    (solid,) = claims.finalize(gap_claims(clear), gap_claims, clear, settings, "abc", ["abc"])
    assert solid.verdict == REPRODUCED and solid.stability > 0.9 and not solid.fragile
    marginal = {"runs": runs_frame([0.05, -0.02, 0.04, 0.01, 0.03, -0.01])}
    (shaky,) = claims.finalize(gap_claims(marginal), gap_claims, marginal, settings, "abc", ["abc"])
    assert shaky.stability < 0.9 and shaky.fragile
    assert f"FRAGILE: the verdict survives {shaky.stability:.0%}" in shaky.detail and "budget runs 6" in shaky.detail
    assert "FRAGILE" not in solid.detail
    resampled = claims.resample_frames(clear, [3, 3, 0])["runs"]
    assert sorted(resampled["seed"].unique()) == [0, 1, 2] and len(resampled) == 6  # pairs move together


def test_rules_changed_after_the_runs_mark_the_verdicts_post_hoc(config):
    current = rules_hash(config, "keskar2017")
    config["keskar2017"]["claims"]["generalization_gap"]["alpha"] = 0.1
    assert rules_hash(config, "keskar2017") != current
    assert post_hoc_reason([current, current], current) == ""
    assert "not the rules" in post_hoc_reason(["other"], current)
    assert "no record" in post_hoc_reason([""], current)
    frames = {"runs": runs_frame([0.05, 0.051, 0.049], rules_hash_value="made-under-old-rules")}
    (late,) = claims.finalize(gap_claims(frames), gap_claims, frames, VerdictSettings(bootstrap_resamples=10), current,
                              claims.recorded_hashes(frames["runs"]))
    assert late.post_hoc and "POST HOC" in late.detail and late.rules_hash == current


def test_sources_are_named_where_the_number_is_not_the_papers_own():
    from replications.smith2018.analysis import SECONDARY
    from replications.wilson2003 import paper

    assert "secondary" in SECONDARY and "secondary" in paper.SECONDARY


def test_busy_seconds_counts_overlaps_once_and_skips_gaps():
    from replications.provenance import busy_seconds

    assert busy_seconds([(0, 10), (5, 12), (11, 13)]) == 13
    assert busy_seconds([(0, 10), (100, 105)]) == 15  # a later rerun adds only its own time
    assert busy_seconds([]) == 0


def test_the_suite_elapsed_time_leaves_out_the_engine_benchmark(tmp_path):
    import os

    from replications.provenance import rule_wall_times

    for name, seconds, end in (("train/a.tsv", 10.0, 1000.0), ("report.tsv", 5.0, 1010.0), ("benchmark_engine.tsv", 60.0, 2000.0)):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"s\th:m:s\n{seconds}\t0:00:10\n")
        os.utime(path, (end, end))
    per_rule, elapsed = rule_wall_times(tmp_path)
    assert elapsed == 15.0 and set(per_rule["rule"]) == {"train", "report", "benchmark_engine"}


def test_the_benchmarks_compare_each_rules_job_seconds_with_a_saved_baseline(tmp_path):
    import json
    import os

    from replications.provenance import rule_wall_times, save_baseline
    from replications.report import baseline_markdown

    def benchmarks(folder, seconds_by_file):
        for name, seconds in seconds_by_file.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"s\th:m:s\n{seconds}\t0:00:10\n")
            os.utime(path, (1000.0, 1000.0))
        return folder

    before = benchmarks(tmp_path / "before", {"train/a.tsv": 30.0, "train/b.tsv": 10.0, "report.tsv": 10.0, "benchmark_engine.tsv": 60.0})
    save_baseline(before, tmp_path / "baseline.json", "abc1234", "Session 1's machine.")
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert baseline["commit"] == "abc1234" and baseline["rules"]["train"] == {"jobs": 2, "seconds": 40.0}
    after = benchmarks(tmp_path / "after", {"train/a.tsv": 20.0, "train/b.tsv": 10.0, "report.tsv": 10.0,
                                            "confirmatory_train/a.tsv": 5.0, "perturbed_train/a.tsv": 5.0})
    text = "\n".join(baseline_markdown(str(tmp_path / "baseline.json"), rule_wall_times(after)[0]))
    # The same work (train, report): 40 / 50; the confirmatory stage's rule is new work; the engine benchmark and the
    # perturbed stage, targets outside `all`, are left out.
    assert "after / before: 0.80** (40 / 50); rules new since the baseline (the confirmatory stage's): 5 job-seconds more" in text
    assert "| train | 40.0 | 30.0 | 0.75 |" in text and "| confirmatory_train | - | 5.0 | - |" in text
    assert "minutes). Session 1's machine. After: this report's run." in text  # what the reader should know of the baseline
    assert "benchmark_engine" not in text and "perturbed" not in text
    assert baseline_markdown(None, rule_wall_times(after)[0]) == []


def test_claim_columns_are_all_documented():
    assert list(claims.CLAIM_COLUMN_MEANINGS) == claims.CLAIM_COLUMNS
    assert dataclasses.fields(claims.ClaimRow)


def test_consistency_puts_our_effect_beside_the_papers():
    base = claims.ClaimRow(paper="p", family="f", claim_id="c", statement="s", paper_value="-", our_value="-", test="t",
                           verdict=REPRODUCED, rule="r", effect=1.0, effect_low=0.5, effect_high=1.5)
    at = lambda paper_effect, **change: claims.consistency(dataclasses.replace(base, paper_effect=paper_effect, **change))  # noqa: E731
    assert at(1.2) == claims.SIZE_CONSISTENT
    assert at(0.2) == "direction only (ours larger)" and at(3.0) == "direction only (ours smaller)"
    assert at(-1.0) == claims.OPPOSITE
    assert at(float("nan")) == "" and at(1.2, verdict=NOT_MEASURED) == ""  # nothing to compare, or no measurement


def test_family_consistency_and_the_summary_count_families_by_size():
    import pandas as pd

    from replications.report import family_consistency, verdict_counts

    assert family_consistency(["size consistent", "", "size consistent"]) == "size consistent"
    assert family_consistency(["size consistent", "direction only (ours larger)"]) == "direction only"
    assert family_consistency(["size consistent", "opposite direction"]) == "mixed"
    assert family_consistency(["", float("nan")]) == ""
    cells = pd.DataFrame({"paper": "p", "family": ["a", "a", "b", "c"], "claim_id": ["a1", "a2", "b", "c"], "statement": "s",
                          "verdict": REPRODUCED, "family_verdict": REPRODUCED, "post_hoc": False, "fragile": False,
                          "consistency": ["size consistent", "size consistent", "direction only (ours larger)", ""], "amended": ""})
    assert verdict_counts(cells).endswith("of 2 families that give one on our scale: 1 size consistent, 1 direction only, 0 mixed, 0 opposite direction")


def test_an_inconclusive_cell_with_no_test_says_so():
    assert claims.inconclusive_kind(row("a", INCONCLUSIVE)) == claims.NO_TEST  # no p-value, no interval: nothing ran
    assert claims.inconclusive_kind(row("a", INCONCLUSIVE, p_value=0.3, mde=2.0, paper_effect=1.0)) == claims.UNDERPOWERED


def test_a_cell_that_is_not_a_claim_counts_for_no_family():
    check = row("n", REPRODUCED, p_value=0.001)
    not_claim = claims.not_a_claim(check, "it follows from arithmetic")
    assert not_claim.verdict == claims.NOT_A_CLAIM and not_claim.detail.startswith("NOT A CLAIM: it follows from arithmetic")
    assert claims.apply_holm([not_claim])[0].family_verdict == claims.NOT_A_CLAIM
    family = claims.apply_holm([not_claim, row("a", INCONCLUSIVE, p_value=0.3)])
    assert family[0].family_verdict == INCONCLUSIVE and np.isnan(family[0].p_holm)  # it neither decides nor takes alpha
