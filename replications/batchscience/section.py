"""The batch-size science section of the report: the seeds' claims beyond the three papers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.batchscience.config import ScienceConfig
from replications.report_tools import markdown_table, plus_minus, render_template

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
        "peak_samples_per_second, saturation_batch_size": "the largest throughput; the smallest batch within the rule's `within` share of it "
                                                          "(reported, not decided on)",
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


def render(config: dict[str, Any], report_dir: Path, claims: pd.DataFrame) -> str:
    science = ScienceConfig.from_config(config)
    tables = report_dir / "tables"
    summary = pd.read_csv(tables / "batchscience_throughput_summary.csv")
    device = pd.read_csv(tables / "batchscience_throughput.csv")["device"].iloc[0]
    noise = pd.read_csv(tables / "batchscience_noise_scale.csv")
    best = pd.read_csv(tables / "batchscience_steps_to_target_best.csv")
    tradeoff = pd.read_csv(tables / "batchscience_tradeoff.csv")
    regimes = pd.read_csv(tables / "batchscience_regimes.csv")
    regimes_shown = pd.DataFrame({
        "regime": regimes["regime"].str.replace("_", " "), "batch": regimes["batch_size"], "final lr": regimes["final_learning_rate"].map("{:g}".format),
        "epochs": regimes["epochs"], "updates": regimes["updates"].map("{:,}".format),
        "test accuracy %": plus_minus(100 * regimes["test_accuracy_mean"], 100 * regimes["test_accuracy_std"]),
        "‖w − w0‖": regimes["distance_from_init"].map("{:.1f}".format),
    })
    throughput_shown = pd.DataFrame({
        "network": summary["network"], "peak samples/s": summary["peak_samples_per_second"].map("{:,.0f}".format),
        "saturates at batch": summary["saturation_batch_size"], "last-step slope": summary["final_slope"].map("{:.2f}".format),
        "peak / smallest batch": summary["speedup_peak_over_smallest"].map("{:.1f}x".format),
    })
    noise_shown = pd.DataFrame({
        "epoch": noise["epoch"], "updates": noise["updates"], "test accuracy %": (100 * noise["test_accuracy"]).map("{:.1f}".format).replace("nan", "-"),
        "B_simple (two batches)": noise["b_simple"].map("{:.0f}".format), "B_simple (full gradient)": noise["b_simple_direct"].map("{:.0f}".format),
    })
    best_shown = pd.DataFrame({
        "batch": best["batch_size"], "best lr": best["learning_rate"].map("{:g}".format),
        "updates to target": best["steps_to_target"].map("{:,.0f}".format), "examples to target": best["examples_to_target"].map("{:,.0f}".format),
        "seeds": best["n_seeds"], "spread (log)": best["steps_spread"].map("{:.2f}".format),
        "best lr at the grid's edge": best["lr_at_grid_edge"].map({True: "yes", False: ""}),
    })
    model = science.model
    return render_template(
        Path(__file__).with_name("section.md.j2"), science=science, model=model, optimizer=dict(science.optimizer),
        model_settings={key: value for key, value in model.items() if key != "name"}, device=device, noise=science.gradient_noise,
        steps=science.steps_to_target, regime=science.regimes, fit=tradeoff.iloc[0] if len(tradeoff) else None,
        throughput_table=markdown_table(throughput_shown), noise_table=markdown_table(noise_shown),
        best_table=markdown_table(best_shown), regimes_table=markdown_table(regimes_shown),
    )
