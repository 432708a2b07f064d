"""The batch-size science section of the report: the seeds' claims beyond the three papers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.batchscience.config import ScienceConfig
from replications.report_tools import markdown_table, plus_minus

TABLES = {
    "batchscience_throughput.csv": {
        "network, sweep, batch_size": "quick network, sweep (every batch size timed once per sweep) and batch size",
        "updates, examples, seconds": "one pass: updates and training examples; its seconds in this sweep",
        "passes": "passes in this timing: a timing repeats the pass until it lasts min_seconds",
        "samples_per_second, seconds_per_update": "throughput and time per update (training only, no evaluation)",
        "jit_compile, device": "whether the loop was XLA-compiled; the device measured",
    },
    "batchscience_throughput_summary.csv": {
        "sweeps": "sweeps timed; the columns below read the median curve over them",
        "peak_samples_per_second, saturation_batch_size": "the largest throughput; the smallest batch within the rule's `within` share of it (reported, not decided on)",
        "final_slope": "log-log slope of samples/s between the two largest batch sizes (0: flat, 1: linear growth)",
        "smallest_batch_size, largest_batch_size": "the range timed, the claim's range",
        "first_slope": "log-log slope of samples/s between the two smallest batch sizes (described, not decided on)",
        "speedup_peak_over_smallest": "the peak throughput / the smallest batch's (the rule's 'batching pays')",
    },
    "batchscience_gradient_noise.csv": {
        "batch_size, standard_error": "m, and the RMS over draws of |g_m - G| (G: full-batch gradient)",
        "point, epoch, draws": "the weights (initialisation or a trained snapshot) and minibatches drawn per m",
    },
    "batchscience_noise_scale.csv": {
        "epoch, updates, test_accuracy": "the snapshot along the training run",
        "gradient_norm_squared, trace_covariance": "McCandlish et al.'s unbiased |G|^2 and tr(Sigma) from two batch sizes",
        "b_simple, b_simple_direct": "tr(Sigma) / |G|^2 from the two-batch estimator, and from the full gradient and the spread at the small batch",
    },
    "batchscience_steps_to_target.csv": {
        "batch_size, learning_rate, seed": "the grid",
        "role": "tuning (every learning rate, on the tuning seed) or measured (the tuned rate, on each seed)",
        "steps_to_target": "updates until the test accuracy first reached the target (interpolated between epochs; empty: never)",
        "stop_reason, epochs, best_test_accuracy, diverged": "how the run ended",
    },
    "batchscience_steps_to_target_best.csv": {
        "batch_size, learning_rate": "per batch size, the learning rate that needed the fewest updates on the tuning seed",
        "steps_to_target, n_seeds, n_reached": "the geometric mean of the measuring seeds' updates at it (only if every seed reached)",
        "steps_spread": "the standard deviation of log(updates) over the measuring seeds",
        "examples_to_target": "steps_to_target x batch_size",
        "lr_at_grid_edge": "the best learning rate is the grid's smallest or largest (the tuning may be incomplete)",
    },
    "batchscience_tradeoff.csv": {
        "steps_min, examples_min, critical_batch": "the fit S = S_min (1 + B_crit / B); E_min = S_min x B_crit",
        "b_simple_at_target, b_simple_epoch": "B_simple at the first snapshot that reached the target accuracy (else the last), and its epoch",
    },
    "batchscience_regimes.csv": {
        "regime": "small batch; large batch at equal epochs, equal updates, or with the learning rate scaled (linear, sqrt)",
        "batch_size, final_learning_rate, epochs, updates": "the setting",
        "test_accuracy_mean, test_accuracy_std": "final test accuracy over seeds (fraction)",
        "distance_from_init": "mean final |w - w0|",
        "n_seeds, n_diverged": "runs, and runs whose loss became NaN/inf",
    },
    "batchscience_distance_fits.csv": {
        "r_squared_log, r_squared_sqrt": "R² of the seed-mean distance against log(updates) and against sqrt(updates)",
    },
}


def render(config: dict[str, Any], report_dir: Path) -> str:
    science = ScienceConfig.from_config(config)
    tables = report_dir / "tables"
    summary = pd.read_csv(tables / "batchscience_throughput_summary.csv")
    device = pd.read_csv(tables / "batchscience_throughput.csv")["device"].iloc[0]
    noise = pd.read_csv(tables / "batchscience_noise_scale.csv")
    best = pd.read_csv(tables / "batchscience_steps_to_target_best.csv")
    tradeoff = pd.read_csv(tables / "batchscience_tradeoff.csv")
    regimes = pd.read_csv(tables / "batchscience_regimes.csv")
    steps, target = science.steps_to_target, science.steps_to_target.target_accuracy
    regimes_shown = pd.DataFrame({
        "regime": regimes["regime"].str.replace("_", " "), "batch": regimes["batch_size"], "final lr": regimes["final_learning_rate"].map("{:g}".format),
        "epochs": regimes["epochs"], "updates": regimes["updates"].map("{:,}".format),
        "test accuracy %": plus_minus(100 * regimes["test_accuracy_mean"], 100 * regimes["test_accuracy_std"]),
        "‖w − w0‖": regimes["distance_from_init"].map("{:.1f}".format),
    })  # fmt: skip
    throughput_shown = pd.DataFrame({
        "network": summary["network"], "peak samples/s": summary["peak_samples_per_second"].map("{:,.0f}".format),
        "saturates at batch": summary["saturation_batch_size"], "last-step slope": summary["final_slope"].map("{:.2f}".format),
        "peak / smallest batch": summary["speedup_peak_over_smallest"].map("{:.1f}x".format),
    })  # fmt: skip
    noise_shown = pd.DataFrame({
        "epoch": noise["epoch"], "updates": noise["updates"], "test accuracy %": (100 * noise["test_accuracy"]).map("{:.1f}".format).replace("nan", "-"),
        "B_simple (two batches)": noise["b_simple"].map("{:.0f}".format), "B_simple (full gradient)": noise["b_simple_direct"].map("{:.0f}".format),
    })  # fmt: skip
    best_shown = pd.DataFrame({
        "batch": best["batch_size"], "best lr": best["learning_rate"].map("{:g}".format),
        "updates to target": best["steps_to_target"].map("{:,.0f}".format), "examples to target": best["examples_to_target"].map("{:,.0f}".format),
        "seeds": best["n_seeds"], "spread (log)": best["steps_spread"].map("{:.2f}".format),
        "best lr at the grid's edge": best["lr_at_grid_edge"].map({True: "yes", False: ""}),
    })  # fmt: skip
    data, model, regime = science.data, science.model, science.regimes
    return "\n".join([
        "## Batch-size science: the practitioners' claims",
        "",
        f"The claims of `../shared/seeds/` that go beyond the three papers. Network for the training parts: "
        f"`{model['name']}` {({key: value for key, value in model.items() if key != 'name'})} on `{data['name']}`; "
        f"optimizer {dict(science.optimizer)}; seeds {list(science.seeds)}. At the quick scale these are small offline "
        "problems on a CPU: the numbers say what holds here, not for ImageNet-sized training.",
        "",
        f"### Throughput against batch size ({device})",
        "",
        f"Training steps only (the engine's compiled loop), every core reserved for the job and a TensorFlow thread per "
        f"core. Each of {science.throughput.sweeps} sweeps times every batch size once, in reverse order every other "
        "sweep, so a drift in the machine's speed touches every batch size alike; the table reads the median curve, and "
        "its verdict stands only if the sweeps, each read alone, give it too (else inconclusive): a timing near a "
        "threshold then reads inconclusive instead of flipping with the machine's load. A timing has no seeds, so no "
        "seed stability. Data: `tables/batchscience_throughput.csv`, `tables/batchscience_throughput_summary.csv`.",
        "",
        markdown_table(throughput_shown),
        "",
        "![Throughput](figures/batchscience_throughput.png)",
        "",
        "*Samples per second and milliseconds per update against batch size: the median over sweeps, each sweep's "
        f"timings as dots; dotted: where throughput comes within {science.claims.throughput_saturates.within:.0%} of its peak.*",
        "",
        "### Gradient noise and the noise scale",
        "",
        f"Minibatches of m examples drawn with replacement ({science.gradient_noise.draws} per m) at the initial "
        f"weights and after {science.gradient_noise.snapshot_epochs[-1]} epochs of training at batch "
        f"{science.gradient_noise.training_batch}; gradients in inference mode (BN with its moving statistics, so "
        "examples contribute independently). B_simple = tr(Σ)/|G|² from McCandlish et al.'s two-batch estimator "
        f"(B = {science.gradient_noise.small_batch} and {science.gradient_noise.big_batch}), checked against "
        "the full-batch gradient. Data: `tables/batchscience_gradient_noise.csv`, `tables/batchscience_noise_scale.csv`.",
        "",
        markdown_table(noise_shown),
        "",
        "![Gradient noise](figures/batchscience_gradient_noise.png)",
        "",
        "*Left: RMS distance of the minibatch gradient from the full-batch gradient against m (dashed: slope -1/2). "
        "Right: B_simple along training.*",
        "",
        f"### Steps to {100 * target:g}% test accuracy against batch size",
        "",
        f"Batch sizes {list(steps.batch_sizes)}, learning rates {list(steps.learning_rates)}: the fastest per batch size on "
        f"seed {steps.tuning_seed}, then the updates at that rate measured on seeds {list(science.seeds)} (geometric mean; a batch "
        "size counts only if every seed reached the target), so choosing the best of five rates does not bias the updates "
        f"downward. At most {steps.max_updates:,} updates or {steps.max_epochs} epochs. Evaluations come once per epoch; "
        "the crossing is interpolated in log(updates) between the two epochs around it. Data: "
        "`tables/batchscience_steps_to_target.csv`, `tables/batchscience_steps_to_target_best.csv`.",
        "",
        markdown_table(best_shown),
        "",
        *([f"Fit of (S/S_min - 1)(E/E_min - 1) = 1: S_min = {tradeoff['steps_min'].iloc[0]:,.0f} updates, E_min = "
           f"{tradeoff['examples_min'].iloc[0]:,.0f} examples, B_crit = {tradeoff['critical_batch'].iloc[0]:.0f}; B_simple at the "
           f"target (epoch {tradeoff['b_simple_epoch'].iloc[0]}) = {tradeoff['b_simple_at_target'].iloc[0]:.0f}. "
           "Data: `tables/batchscience_tradeoff.csv`.", ""] if len(tradeoff) else
          ["Fewer than 3 batch sizes reached the target: no fit.", ""]),
        "![Steps to target](figures/batchscience_steps_to_target.png)",
        "",
        "*Updates to the target against batch size, per learning rate and the best; grey: the fit "
        "S = S_min (1 + B_crit/B) with its perfect-scaling and saturation regions.*",
        "",
        "### Equal epochs, equal updates, scaled learning rates",
        "",
        f"Small batch {regime.small_batch} for {regime.epochs} epochs; large batch {regime.large_batch} for the "
        "same epochs, for the same number of updates, and with the learning rate scaled linearly or by √ratio after "
        f"{regime.warmup_epochs} epochs of linear warm-up. The learning-rate-scaling rule asks what share of the large "
        "batch's gap (against the small batch, both at the small batch's learning rate) the scaling closes; Mishkin et "
        "al.'s numbers quoted beside it (batch 1,024 at the scaled rate 46.5% vs 47.1% at 256) lack the large batch at "
        "the unscaled rate, so they cannot be fed to the rule: it would read them as reproduced only if that number were "
        "below 45.9% (tests/test_source_numbers.py). Data: `tables/batchscience_regimes.csv`, "
        "`tables/batchscience_distance_fits.csv`.",
        "",
        markdown_table(regimes_shown),
        "",
        "![Regimes](figures/batchscience_regimes.png)",
        "",
        "*Test accuracy against epochs and against updates, and the distance from the initial weights against updates "
        "(log axis: a straight line is logarithmic growth).*",
        "",
    ])  # fmt: skip
