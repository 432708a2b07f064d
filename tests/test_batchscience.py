import dataclasses

import numpy as np
import pandas as pd
import pytest

from replications.batchscience import analysis, experiment, layout, measures
from replications.batchscience.config import ScienceConfig, ThroughputRule
from replications.claims import INCONCLUSIVE, NOT_MEASURED, NOT_REPRODUCED, REPRODUCED


def test_noise_scale_estimator_recovers_a_known_covariance_and_gradient():
    """Per-example gradients ~ N(G, Sigma): the two-batch estimator gives |G|^2, tr(Sigma) and their ratio."""
    rng = np.random.default_rng(0)
    dimension = 20
    gradient = rng.normal(size=dimension) * 0.3
    mixing = rng.normal(size=(dimension, dimension)) / np.sqrt(dimension)
    covariance = mixing @ mixing.T * 4.0
    examples = rng.multivariate_normal(gradient, covariance, size=400_000)

    def norms_squared(batch, draws=4000):
        means = examples[rng.integers(0, len(examples), (draws, batch))].mean(axis=1)
        return np.sum(means**2, axis=1)

    estimate = measures.noise_scale(norms_squared(4), norms_squared(64), 4, 64)
    assert estimate.gradient_norm_squared == pytest.approx(np.sum(gradient**2), rel=0.1)
    assert estimate.trace_covariance == pytest.approx(np.trace(covariance), rel=0.05)
    assert estimate.b_simple == pytest.approx(np.trace(covariance) / np.sum(gradient**2), rel=0.15)
    with pytest.raises(ValueError, match="big_batch > small_batch"):
        measures.noise_scale([1.0], [1.0], 8, 8)


THROUGHPUT_RULE = ThroughputRule(within=0.1, max_final_slope=0.2, min_speedup=2.0, linear_slope=0.8, sweep_agreement=1.0)
BATCH_SIZES = np.array([1, 4, 16, 64, 256, 1024])


def cpu_curve(overhead_seconds, seconds_per_example):
    """Samples/s of a device whose update costs a fixed overhead plus a cost per example (Amdahl's shape: a CPU)."""
    return BATCH_SIZES / (overhead_seconds + seconds_per_example * BATCH_SIZES)


def gpu_curve(overhead_seconds, seconds_per_full_batch, capacity):
    """Samples/s of a device that runs up to `capacity` examples at once in the same time; more take proportionally longer."""
    return BATCH_SIZES / (overhead_seconds + seconds_per_full_batch * np.maximum(1, BATCH_SIZES / capacity))


def test_saturation_is_the_smallest_batch_near_the_peak():
    throughput = [100, 390, 1500, 4000, 4500, 4600]  # linear growth, then flat from 256
    assert measures.saturation_batch_size(BATCH_SIZES, throughput, within=0.1) == 256
    assert measures.saturation_batch_size(BATCH_SIZES, throughput, within=0.2) == 64
    assert measures.saturation_batch_size(BATCH_SIZES[::-1], throughput[::-1], within=0.1) == 256  # order does not matter
    growing = [2**k for k in range(6)]
    assert measures.saturation_batch_size(BATCH_SIZES, growing, within=0.1) == 1024  # never saturates: the largest
    summary = analysis.throughput_summary(sweeps(BATCH_SIZES, [throughput] * 3), 0.1)
    assert summary["final_slope"].iloc[0] == pytest.approx(np.log(4600 / 4500) / np.log(4)) and summary["sweeps"].iloc[0] == 3
    assert summary["speedup_peak_over_smallest"].iloc[0] == pytest.approx(46.0)


def sweeps(batch_sizes, curves):
    """A throughput table: one sweep per curve (samples/s per batch size)."""
    return pd.DataFrame([
        {"network": "F1", "sweep": sweep, "batch_size": size, "samples_per_second": value, "seconds_per_update": size / value}
        for sweep, curve in enumerate(curves) for size, value in zip(batch_sizes, curve)
    ])


def throughput_verdict(curves, rule=THROUGHPUT_RULE, batch_sizes=BATCH_SIZES):
    table = sweeps(batch_sizes, curves)
    summary, per_sweep = analysis.throughput_summary(table, rule.within), analysis.sweep_summaries(table, rule.within)
    return analysis.throughput_claims(summary, per_sweep, rule, "test CPU")[0].verdict


