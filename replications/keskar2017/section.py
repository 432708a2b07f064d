"""The Keskar et al. 2017 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.keskar2017 import paper
from replications.report_tools import markdown_table, plus_minus



def deviations(config: dict[str, Any]) -> list[str]:
    """Every difference between this config and the paper's protocol, in words."""
    section = config["keskar2017"]
    lines = []
    for network, spec in section["networks"].items():
        data, model = spec["data"], spec["model"]
        paper_data = {"F1": "mnist", "C1": "cifar10", "C2": "cifar10", "C3": "cifar100", "C4": "cifar100"}[spec["paper_row"]]
        if data["name"] != paper_data:
            lines.append(f"{network}: data set `{data['name']}` instead of the paper's `{paper_data}` (offline substitute).")
        if model["name"] == "f1" and (model.get("width", 512), model.get("depth", 5)) != (512, 5):
            lines.append(
                f"{network}: {model.get('depth', 5)} hidden layers of {model.get('width', 512)} units "
                "instead of 5 of 512 (F1)."
            )
        if data.get("max_train_examples"):
            lines.append(f"{network}: only the first {data['max_train_examples']} training examples.")
    if section["small_batch"] != 256:
        lines.append(f"SB batch size {section['small_batch']} instead of 256.")
    if section["large_batch_fraction"] != 0.1:
        lines.append(f"LB batch = {section['large_batch_fraction']:.0%} of the training set instead of 10%.")
    if len(section["seeds"]) != 5:
        lines.append(f"{len(section['seeds'])} seeds instead of 5 trials.")
    budget = section["budget"]
    if budget.get("patience"):
        lines.append(
            "Stopping rule (ours; the paper trains 'until the loss ceased to improve'): stop when the epoch's mean "
            f"minibatch training loss has not improved by {budget.get('min_delta', 0)} for {budget['patience']} "
            f"epochs, at most {budget['max_epochs']} epochs."
        )
    else:
        lines.append(f"A fixed {budget['max_epochs']} epochs instead of training until the loss stops improving.")
    lines.append("The networks output logits; softmax + cross-entropy is computed in the loss (same function, stable).")
    lines.extend(f"{network} not run: {reason}" for network, reason in section.get("not_reproduced", {}).items())
    return lines


def table2_markdown(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "network (paper's)": table["network"] + " (" + table["paper_network"] + ")",
        "regime": table["regime"],
        "batch": table["batch_size"],
        "seeds (diverged)": table["n_seeds"].astype(str) + " (" + table["n_diverged"].astype(str) + ")",
        "epochs (mean)": table["mean_epochs"].map("{:.0f}".format),
        "train % (ours)": plus_minus(table["train_accuracy_mean"], table["train_accuracy_std"]),
        "train % (paper)": plus_minus(table["paper_train_accuracy_mean"], table["paper_train_accuracy_std"]),
        "test % (ours)": plus_minus(table["test_accuracy_mean"], table["test_accuracy_std"]),
        "test % (paper)": plus_minus(table["paper_test_accuracy_mean"], table["paper_test_accuracy_std"]),
    })  # fmt: skip
    return markdown_table(shown)


def render(config: dict[str, Any], report_dir: Path) -> str:
    table = pd.read_csv(report_dir / "tables" / "keskar2017_table2.csv")
    section = config["keskar2017"]
    lines = [
        f"## {paper.TITLE}",
        "",
        f"Setup: Adam (learning rate {section['optimizer']['learning_rate']}), SB = {section['small_batch']} examples, "
        f"LB = {section['large_batch_fraction']:.0%} of the training set, {len(section['seeds'])} seeds per regime, "
        "mean cross-entropy, no augmentation.",
        "",
        "Deviations from the paper:",
        "",
        *[f"- {line}" for line in deviations(config)],
        "",
        "### Table 2: accuracy of small-batch (SB) and large-batch (LB) training",
        "",
        "Mean ± standard deviation over seeds; the paper's numbers are for its own network and data set. "
        "What to look for: LB test accuracy below SB at similar (near 100%) training accuracy. "
        "Data: `tables/keskar2017_table2.csv`.",
        "",
        table2_markdown(table),
        "",
        "![Accuracy of SB and LB runs](figures/keskar2017_table2.png)",
        "",
        "*Left: training (solid) and test (dashed) accuracy against epochs, one line per seed. Right: final test "
        "accuracy per seed, the bar is the mean. Look for LB (red) ending below SB (blue) on test accuracy while "
        "both reach similar training accuracy.*",
        "",
    ]
    diverged = int(table["n_diverged"].sum())
    if diverged:
        lines += [f"**{diverged} run(s) diverged** and are left out of the means (counted in the table).", ""]
    return "\n".join(lines)
