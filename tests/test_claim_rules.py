"""Every claim rule can return each of the three verdicts: synthetic results that reach each one.

One test per rule; each feeds the rule results made to show the claim, to contradict it, and to leave it open.
"""

import numpy as np
import pandas as pd
import pytest

from replications import claims
from replications.claims import INCONCLUSIVE, NOT_MEASURED, NOT_REPRODUCED, REPRODUCED

ALL_THREE = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)
NOISE = np.array([0.0, 0.004, -0.004, 0.002, -0.002])  # a small, fixed seed-to-seed spread
WILD = np.array([0.0, 0.08, -0.08, 0.05, -0.05])  # a spread too large to decide anything


def verdicts(make_rows) -> list[str]:
    """The verdict of the first row for each case given to `make_rows`."""
    return [make_rows(case)[0].verdict for case in ("shown", "contradicted", "open")]


# --- Keskar et al. 2017 ---------------------------------------------------------------------------------


def test_generalization_gap_reaches_every_verdict(config):
    from replications.keskar2017 import experiment
    from replications.keskar2017.config import KeskarConfig

    keskar = KeskarConfig.from_config(config)
    gaps = {"shown": 0.03 + NOISE, "contradicted": -0.03 + NOISE, "open": 0.002 + WILD}

    def rows(case):
        runs = pd.DataFrame(
            [{"network": "F1", "paper_row": "F1", "run": "SB", "seed": s, "diverged": False, "train_accuracy": 0.99, "test_accuracy": 0.80,
              "test_examples": 1000} for s in range(5)]
            + [{"network": "F1", "paper_row": "F1", "run": "LB", "seed": s, "diverged": False, "train_accuracy": 0.99,
                "test_accuracy": 0.80 - gaps[case][s], "test_examples": 1000} for s in range(5)]
        )
        return experiment.generalization_gap_claims(keskar, runs, power=0.8)

    assert verdicts(rows) == list(ALL_THREE)


def test_sharper_minima_reaches_every_verdict(config):
    from replications.keskar2017 import minima
    from replications.keskar2017.config import KeskarConfig

    keskar = KeskarConfig.from_config(config)
    ratios = {"shown": 10 * np.exp(NOISE), "contradicted": 0.5 * np.exp(NOISE), "open": 1.5 * np.exp(10 * WILD),
              "true null": np.exp(NOISE)}

    def rows(case, sb_first_order=0.1):
        measured = pd.DataFrame(
            [{"network": "F1", "space": "full", "epsilon": 1e-3, "run": run, "seed": s, "stalled": False,
              "sharpness": 1.0 * (ratios[case][s] if run == "LB" else 1.0), "first_order": sb_first_order if run == "SB" else 0.1}
             for run in ("SB", "LB") for s in range(5)]
        )
        return minima.sharpness_claims(keskar, measured, power=0.8)

    assert verdicts(rows) == list(ALL_THREE)
    # Both points valid minima and no difference: the claim can fail.
    assert rows("true null")[0].verdict == NOT_REPRODUCED and rows("true null")[0].validity == "passed"
    # A point whose slope alone lifts the loss past the limit: not measured, whatever the test would say.
    limit = minima.first_order_limit(keskar, "F1", "full", 1e-3)
    assert limit == pytest.approx(0.5 * 1.23)  # half the paper's F1 SB phi (Table 3, eps = 1e-3)
    for case in ratios:
        (row,) = rows(case, sb_first_order=2 * limit)
        assert row.verdict == NOT_MEASURED and "5 of 10 points are not minima" in row.validity


def test_steeper_around_large_batch_reaches_every_verdict(config):
    from replications.keskar2017 import minima
    from replications.keskar2017.config import KeskarConfig

    keskar = KeskarConfig.from_config(config)
    offset = keskar.parametric.offset
    extra = {"shown": 0.5 + NOISE, "contradicted": -0.5 + NOISE, "open": 10 * WILD}

    def rows(case):
        curves = []
        for s in range(5):
            lb_rise = 1.0 + extra[case][s]
            for alpha, loss in ((-offset, 1.0), (0.0, 0.0), (1.0, 0.0), (1.0 + offset, lb_rise)):
                curves.append({"network": "F1", "seed": s, "alpha": alpha, "train_loss": loss})
        return minima.steepness_claims(keskar, pd.DataFrame(curves), power=0.8)

    assert verdicts(rows) == list(ALL_THREE)