@pytest.mark.parametrize(
    "device, expected",
    [
        # Our 2-core CPU on the quick F1 (measured: 4,200 samples/s at batch 1, flat from 256 near 35,000).
        (cpu_curve(2.0e-4, 2.7e-5), REPRODUCED),
        # A GPU that runs 64 examples at once (the seed's own example), and one that runs 128.
        (gpu_curve(1.0e-4, 1.0e-3, capacity=64), REPRODUCED),
        (gpu_curve(1.0e-4, 1.0e-3, capacity=128), REPRODUCED),
        # A large GPU on a small network: 1,024 examples still fit at once, so throughput grows linearly throughout.
        (gpu_curve(1.0e-4, 1.0e-3, capacity=8192), NOT_REPRODUCED),
        # A CPU on a network of large layers: one example already keeps it busy, batching gains 1.1x.
        (cpu_curve(1.0e-5, 1.0e-4), NOT_REPRODUCED),
        # Growth slowing but not flat by 1,024: a CPU whose overhead is worth 400 examples (last slope 0.44), a GPU
        # that runs 512 at once (0.53).
        (cpu_curve(1.6e-3, 4.0e-6), INCONCLUSIVE),
        (gpu_curve(1.0e-4, 1.0e-3, capacity=512), INCONCLUSIVE),
    ],
    ids=["cpu-small-network", "gpu-capacity-64", "gpu-capacity-128", "gpu-beyond-range", "cpu-busy-at-one", "cpu-slowing", "gpu-capacity-512"],
)
def test_throughput_rule_reads_the_curves_real_devices_give(device, expected):
    """Five sweeps of each device with 3% timing noise: the rule's three outcomes all occur on real devices' shapes."""
    noise = np.random.default_rng(0).lognormal(0.0, 0.03, size=(5, len(BATCH_SIZES)))
    assert throughput_verdict(list(device * noise)) == expected


def test_a_throughput_verdict_stands_only_if_the_sweeps_give_it_too():
    flat = [100, 390, 1500, 4000, 4500, 4600]
    late_growth = [100, 390, 1500, 4000, 4500, 6500]  # last slope log(6500 / 4500) / log(4) = 0.27: slowing, not flat
    # The median curve is flat at the top; one sweep of five that is not makes it "not measured" under "every sweep".
    assert throughput_verdict([flat] * 5) == REPRODUCED
    assert throughput_verdict([flat] * 4 + [late_growth]) == NOT_MEASURED
    assert throughput_verdict([flat] * 4 + [late_growth], dataclasses.replace(THROUGHPUT_RULE, sweep_agreement=0.8)) == REPRODUCED
    no_gain = [100, 101, 100, 99, 100, 100]
    assert throughput_verdict([no_gain] * 4 + [flat]) == NOT_MEASURED  # not reproduced by 4 of 5 only


def test_steps_to_target_interpolates_between_epochs_in_log_updates():
    history = pd.DataFrame({"updates": [100, 200, 400, 800], "test_accuracy": [0.30, 0.50, 0.70, 0.90]})
    # 0.60 lies halfway between 0.50 (200 updates) and 0.70 (400): halfway in log(updates) is sqrt(200 * 400)
    assert measures.steps_to_target(history, 0.60) == pytest.approx(np.sqrt(200 * 400))
    assert measures.steps_to_target(history, 0.70) == pytest.approx(400)  # exactly at an evaluation
    assert measures.steps_to_target(history, 0.20) == 100  # reached in the first epoch: its updates (an upper bound)
    assert np.isnan(measures.steps_to_target(history, 0.95))  # never reached
    dips = pd.DataFrame({"updates": [10, 20, 30], "test_accuracy": [0.8, 0.4, 0.9]})
    assert measures.steps_to_target(dips, 0.7) == 10  # the first crossing counts


def test_tradeoff_fit_recovers_the_critical_batch():
    batch_sizes = np.array([8, 32, 128, 512, 2048])
    steps = 300 * (1 + 150 / batch_sizes)
    fit = measures.fit_tradeoff(batch_sizes, steps)
    assert fit.critical_batch == pytest.approx(150, rel=1e-3) and fit.steps_min == pytest.approx(300, rel=1e-3)
    assert fit.examples_min == pytest.approx(300 * 150, rel=1e-3)
    slopes = measures.local_slopes(batch_sizes, steps)
    assert slopes[0] < -0.8 and slopes[-1] > -0.2  # perfect scaling, then saturation


