"""The Smith et al. 2018 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from replications.report_tools import markdown_table, plus_minus, render_template
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


def network_description(model: dict[str, Any]) -> str:
    """The trained network in words, from its config block."""
    normalisation = f"ghost batch normalisation (ghost batch {model['ghost_batch_size']})" if model.get("ghost_batch_size") else "batch normalisation"
    decay = f", weight decay {model['weight_decay']:g}" if model.get("weight_decay") else ""
    if model["name"] == "wide_resnet":
        return f"a {model['depth']}-layer Wide ResNet (width factor {model.get('width_factor', 4)}) with {normalisation}{decay}"
    if model["name"] == "f1":
        return f"a fully connected network ({model.get('depth', 5)} x {model.get('width', 512)} units) with {normalisation}{decay}"
    return f"the `{model['name']}` network{decay}"


def control_sentence(claims: pd.DataFrame, control: str) -> str:
    """What the negative control's rows say about the teeth of the equivalence tests."""
    rows = claims[claims["family"] == "negative_control"]
    if rows.empty:
        return "The negative control has no rows (no seed finished both settings)."
    verdicts = ", ".join(f"`{claim_id}` {verdict}" for claim_id, verdict in zip(rows["claim_id"], rows["verdict"]))
    toothless = rows[rows["verdict"] == "not reproduced"]["claim_id"].tolist()
    meaning = ("every test told the control apart: an equivalence they grant is not an artefact of a test that grants everything."
               if (rows["verdict"] == "reproduced").all() else
               f"a test that calls the control equivalent has no teeth here, and its equivalences say little ({toothless})." if toothless else
               "a test that could not tell the control apart either way is too weak to be read as evidence of equivalence.")
    return f"Negative control (`{control}`: the learning rate and batch never change) through the same tests: {verdicts}; {meaning}"


def render(config: dict[str, Any], report_dir: Path, claims: pd.DataFrame) -> str:
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
    })
    mismatched = summary[summary["updates"] != summary["scheduled_updates"]]
    switches = summary[summary["n_switches"] > 0]
    switch_cost = (switches["switch_seconds"] * switches["n_switches"]).sum() / max(switches["n_switches"].sum(), 1)
    reference = summary.set_index("setting")["test_accuracy_mean"].get(f"{next(iter(smith.comparisons))}-decaying_learning_rate", float("nan"))
    return render_template(
        Path(__file__).with_name("section.md.j2"), paper=paper, smith=smith, scale=config["scale"], network=network_description(smith.model),
        steps=", ".join(f"{kind} {spec.batch_steps}" for kind, spec in smith.schedules.items()), reference=reference,
        control=control_sentence(claims, smith.negative_control), summary_table=markdown_table(shown),
        mismatched=list(mismatched["setting"]) if not mismatched.empty else None, switch_cost=switch_cost,
        switches=int(switches["n_switches"].sum()),
        protocol_table=markdown_table(protocol.assign(scheduled_updates=protocol["scheduled_updates"].map("{:,}".format))),
    )