def test_batch_size_trend_reaches_every_verdict(config):
    from replications.keskar2017 import sweeps
    from replications.keskar2017.config import KeskarConfig

    keskar = KeskarConfig.from_config(config)
    batches = [16, 32, 64, 128, 256, 512]
    accuracy = {"shown": lambda b, s: 0.9 - 0.01 * np.log2(b), "contradicted": lambda b, s: 0.8 + 0.01 * np.log2(b),
                "open": lambda b, s: 0.8 + 0.01 * ((b * 7 + s * 3) % 5)}

    def rows(case):
        table = pd.DataFrame([{"network": "F1", "run": f"batch{b}", "seed": s, "batch_size": b, "diverged": False,
                               "test_accuracy": accuracy[case](b, s), "sharpness": 1.0, "first_order": 0.0, "stalled": False}
                              for b in batches for s in range(2)])
        return sweeps.sweep_claims(keskar, table, power=0.8)

    assert verdicts(rows) == list(ALL_THREE)


def test_warm_start_reaches_every_verdict(config):
    from replications.keskar2017 import sweeps
    from replications.keskar2017.config import KeskarConfig

    keskar = KeskarConfig.from_config(config)
    gains = {"shown": 0.03 + NOISE, "contradicted": -0.03 + NOISE, "open": WILD}

    def rows(case):
        table = pd.DataFrame([{"network": "F1", "run": f"warm{k}", "seed": s, "warm_start_epochs": k, "diverged": False, "sharpness": 1.0,
                               "first_order": 0.0, "stalled": False, "test_accuracy": 0.8 + (gains[case][s] if k else 0.0)}
                              for k in (0, 5) for s in range(5)])
        return sweeps.warm_start_claims(keskar, table, power=0.8)

    assert verdicts(rows) == list(ALL_THREE)


# --- Smith et al. 2018 ----------------------------------------------------------------------------------