def test_log_log_slope_of_a_power_law():
    m = np.array([1, 2, 4, 8, 16, 32])
    fit = measures.log_log_slope(m, 3.0 * m**-0.5 * np.exp(np.random.default_rng(0).normal(0, 0.01, len(m))), alpha=0.05)
    assert fit.ci_low < -0.5 < fit.ci_high and fit.ci_high - fit.ci_low < 0.05 and fit.r_squared > 0.99


def test_gradient_spread_falls_as_one_over_sqrt_m_on_a_real_network(config, tiny_mnist1d):
    import keras

    from replications.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model({"name": "f1", "width": 32, "depth": 1}, tiny_mnist1d.input_shape, tiny_mnist1d.num_classes)
    sampler = experiment.GradientSampler(model, tiny_mnist1d)
    spread = experiment.gradient_spread(sampler, [1, 4, 16, 64], draws=200, rng=np.random.default_rng(0))
    fit = measures.log_log_slope(spread["batch_size"], spread["standard_error"], alpha=0.05)
    assert fit.slope == pytest.approx(-0.5, abs=0.1)
    everything = sampler.mean_gradient(np.arange(tiny_mnist1d.num_train))
    np.testing.assert_allclose(everything, sampler.full_gradient())
    scale = experiment.noise_scale_at(sampler, 4, 64, draws=200, rng=np.random.default_rng(1))
    assert scale["b_simple"] == pytest.approx(scale["b_simple_direct"], rel=0.5)  # two estimates of one quantity


def test_a_throughput_timing_repeats_the_pass_until_it_lasts_min_seconds(config):
    from replications.typed_config import CoreConfig

    config["batchscience"]["throughput"].update(batch_sizes=[1, 64, 1000], examples=128, sweeps=2, min_seconds=0.05)
    table = experiment.throughput(CoreConfig.from_config(config), ScienceConfig.from_config(config), "F1")
    # Every batch size no larger than the 480 training examples, once per sweep.
    assert table["sweep"].tolist() == [0, 0, 1, 1] and table["batch_size"].tolist() == [1, 64, 1, 64]
    assert table["updates"].tolist() == [128, 2, 128, 2]
    # Two updates of 64 last well under 0.05 s: repeated; the time is per pass, so the throughput is per example.
    assert (table.loc[table["batch_size"] == 64, "passes"] > 1).all() and (table["passes"] * table["seconds"] >= 0.05).all()
    assert np.allclose(table["samples_per_second"], table["examples"] / table["seconds"])


def test_regimes_give_equal_updates_and_warm_up_to_the_scaled_rates(config):
    science = ScienceConfig.from_config(config)
    regimes = experiment.regime_settings(science)
    assert tuple(regimes) == layout.REGIMES  # the names the rules plan with
    small, large, rate = science.regimes.small_batch, science.regimes.large_batch, science.optimizer["learning_rate"]
    small_updates = science.regimes.epochs * int(np.ceil(480 / small))  # smoke: 480 training examples
    assert regimes["large_batch_equal_updates"]["budget"].max_updates == small_updates
    assert regimes["large_batch_equal_epochs"]["budget"].max_epochs == regimes["small_batch"]["budget"].max_epochs
    linear = regimes["large_batch_linear_lr"]["schedule"]
    warmup = science.regimes.warmup_epochs
    assert linear.at(0).learning_rate == pytest.approx(rate) and linear.at(warmup).learning_rate == pytest.approx(rate * large / small)
    assert regimes["large_batch_sqrt_lr"]["schedule"].at(warmup).learning_rate == pytest.approx(rate * np.sqrt(large / small))


def synthetic_regimes(accuracies):
    rows = []
    for regime, values in accuracies.items():
        for seed, accuracy in enumerate(values):
            for epoch, updates in enumerate([10, 100, 1000], start=1):
                rows.append({"regime": regime, "seed": seed, "epoch": epoch, "updates": updates, "batch_size": 8, "learning_rate": 0.1,
                             "test_accuracy": accuracy, "distance_from_init": 2.0 * np.log(updates) + 0.01 * seed, "diverged": False})
    return pd.DataFrame(rows)


