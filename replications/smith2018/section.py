"""The Smith et al. 2018 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.report_tools import markdown_table, plus_minus
from replications.smith2018 import paper
from replications.smith2018.config import SmithConfig

TABLES = {
    "smith2018_summary.csv": {
        "setting, optimizer, schedule": "'<optimizer>-<schedule>', or a variant's name (increasing batch from a larger start)",
        "learning_rate, momentum": "initial learning rate; momentum (0: none)",
        "batch_sizes, learning_rates, noise_scales": "per phase of the schedule; noise scale g = lr N / (B (1 - m))",
        "test_accuracy_mean, test_accuracy_std, train_loss_mean": "at the last epoch, over the finished seeds (fractions; cross-entropy)",
        "n_seeds, n_diverged": "runs, and runs whose loss became NaN/inf",
        "updates, scheduled_updates": "parameter updates measured in the runs, and computed from the schedule (sum of ceil(N / B))",
        "paper_updates": "the paper's count for the same schedule on CIFAR-10 (text)",
        "switch_seconds, n_switches": "mean extra seconds of the first epoch after a batch-size change (compiling the new size), and how many",
    },
    "smith2018_protocol_updates.csv": {
        "schedule": "the paper's CIFAR-10 protocol (N = 50,000, 200 epochs) with each schedule or Fig. 6 variant",
        "batch_sizes, learning_rates": "per phase",
        "scheduled_updates, paper_updates": "updates computed by our schedule arithmetic; the number the paper (or a reproduction) reports",
    },
}


def render(config: dict[str, Any], report_dir: Path) -> str:
    smith = SmithConfig.from_config(config)
    summary = pd.read_csv(report_dir / "tables" / "smith2018_summary.csv", keep_default_na=False, na_values=[""])
    protocol = pd.read_csv(report_dir / "tables" / "smith2018_protocol_updates.csv", keep_default_na=False)
    shown = pd.DataFrame({
        "setting": summary["setting"], "batch": summary["batch_sizes"], "lr": summary["learning_rates"],
        "noise scale g": summary["noise_scales"],
        "test accuracy %": plus_minus(100 * summary["test_accuracy_mean"], 100 * summary["test_accuracy_std"]),
        "updates": summary["updates"].map("{:,}".format),
        "paper's updates (CIFAR-10)": summary["paper_updates"].fillna(""),
        "diverged": summary["n_diverged"].astype(str) + " / " + summary["n_seeds"].astype(str),
    })  # fmt: skip
    mismatched = summary[summary["updates"] != summary["scheduled_updates"]]
    switches = summary[summary["n_switches"] > 0]
    switch_cost = (switches["switch_seconds"] * switches["n_switches"]).sum() / max(switches["n_switches"].sum(), 1)
    data, model = smith.data, smith.model
    steps = ", ".join(f"{kind} {spec.batch_steps}" for kind, spec in smith.schedules.items())
    return "\n".join([
        f"## {paper.TITLE}",
        "",
        f"Setup: a {model['depth']}-layer Wide ResNet (width factor {model.get('width_factor', 4)}) with ghost batch "
        f"normalisation (ghost batch {model.get('ghost_batch_size', 128)}), weight decay {model.get('weight_decay', 5e-4):g}, "
        f"on `{data['name']}`; {smith.epochs} epochs with steps at epochs {list(smith.step_epochs)}, factor "
        f"{smith.factor:g}, initial batch {smith.initial_batch_size}, batch capped at {smith.max_batch_size} "
        f"(past the cap the learning rate decays instead); seeds {list(smith.seeds)}. A schedule grows the batch at its first "
        f"`batch_steps` steps: {steps}.",
        "",
        "Deviations from the paper:" if config["scale"] != "paper" else "Notes:",
        "",
        *([f"- Data and network: `{data['name']}` with a {model['depth']}-layer, width-{model.get('width_factor', 4)} "
           "Wide ResNet instead of CIFAR-10 with WRN-16-4 (no offline CIFAR-10 at quick scale); epochs and step epochs "
           "scaled to the same fractions of the run; batch sizes scaled to keep the cap at N/10."]
          if config["scale"] != "paper" else []),
        "- Weight decay, augmentation, ghost batch size and the step epochs are marked unverified in our notes of the paper.",
        "- The learning rates of plain SGD, Nesterov and Adam are our choices (the config says which).",
        "- The paper's update counts come from secondary summaries and a PyTorch reproduction.",
        *(["- The quick task is easier than CIFAR-10: test accuracy levels off near its ceiling in the second phase, "
           "which makes equal final accuracy easier to show than on CIFAR-10; the curves against epochs are the "
           "stronger evidence."] if config["scale"] != "paper" else []),
        "",
        "### Schedules and results",
        "",
        "Data: `tables/smith2018_summary.csv`. Updates are counted in the runs; they equal the count computed from the "
        "schedule" + (" in every setting." if mismatched.empty else f" except in {list(mismatched['setting'])} (a run stopped early)."),
        "",
        markdown_table(shown),
        "",
        f"A batch-size change costs {switch_cost:.2f} s on average ({int(switches['n_switches'].sum())} changes): the first "
        "epoch at a new size traces and compiles that size's training loop once; the model is not rebuilt.",
        "",
        "![Schedules](figures/smith2018_schedules.png)",
        "",
        "*Fig. 1: the learning rate and the batch size of each schedule, drawn from the config that trains them.*",
        "",
        "![Schedules with momentum](figures/smith2018_schedules_momentum.png)",
        "",
        "*Figs. 2-3: test accuracy against epochs and against parameter updates, and training cross-entropy (full training "
        "set, inference mode) against epochs, mean over seeds. Look for curves that coincide against epochs and "
        "separate against updates.*",
        "",
        "![Other optimizers](figures/smith2018_optimizers.png)",
        "",
        "*Figs. 4-5: the same comparison with the other optimizers.*",
        "",
        "![Variants](figures/smith2018_variants.png)",
        "",
        "*Fig. 6: increasing the batch from a larger start, with a larger learning rate (B ∝ lr) and a larger momentum "
        "(B ∝ 1/(1 - m)); the noise scale of the first phase stays the same.*",
        "",
        "### The paper's protocol, counted",
        "",
        "Our schedule arithmetic applied to the CIFAR-10 protocol (N = 50,000, 200 epochs, steps at 60, 120, 160, batch "
        "128, cap 5,120), beside the counts reported. Data: `tables/smith2018_protocol_updates.csv`.",
        "",
        markdown_table(protocol.assign(scheduled_updates=protocol["scheduled_updates"].map("{:,}".format))),
        "",
    ])  # fmt: skip