def smith_finals(first: str, second: str, difference: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame([{"setting": name, "seed": s, "diverged": False, "test_accuracy": 0.9 + (difference[s] if name == first else 0.0)}
                         for name in (first, second) for s in range(5)])


def test_equivalence_reaches_every_verdict(config):
    from replications.smith2018 import analysis
    from replications.smith2018.config import SmithConfig

    smith = SmithConfig.from_config(config)
    differences = {"shown": 0.001 + NOISE / 4, "contradicted": 0.05 + NOISE, "open": WILD}

    def rows(case):
        finals = smith_finals("b", "a", differences[case])
        return [analysis.equivalence_claim(smith, finals, 0.8, "family", "id", "statement", "paper", "a", "b")]

    assert verdicts(rows) == list(ALL_THREE)


def smith_curves(first: str, second: str, difference_by_epoch: np.ndarray, loss_ratio: float = 1.0) -> pd.DataFrame:
    """Histories of epochs 1-4 (the smoke config's first step is at epoch 1): `first` differs by difference_by_epoch[epoch - 1, seed]
    in test accuracy, and by the factor `loss_ratio` (times e^difference) in training cross-entropy."""
    return pd.DataFrame([
        {"setting": name, "seed": s, "epoch": epoch, "diverged": False,
         "test_accuracy": 0.9 + (difference_by_epoch[epoch - 1, s] if name == first else 0.0),
         "train_loss": 0.1 * (loss_ratio * np.exp(difference_by_epoch[epoch - 1, s]) if name == first else 1.0)}
        for name in (first, second) for s in range(5) for epoch in range(1, 5)
    ])


def test_accuracy_curve_equivalence_reaches_every_verdict(config):
    from replications.smith2018 import analysis
    from replications.smith2018.config import SmithConfig

    smith = SmithConfig.from_config(config)
    epochs = np.ones((4, 1))
    differences = {
        "shown": epochs * (0.001 + NOISE / 4),
        "contradicted": np.vstack([NOISE / 4, NOISE / 4, 0.06 + NOISE, NOISE / 4]),  # one epoch 6 pp apart (margin 2 pp)
        "open": epochs * WILD,
    }

    def rows(case):
        histories = smith_curves("b", "a", differences[case])
        return [analysis.curve_claim(smith, histories, 0.8, "curve_equivalence", "family", "id", "statement", "paper", "a", "b")]

    assert verdicts(rows) == list(ALL_THREE)
    assert "at epoch 3" in rows("contradicted")[0].our_value  # the epoch of the largest difference


def test_training_loss_curve_equivalence_reaches_every_verdict(config):
    from replications.smith2018 import analysis
    from replications.smith2018.config import SmithConfig

    smith = SmithConfig.from_config(config)
    epochs = np.ones((4, 1))
    cases = {"shown": (1.0, epochs * NOISE), "contradicted": (3.0, epochs * NOISE), "open": (1.2, epochs * 10 * WILD)}

    def rows(case):
        ratio, noise = cases[case]
        histories = smith_curves("b", "a", noise, loss_ratio=ratio)
        return [analysis.curve_claim(smith, histories, 0.8, "train_loss_equivalence", "family", "id", "statement", "paper", "a", "b")]

    assert verdicts(rows) == list(ALL_THREE)


def test_the_negative_control_reads_the_same_tests_the_other_way_round(config):
    """A control that the test tells apart is "reproduced" (the test has teeth); one it calls equivalent is not."""
    from replications.smith2018 import analysis
    from replications.smith2018.config import SmithConfig

    smith = SmithConfig.from_config(config)
    differences = {"shown": -0.05 + NOISE, "contradicted": 0.001 + NOISE / 4, "open": WILD}

    def rows(case):
        return analysis.negative_control_claims(smith, smith_finals("momentum-constant", "momentum-decaying_learning_rate", differences[case]),
                                                smith_curves("momentum-constant", "momentum-decaying_learning_rate",
                                                             np.ones((4, 1)) * differences[case]), 0.8)

    assert verdicts(rows) == list(ALL_THREE)
    shown = rows("shown")
    assert [row.family for row in shown] == ["negative_control"] * 3 and all(row.verdict == REPRODUCED for row in shown[:2])
    assert "no teeth" in shown[0].rule


def test_momentum_cost_reaches_every_verdict(config):
    from replications.smith2018 import analysis
    from replications.smith2018.config import SmithConfig

    smith = SmithConfig.from_config(config)
    costs = {"shown": 0.01 + NOISE / 4, "contradicted": 0.08 + NOISE, "open": 0.01 + WILD}  # 8 pp is not "a little"

    def rows(case):
        return [analysis.momentum_cost_claim(smith, smith_finals("increased_learning_rate", "increased_momentum", costs[case]), 0.8)]

    assert verdicts(rows) == list(ALL_THREE)


# --- Wilson & Martinez 2003 -----------------------------------------------------------------------------


def wilson_runs(online_epochs, full_epochs, online_accuracy, full_accuracy, tasks=("a",)) -> pd.DataFrame:
    """Runs as measures.with_epochs_to_target leaves them: epochs to the common target (NaN: not reached)."""
    rows = []
    for task in tasks:
        for s in range(5):
            for label, batch, epochs, accuracy in (("1", 1, online_epochs[s], online_accuracy[s]), ("full", 100, full_epochs[s], full_accuracy[s])):
                rows.append({"task": task, "batch_label": label, "batch_size": batch, "learning_rate": 0.1, "seed": s,
                             "diverged": False, "best_holdout_accuracy": accuracy, "epochs_to_target": epochs, "target": 0.85,
                             "holdout_accuracy_at_budget": accuracy, "test_accuracy_at_budget": accuracy, "test_examples": 1000})
    return pd.DataFrame(rows)


def test_online_fewer_epochs_reaches_every_verdict(config):
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    config["wilson2003"]["max_epochs"]["full"] = 1000
    wilson = WilsonConfig.from_config(config)
    accuracy = np.full(5, 0.9)
    online = np.array([10, 11, 9, 10, 12])
    full = {"shown": online * 50, "contradicted": online / 5, "open": online * np.exp(3 * WILD * 10)}

    def rows(case):
        return analysis.fewer_epochs_claims(wilson, wilson_runs(online, full[case], accuracy, accuracy), power=0.8)

    assert verdicts(rows) == list(ALL_THREE)
    # A full batch that never reaches the target counts its budget (a lower bound); an online side that never does: untested.
    assert wilson.max_epochs["full"] > 5 * online.max()
    (missed,) = analysis.fewer_epochs_claims(wilson, wilson_runs(online, np.full(5, np.nan), accuracy, accuracy), power=0.8)
    assert missed.verdict == REPRODUCED and "counted at the budget" in missed.detail
    (untested,) = analysis.fewer_epochs_claims(wilson, wilson_runs(np.full(5, np.nan), online, accuracy, accuracy), power=0.8)
    assert untested.verdict == NOT_MEASURED and "missed the target" in untested.validity


def test_no_accuracy_gain_reaches_every_verdict_and_sets_the_ceiling_aside(config):
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    wilson = WilsonConfig.from_config(config)
    online = 0.85 + NOISE
    gains = {"shown": -0.01 + NOISE, "contradicted": 0.05 + NOISE, "open": 0.005 + WILD}
    epochs = np.full(5, 10)

    def rows(case):
        return analysis.no_gain_claims(wilson, wilson_runs(epochs, epochs, online, online + gains[case]))

    assert verdicts(rows) == list(ALL_THREE)
    (row,) = analysis.no_gain_claims(wilson, wilson_runs(epochs, epochs, np.ones(5), np.ones(5)))
    assert row.verdict == NOT_MEASURED and "ceiling" in row.validity
    # Full batch at 100% and online below it: a gain can show, so it is tested.
    (row,) = analysis.no_gain_claims(wilson, wilson_runs(epochs, epochs, np.full(5, 0.9) + NOISE, np.ones(5)))
    assert row.verdict == NOT_REPRODUCED
    # A small test set: the margin is at least two test examples' worth (30 examples: 6.7 pp), so a 5 pp gain is none.
    small = wilson_runs(epochs, epochs, online, online + 0.05 + NOISE).assign(test_examples=30)
    (row,) = analysis.no_gain_claims(wilson, small)
    assert row.threshold == pytest.approx(100 * 2 / 30) and row.verdict == REPRODUCED and "margin 6.67 pp" in row.our_value


def test_no_accuracy_gain_chooses_on_the_holdout_and_reports_on_the_test_set(config):
    """The learning rate is the one with the best hold-out accuracy after the budget, whatever the test set says."""
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    wilson = WilsonConfig.from_config(config)
    epochs = np.full(5, 10)
    chosen = wilson_runs(epochs, epochs, 0.85 + NOISE, 0.85 + NOISE)  # lr 0.1: the best on the hold-out, no gain on test
    tempting = wilson_runs(epochs, epochs, 0.85 + NOISE, 0.95 + NOISE).assign(learning_rate=0.01, holdout_accuracy_at_budget=0.5)
    (row,) = analysis.no_gain_claims(wilson, pd.concat([chosen, tempting], ignore_index=True))
    assert abs(row.effect) < 1 and row.verdict == REPRODUCED  # lr 0.01's 10 pp test gain was never a candidate


def test_the_equal_budget_must_fit_both_sides(config):
    from replications.config import ConfigError, validate_config

    config["wilson2003"]["equal_budget_epochs"] = 10**6
    with pytest.raises(ConfigError, match="equal_budget_epochs: 1000000 exceeds the max_epochs of batch"):
        validate_config(config)


def grid_runs(epochs_by_task: dict[str, dict[int, np.ndarray]]) -> pd.DataFrame:
    """Runs at one learning rate: per task, per batch size (the largest is the full batch), each seed's epochs to the
    target (NaN: not reached)."""
    rows = []
    for task, by_batch in epochs_by_task.items():
        largest = max(by_batch)
        for batch, epochs in by_batch.items():
            label = "full" if batch == largest else str(batch)
            rows += [{"task": task, "batch_label": label, "batch_size": batch, "learning_rate": 0.1, "seed": seed, "diverged": False,
                      "best_holdout_accuracy": 0.9, "epochs_to_target": value, "target": 0.85} for seed, value in enumerate(epochs)]
    return pd.DataFrame(rows)


def test_linear_growth_reaches_every_verdict_per_task(config):
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    config["wilson2003"]["claims"]["linear_growth"]["min_batch_size"] = 10
    wilson = WilsonConfig.from_config(config)
    seed_slopes = {"shown": [1.0, 1.02, 0.98, 1.01], "contradicted": [0.2, 0.25, 0.15, 0.2], "open": [0.3, 1.9, 0.6, 1.5]}

    def rows(case):
        slopes = np.array(seed_slopes[case])
        return analysis.slope_claims(wilson, grid_runs({"a": {b: 10 * b**slopes for b in (1, 10, 100, 1000)}}))

    assert verdicts(rows) == list(ALL_THREE)
    (row,) = rows("shown")
    assert row.claim_id == "epochs_grow_linearly_a" and row.n_seeds == 4 and "[10, 100, 1000]" in row.our_value
    # A batch size whose seeds did not all reach the target has censored epochs, counted at the budget: a lower bound on
    # the slope, which can show growth steeper than linear but nothing else; other readings are not measured.
    epochs = {b: 10.0 * b * np.ones(4) for b in (1, 10, 100, 1000)}
    epochs[1000][0] = np.nan
    (row,) = analysis.slope_claims(wilson, grid_runs({"a": epochs}))
    assert row.verdict == NOT_MEASURED and "a lower bound" in row.our_value and "[1000] missed the target" in row.validity
    steep = {b: 10.0 * b**2 * (1 + 0.01 * np.arange(4)) for b in (1, 10, 100)} | {1000: np.full(4, np.nan)}
    budgets = {**config["wilson2003"]["max_epochs"], "full": 10**6}
    wilson_short = WilsonConfig.from_config(config | {"wilson2003": config["wilson2003"] | {"max_epochs": budgets}})
    (row,) = analysis.slope_claims(wilson_short, grid_runs({"a": steep}))
    assert row.verdict == NOT_REPRODUCED and row.validity == "passed" and row.effect_low > 1.3  # even the lower bound: ~2


def test_larger_sets_slower_reaches_every_verdict(config):
    """One task at five training-set sizes, three seeds: the full batch's epochs grow as size**exponent over online's 10,
    the exponent (each seed's slope) differing a little by seed."""
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    config["wilson2003"]["max_epochs"]["full"] = 10**6
    wilson = WilsonConfig.from_config(config)
    sizes = [100, 300, 1000, 3000, 10000]
    exponents = {"shown": [0.8, 0.85, 0.9], "contradicted": [-0.5, -0.45, -0.4], "open": [-0.3, 0.4, 0.05]}

    def series(case, online=10.0):
        slopes = np.array(exponents[case])
        return grid_runs({f"n{size}": {1: np.full(3, online), size: 10.0 * size**slopes} for size in sizes})

    assert verdicts(lambda case: [analysis.larger_sets_claim(wilson, series(case), power=0.8)]) == list(ALL_THREE)
    row = analysis.larger_sets_claim(wilson, series("shown"), power=0.8)
    assert row.effect == pytest.approx(0.85) and row.n_seeds == 3 and "100: x" in row.our_value
    # A full batch that misses its target at the largest size counts its budget: the slope a lower bound, which can
    # show growth ("reproduced") but nothing else; an online side that misses its target leaves the claim unmeasured.
    censored = series("shown")
    censored.loc[censored["batch_size"] == 10000, "epochs_to_target"] = np.nan
    assert analysis.larger_sets_claim(wilson, censored, power=0.8).verdict == REPRODUCED
    falling = series("contradicted")
    falling.loc[falling["batch_size"] == 10000, "epochs_to_target"] = np.nan
    config["wilson2003"]["max_epochs"]["full"] = 1  # a budget below every size's need: the bound cannot say "falls"
    short = WilsonConfig.from_config(config)
    assert analysis.larger_sets_claim(short, series("contradicted"), power=0.8).verdict == NOT_REPRODUCED
    assert analysis.larger_sets_claim(short, falling, power=0.8).verdict == NOT_MEASURED
    missed = series("shown")
    missed.loc[(missed["task"] == "n300") & (missed["batch_size"] == 1), "epochs_to_target"] = np.nan
    row = analysis.larger_sets_claim(wilson, missed, power=0.8)
    assert row.verdict == NOT_MEASURED and "online training missed the target at size(s) [300]" in row.validity
    assert analysis.larger_sets_claim(wilson, series("shown").iloc[:0], power=0.8).verdict == NOT_MEASURED  # no series
    # Online at the one-epoch floor understates that size's ratio: at the largest size a lower bound that still shows
    # growth; at the smallest it could fake growth, so it is not measured.
    floored = series("shown")
    floored.loc[(floored["task"] == "n10000") & (floored["batch_size"] == 1), "epochs_to_target"] = 1.0
    assert analysis.larger_sets_claim(wilson, floored, power=0.8).verdict == REPRODUCED
    floored = series("shown")
    floored.loc[(floored["task"] == "n100") & (floored["batch_size"] == 1), "epochs_to_target"] = 1.0
    row = analysis.larger_sets_claim(wilson, floored, power=0.8)
    assert row.verdict == NOT_MEASURED and "within one epoch" in row.validity


def test_stable_rate_falls_reaches_every_verdict(config):
    from replications.wilson2003 import analysis
    from replications.wilson2003.config import WilsonConfig

    wilson = WilsonConfig.from_config(config)  # learning rates 0.1 and 0.001: the top of the grid is 0.1
    batches = [1, 10, 100, 1000, 10000, 1, 10, 100, 1000, 10000]
    rates = {
        "shown": [0.05, 0.02, 0.01, 0.005, 0.001, 0.05, 0.02, 0.01, 0.005, 0.001],
        "contradicted": [0.001, 0.005, 0.01, 0.02, 0.05, 0.001, 0.005, 0.01, 0.02, 0.05],
        "open": [0.05, 0.01, 0.02, 0.05, 0.01, 0.02, 0.05, 0.01, 0.02, 0.05],  # no trend either way
    }

    def rows(case):
        summary = pd.DataFrame({"batch_size": batches, "largest_stable_learning_rate": rates[case]})
        return [analysis.stable_rate_claim(wilson, summary, power=0.8)]

    assert verdicts(rows) == list(ALL_THREE)
    # Mostly stable at the top of the grid: censored, the grid cannot show a fall; not measured.
    censored = pd.DataFrame({"batch_size": batches, "largest_stable_learning_rate": [0.1] * 7 + [0.05, 0.01, 0.1]})
    row = analysis.stable_rate_claim(wilson, censored, power=0.8)
    assert row.verdict == NOT_MEASURED and "top of the grid" in row.validity


# --- batch-size science ---------------------------------------------------------------------------------


def test_throughput_saturates_reaches_every_verdict(config):
    from replications.batchscience import analysis
    from replications.batchscience.config import ScienceConfig

    rule = ScienceConfig.from_config(config).claims.throughput_saturates
    batches = [1, 2, 4, 8, 16]
    # Flat at the top; batching gains nothing; growth slowing (last slope 0.5), not flat.
    curves = {"shown": [100, 190, 350, 360, 362], "contradicted": [100, 101, 100, 99, 100], "open": [100, 200, 400, 800, 1131]}

    def rows(case):
        curve = {"batch_size": batches, "samples_per_second": curves[case], "seconds_per_update": np.divide(batches, curves[case])}
        throughput = pd.concat(pd.DataFrame({"network": "F1", "sweep": sweep, **curve}) for sweep in (0, 1))
        summary, sweeps = analysis.throughput_summary(throughput, rule.within), analysis.sweep_summaries(throughput, rule.within)
        return analysis.throughput_claims(summary, sweeps, rule, "test CPU")

    assert verdicts(rows) == list(ALL_THREE)


def test_gradient_noise_slope_check_reaches_every_reading_and_is_not_a_claim(config):
    from replications.batchscience import analysis
    from replications.batchscience.config import ScienceConfig

    rule = ScienceConfig.from_config(config).claims.noise_slope
    batches = np.array([1, 2, 4, 8, 16, 32])
    wobble = np.exp(np.array([0.0, 0.3, -0.3, 0.3, -0.3, 0.0]))
    errors = {"shown": batches**-0.5, "contradicted": batches**-1.0, "open": batches**-0.58 * wobble}

    def rows(case):
        spread = pd.DataFrame({"epoch": 0, "point": "initialisation", "batch_size": batches, "standard_error": errors[case], "draws": 8})
        return analysis.spread_checks(spread, rule)

    assert verdicts(rows) == list(ALL_THREE)  # the estimator's check can fail
    spread = pd.DataFrame({"epoch": 0, "point": "initialisation", "batch_size": batches, "standard_error": errors["shown"], "draws": 8})
    (row,) = analysis.spread_claims(spread, rule)
    assert row.verdict == claims.NOT_A_CLAIM and "follows from arithmetic" in row.detail and "lies within" in row.detail


def test_steps_to_target_rules_reach_every_verdict(config):
    from replications.batchscience import analysis
    from replications.batchscience.config import ScienceConfig

    science = ScienceConfig.from_config(config)
    batches = np.array([8, 16, 32, 64, 128])
    steps = {
        "shown": 1000 * (1 + 32 / batches),  # perfect scaling, then a plateau: B_crit = 32
        "contradicted": 32000 / batches,  # perfect scaling throughout
        "open": 1000 * (1 + 32 / batches) ** 0.6,
    }
    noise = {"shown": 30.0, "contradicted": 3000.0, "open": 30.0}

    def rows(case, claim):
        best = pd.DataFrame({"batch_size": batches, "learning_rate": 0.1, "steps_to_target": steps[case], "lr_at_grid_edge": False, "n_seeds": 5})
        noise_scale = pd.DataFrame({"epoch": [0, 1], "test_accuracy": [np.nan, 0.99], "b_simple": [noise[case]] * 2})
        return [row for row in analysis.steps_claims(best, noise_scale, science) if row.claim_id == claim]

    assert verdicts(lambda case: rows(case, "diminishing_returns")) == list(ALL_THREE)
    assert rows("shown", "critical_batch_matches_noise_scale")[0].verdict == REPRODUCED
    noise["shown"] = 3000.0  # B_crit 32 against B_simple 3000: a factor of 100
    assert rows("shown", "critical_batch_matches_noise_scale")[0].verdict == NOT_REPRODUCED
    extrapolated = pd.DataFrame({"batch_size": batches, "learning_rate": 0.1, "steps_to_target": 32000 / batches + 1, "lr_at_grid_edge": False,
                                 "n_seeds": 5})
    noise_scale = pd.DataFrame({"epoch": [0, 1], "test_accuracy": [np.nan, 0.99], "b_simple": [30.0, 30.0]})
    (row,) = [row for row in analysis.steps_claims(extrapolated, noise_scale, science) if row.claim_id == "critical_batch_matches_noise_scale"]
    assert row.verdict == INCONCLUSIVE and "outside the batch sizes measured" in row.detail
    # Steeper than perfect scaling (slope -1.32 from 8 to 16): an artefact, whatever the other slopes say.
    artefact = pd.DataFrame({"batch_size": batches, "learning_rate": 0.1, "steps_to_target": steps["shown"] * [1.5, 1, 1, 1, 1],
                             "lr_at_grid_edge": False, "n_seeds": 5})
    (row,) = [row for row in analysis.steps_claims(artefact, noise_scale, science) if row.claim_id == "diminishing_returns"]
    assert row.verdict == INCONCLUSIVE and "8->16: -1.32" in row.detail


def regime_histories(values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([{"regime": regime, "seed": s, "epoch": 1, "updates": 10, "diverged": False, "test_accuracy": accuracy[s],
                          "distance_from_init": 1.0} for regime, accuracy in values.items() for s in range(5)])


@pytest.mark.parametrize("claim", ["equal_updates_at_least_as_good", "gap_shrinks_at_equal_updates", "lr_scaling_linear_lr"])
def test_regime_rules_reach_every_verdict(config, claim):
    from replications.batchscience import analysis
    from replications.batchscience.config import ScienceConfig

    science = ScienceConfig.from_config(config)
    small, base = 0.90 + NOISE, 0.85 + NOISE[::-1]
    cases = {  # the large batch at equal updates / with the linear learning-rate rule, per case
        "equal_updates_at_least_as_good": {"shown": small + 0.002, "contradicted": small - 0.05, "open": small - 0.01 + WILD},
        "gap_shrinks_at_equal_updates": {"shown": base + 0.04, "contradicted": base - 0.01, "open": base + 0.01 + WILD},
        "lr_scaling_linear_lr": {"shown": base + 0.045, "contradicted": base + 0.005, "open": base + 0.025 + WILD},
    }[claim]

    def rows(case):
        candidate = cases[case]
        histories = regime_histories({
            "small_batch": small, "large_batch_equal_epochs": base,
            "large_batch_equal_updates": candidate if claim != "lr_scaling_linear_lr" else small,
            "large_batch_linear_lr": candidate if claim == "lr_scaling_linear_lr" else base, "large_batch_sqrt_lr": base,
        })
        return [row for row in analysis.regime_claims(histories, science, power=0.8) if row.claim_id == claim]

    assert verdicts(rows) == list(ALL_THREE)


def test_distance_grows_with_log_updates_reaches_every_verdict(config):
    from replications.batchscience import analysis
    from replications.batchscience.config import ScienceConfig

    rule = ScienceConfig.from_config(config).claims.distance_log_updates
    updates = np.array([10, 30, 100, 300, 1000, 3000])
    log, sqrt = np.log(updates), np.sqrt(updates)
    curves = {"shown": (log, log), "contradicted": (sqrt, sqrt), "open": (log, sqrt)}  # (small batch, large batch)

    def rows(case):
        histories = pd.DataFrame([{"regime": regime, "seed": 0, "updates": u, "diverged": False, "distance_from_init": d}
                                  for regime, curve in zip(("small_batch", "large_batch_equal_updates"), curves[case])
                                  for u, d in zip(updates, curve)])
        return [analysis.distance_claim(histories, rule)]

    assert verdicts(rows) == list(ALL_THREE)


def test_the_toy_papers_rule_reaches_every_verdict(config):
    from conftest import REPO
    from replications.config import load_config
    from tests.toy_paper.__main__ import toy_claims
    from tests.toy_paper.layout import ToyConfig

    toy = ToyConfig.from_config(load_config(f"{REPO}/config/smoke.yaml", f"{REPO}/tests/toy_paper/config.yaml"))
    gaps = {"shown": 0.05 + NOISE, "contradicted": -0.05 + NOISE, "open": WILD}

    def rows(case):
        runs = pd.DataFrame([{"batch_size": size, "seed": s, "test_accuracy": 0.8 + (gaps[case][s] if size == toy.small_batch else 0.0)}
                             for size in (toy.small_batch, toy.large_batch) for s in range(5)])
        return toy_claims(toy, runs, power=0.8)

    assert verdicts(rows) == list(ALL_THREE)
    # Its own kind's validity check (min_seeds: 3), which no core rule knows of.
    two_seeds = toy_claims(toy, pd.DataFrame([{"batch_size": size, "seed": s, "test_accuracy": 0.8 + 0.01 * s}
                                              for size in (toy.small_batch, toy.large_batch) for s in range(2)]), power=0.8)
    assert [row.verdict for row in two_seeds] == [NOT_MEASURED] and "2 paired seeds" in two_seeds[0].validity