def test_regime_claims_follow_their_rules(config):
    histories = synthetic_regimes({
        "small_batch": [0.800, 0.802, 0.798], "large_batch_equal_epochs": [0.70, 0.71, 0.69],
        "large_batch_equal_updates": [0.800, 0.803, 0.797], "large_batch_linear_lr": [0.79, 0.795, 0.785],
        "large_batch_sqrt_lr": [0.70, 0.72, 0.70],
    })
    rows = {row.claim_id: row for row in analysis.regime_claims(histories, ScienceConfig.from_config(config), power=0.8)}
    assert rows["equal_updates_at_least_as_good"].verdict == REPRODUCED
    assert rows["gap_shrinks_at_equal_updates"].verdict == REPRODUCED
    assert rows["lr_scaling_linear_lr"].verdict == REPRODUCED and "90% of the gap closed" in rows["lr_scaling_linear_lr"].our_value
    assert rows["lr_scaling_sqrt_lr"].verdict == NOT_REPRODUCED  # a tenth of the gap closed at best
    assert rows["distance_grows_with_log_updates"].verdict == REPRODUCED


def steps_runs(batch_sizes, steps_by_seed):
    """Tuning rows (two learning rates; 0.1 the faster) and measuring rows (five seeds at 0.1) per batch size."""
    tuning = pd.DataFrame([{"batch_size": b, "learning_rate": rate, "tuning_seed": 100, "diverged": False, "steps_to_target": steps * factor}
                           for b, steps in zip(batch_sizes, steps_by_seed[0]) for rate, factor in ((0.1, 1.0), (0.01, 3.0))])
    measured = pd.DataFrame([{"batch_size": b, "learning_rate": 0.1, "seed": seed, "diverged": False, "steps_to_target": steps}
                             for seed, row in enumerate(steps_by_seed) for b, steps in zip(batch_sizes, row)])
    return tuning, measured


def test_best_steps_tunes_on_one_seed_and_averages_the_others_geometrically():
    tuning, measured = steps_runs([8, 32], [[100.0, 40.0], [400.0, 10.0], [np.nan, 20.0]])
    best = analysis.best_steps(tuning, measured).set_index("batch_size")
    assert list(best.index) == [32]  # a measuring seed at batch 8 missed the target: not a point of the curve
    assert best.loc[32, "steps_to_target"] == pytest.approx((40 * 10 * 20) ** (1 / 3)) and best.loc[32, "learning_rate"] == 0.1
    assert best.loc[32, "n_seeds"] == 3 and best.loc[32, "examples_to_target"] == pytest.approx(32 * 20)
    assert bool(best.loc[32, "lr_at_grid_edge"])  # 0.1 is the top of this two-rate grid


def test_steps_claims_compare_the_fitted_critical_batch_with_b_simple(config):
    batch_sizes = [8, 32, 128, 512, 2048]
    curve = [300 * (1 + 150 / b) for b in batch_sizes]
    tuning, measured = steps_runs(batch_sizes, [curve] * 3)
    noise = pd.DataFrame({"epoch": [0, 1, 2], "test_accuracy": [np.nan, 0.2, 0.99], "b_simple": [10.0, 50.0, 200.0]})
    science = ScienceConfig.from_config(config)
    rows = {row.claim_id: row for row in analysis.steps_claims(analysis.best_steps(tuning, measured), noise, science)}
    assert rows["diminishing_returns"].verdict == REPRODUCED and rows["diminishing_returns"].n_seeds == 3
    assert rows["critical_batch_matches_noise_scale"].verdict == REPRODUCED  # 150 vs 200 (the snapshot at the target)
    assert rows["critical_batch_matches_noise_scale"].statistic == pytest.approx(0.75, rel=1e-3)
    few = analysis.steps_claims(analysis.best_steps(*steps_runs(batch_sizes[:2], [curve[:2]] * 3)), noise, science)
    assert {row.verdict for row in few} == {NOT_MEASURED}


def test_figures_are_drawn_when_nothing_reached_the_target(tmp_path):
    tuning, measured = steps_runs([4, 8, 16], [[np.nan] * 3])
    analysis.steps_figure(tuning, analysis.best_steps(tuning, measured.iloc[:0]), tmp_path / "steps.png")
    noise = pd.DataFrame({"epoch": [0, 1, 2], "updates": [0, 5, 10], "b_simple": [40.0, -3.0, 30.0], "b_simple_direct": [37.0, 44.0, 36.0]})
    spread = pd.DataFrame({"batch_size": [1, 2, 4] * 2, "standard_error": [4.0, 2.9, 2.0] * 2, "epoch": [0] * 3 + [2] * 3,
                           "point": ["initialisation"] * 3 + ["after 2 epochs"] * 3})
    analysis.noise_figure(spread, noise, tmp_path / "noise.png")  # a negative estimate is left off the log axis
    assert (tmp_path / "steps.png").stat().st_size > 5_000 and (tmp_path / "noise.png").stat().st_size > 5_000
