"""The Wilson & Martinez 2003 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.report_tools import markdown_table, render_template
from replications.wilson2003 import layout, paper
from replications.wilson2003.config import WilsonConfig

TABLES = {
    "wilson2003_large_task.csv": {
        "batch_size, batch_label, learning_rate": "batch size in examples ('full': the whole training set); learning rate per example",
        "n_seeds, n_diverged, n_reached": "runs; runs whose loss became NaN/inf; runs that reached the task's target",
        "best_holdout_accuracy, target": "mean over seeds of the best hold-out accuracy (fraction); the task's common target",
        "epochs_to_target": "mean over the seeds that reached it of the first epoch at or above the target",
        "final_train_loss": "mean over seeds of the last epoch's training loss (the stability rule's measure)",
    },
    "wilson2003_summary.csv": {
        "task, batch_size, learning_rate": "the learning rate reaching the target in the fewest epochs (every seed) for this task and batch size",
        "epochs_to_target, reached, budget": "its mean epochs to the target; whether every seed reached it; the epoch budget",
        "epochs_ratio_to_online": "epochs_to_target / epochs_to_target of batch 1",
        "largest_stable_learning_rate": "the largest learning rate all of whose runs were stable (see the claim's rule)",
    },
}


def _series_sizes(wilson: WilsonConfig) -> str:
    """The size series' training-set sizes (after the hold-out), smallest first; '' without a series."""
    if wilson.size_series is None:
        return ""
    return ", ".join(f"{size:,}" for size in sorted(layout.task_train_size(wilson, member) for member in wilson.series_tasks()))


def render(config: dict[str, Any], report_dir: Path, claims: pd.DataFrame) -> str:
    wilson = WilsonConfig.from_config(config)
    large = pd.read_csv(report_dir / "tables" / "wilson2003_large_task.csv")
    summary = pd.read_csv(report_dir / "tables" / "wilson2003_summary.csv")
    large_shown = pd.DataFrame({
        "batch size": large["batch_size"], "learning rate": large["learning_rate"].map("{:g}".format),
        "best hold-out accuracy %": (100 * large["best_holdout_accuracy"]).map("{:.1f}".format),
        "epochs to target": large["epochs_to_target"].map("{:.0f}".format).replace("nan", "-"),
        "final training loss": large["final_train_loss"].map("{:.3g}".format),
        "reached / diverged / seeds": [f"{r} / {d} / {n}" for r, d, n in zip(large["n_reached"], large["n_diverged"], large["n_seeds"])],
    })
    summary_shown = pd.DataFrame({
        "task": summary["task"], "batch size": summary["batch_size"], "best lr": summary["learning_rate"].map("{:g}".format),
        "target %": (100 * summary["target"]).map("{:.1f}".format),
        "epochs to target": [f"{epochs:.0f}" if reached else f"> {budget} (not reached)"
                             for epochs, reached, budget in zip(summary["epochs_to_target"], summary["reached"], summary["budget"])],
        "epochs / online": summary["epochs_ratio_to_online"].map("{:.1f}".format),
        "largest stable lr": summary["largest_stable_learning_rate"].map("{:g}".format),
    })
    tasks = ", ".join(f"`{name}`" + (f" ({task.description})" if task.description else "") for name, task in wilson.tasks.items())
    return render_template(
        Path(__file__).with_name("section.md.j2"), paper=paper, wilson=wilson, tasks=tasks, series_sizes=_series_sizes(wilson),
        diverged=int(large["n_diverged"].sum()), large_table=markdown_table(large_shown), summary_table=markdown_table(summary_shown),
    )
