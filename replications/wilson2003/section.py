"""The Wilson & Martinez 2003 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.report_tools import markdown_table
from replications.wilson2003 import paper
from replications.wilson2003.config import WilsonConfig

TABLES = {
    "wilson2003_large_task.csv": {
        "batch_size, batch_label, learning_rate": "batch size in examples ('full': the whole training set); learning rate per example",
        "n_seeds, n_diverged, n_censored": "runs; runs whose loss became NaN/inf; runs whose best epoch was the last of the budget",
        "best_holdout_accuracy": "mean over seeds of the best hold-out accuracy (fraction)",
        "epochs_to_best": "mean over seeds of the first epoch reaching that accuracy",
    },
    "wilson2003_summary.csv": {
        "task, batch_size, learning_rate": "the learning rate with the best mean hold-out accuracy for this task and batch size",
        "best_holdout_accuracy, epochs_to_best, censored": "its mean best accuracy (fraction), mean epochs to it, budget hit",
        "epochs_ratio_to_online": "epochs_to_best / epochs_to_best of batch 1",
        "largest_stable_learning_rate": "the largest learning rate all of whose runs were stable (see the claim's rule)",
    },
}


def render(config: dict[str, Any], report_dir: Path) -> str:
    wilson = WilsonConfig.from_config(config)
    large = pd.read_csv(report_dir / "tables" / "wilson2003_large_task.csv")
    summary = pd.read_csv(report_dir / "tables" / "wilson2003_summary.csv")
    large_shown = pd.DataFrame({
        "batch size": large["batch_size"], "learning rate": large["learning_rate"].map("{:g}".format),
        "best hold-out accuracy %": (100 * large["best_holdout_accuracy"]).map("{:.1f}".format),
        "epochs to best": large["epochs_to_best"].map("{:.0f}".format),
        "diverged / censored / seeds": [f"{d} / {c} / {n}" for d, c, n in zip(large["n_diverged"], large["n_censored"], large["n_seeds"])],
    })  # fmt: skip
    summary_shown = pd.DataFrame({
        "task": summary["task"], "batch size": summary["batch_size"], "best lr": summary["learning_rate"].map("{:g}".format),
        "hold-out accuracy %": (100 * summary["best_holdout_accuracy"]).map("{:.1f}".format),
        "epochs to best": summary["epochs_to_best"].map("{:.0f}".format) + summary["censored"].map({True: " (budget hit)", False: ""}),
        "epochs / online": summary["epochs_ratio_to_online"].map("{:.1f}".format),
        "largest stable lr": summary["largest_stable_learning_rate"].map("{:g}".format),
    })  # fmt: skip
    tasks = ", ".join(f"`{name}`" + (f" ({task.description})" if task.description else "") for name, task in wilson.tasks.items())
    diverged = int(large["n_diverged"].sum())
    return "\n".join([
        f"## {paper.TITLE}",
        "",
        f"Setup: plain gradient descent (no momentum) on a network with one hidden layer of "
        f"{wilson.model.get('hidden_units', 64)} {wilson.model.get('activation', 'sigmoid')} units; batch sizes "
        f"{list(wilson.batch_sizes)} (those below a task's training-set size) and the full training set; learning rates "
        f"{list(wilson.learning_rates)}; seeds {list(wilson.seeds)}. A batch update is the sum of the per-example updates, as "
        f"in the paper. The measure: epochs until the best hold-out accuracy ({wilson.holdout_fraction:.0%} of the "
        f"training data held out), within an epoch budget per batch size {wilson.max_epochs}.",
        "",
        "Deviations from the paper:",
        "",
        f"- Tasks: {tasks}; the paper used 26 UCI tasks and a 20,000-instance speech task (Digit), not available offline.",
        "- Cross-entropy on softmax outputs instead of the paper's error function (not verified).",
        "- Epoch budgets are finite: a best accuracy reached in the last epoch of the budget is a lower bound on the "
        "epochs needed (marked 'budget hit' / censored).",
        *([f"- Checkpoints at most every {wilson.checkpoint_seconds:g} s rather than every epoch (epochs last "
           "milliseconds; a killed job repeats at most that much work)."] if wilson.checkpoint_seconds else []),
        "",
        f"### The large task (`{wilson.large_task}`), every batch size and learning rate",
        "",
        f"Paper (Digit): batch 1 reached its best accuracy in about {paper.DIGIT_EPOCHS[1]} epochs, batch 20,000 needed "
        f"about {paper.DIGIT_EPOCHS[20_000]:,}. Data: `tables/wilson2003_large_task.csv`"
        + (f"; **{diverged} run(s) diverged**." if diverged else "."),
        "",
        markdown_table(large_shown),
        "",
        "### Summary across tasks: each batch size at its best learning rate",
        "",
        "Data: `tables/wilson2003_summary.csv`.",
        "",
        markdown_table(summary_shown),
        "",
        "![Epochs to best against batch size](figures/wilson2003_epochs.png)",
        "",
        "*Epochs to the best hold-out accuracy against batch size (log-log), one line per learning rate (mean over "
        "seeds); x marks divergence. Look for lines rising with batch size, roughly with slope 1 past small batches, "
        "and large learning rates failing at large batches.*",
        "",
        "![Hold-out accuracy curves](figures/wilson2003_curves.png)",
        "",
        "*Hold-out accuracy against epochs for online and full-batch training at their best learning rates (first seed).*",
        "",
    ])  # fmt: skip
