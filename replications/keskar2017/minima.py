"""Keskar et al. 2017: the minima SB and LB find - sharpness (Tables 3-4), parametric plots (Fig. 3), distances."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replications import claims
from replications.keskar2017 import layout, paper
from replications.keskar2017.config import KeskarConfig
from replications.keskar2017.experiment import schedule_for, seed_pairs
from replications.keskar2017.layout import SB_AND_LB
from replications.sharpness import (
    Curvature,
    KerasLoss,
    SharpnessResult,
    Subspace,
    estimate_curvature,
    flat_weights,
    half_widths,
    predicted_curvature_rise,
    random_subspace,
    sharpness,
)
from replications.typed_config import CoreConfig

SPACES = ("full", "subspace")


def load_trained_model(core: CoreConfig, keskar: KeskarConfig, network: str, run: str, seed: int, weights: str | None = None):
    """The network of a finished run with its final weights (or a snapshot's), and its data set."""
    import keras

    from replications.data import dataset_from_config
    from replications.models import build_model

    spec = keskar.networks[network]
    dataset = dataset_from_config(spec.data)
    keras.utils.set_random_seed(seed)
    model = build_model(spec.model, dataset.input_shape, dataset.num_classes)
    model.load_weights(weights or layout.run_file(core.results_dir, network, run, seed, "model.weights.h5"))
    return model, dataset


def settle(core: CoreConfig, keskar: KeskarConfig, model, dataset, network: str, run: str, seed: int) -> None:
    """`keskar.sharpness.settle.epochs` more epochs of the run's last batch size at a decayed learning rate (a fresh
    optimizer, seeded), so the point measured is nearer a stationary point of the training loss."""
    from replications.training import Trainer, make_optimizer

    settling = keskar.sharpness.settle
    if settling.epochs == 0:
        return
    learning_rate = settling.learning_rate_factor * keskar.optimizer["learning_rate"]
    trainer = Trainer(model, make_optimizer({**keskar.optimizer, "learning_rate": learning_rate}), dataset,
                      eval_batch_size=core.runtime.eval_batch_size)
    last_batch_size = schedule_for(keskar, network, run).phases[-1].batch_size
    rng = np.random.default_rng(seed)
    for _ in range(settling.epochs):
        trainer.run_epoch(rng.permutation(dataset.num_train).astype(np.int32), last_batch_size)


def measure_sharpness(core: CoreConfig, keskar: KeskarConfig, network: str, run: str, seed: int) -> list[dict[str, Any]]:
    """phi of one trained model, after settling (`settle`): every epsilon in both spaces for SB and LB (Tables 3-4),
    with the curvature estimates that predict it; the full space at the first epsilon for the sweep and warm-start runs
    (all their figures use)."""
    metric = keskar.sharpness
    model, dataset = load_trained_model(core, keskar, network, run, seed)
    settle(core, keskar, model, dataset, network, run, seed)
    loss = KerasLoss(model, dataset.x_train, dataset.y_train, core.runtime.eval_batch_size)
    weights = loss.weights
    # One subspace per seed, shared by SB and LB so the two are measured in the same directions.
    tables = run in SB_AND_LB
    subspace = curvature = None
    if tables:
        matrix = random_subspace(len(weights), metric.subspace_dimension, seed=seed, kind=metric.subspace_columns, unit_columns=metric.unit_columns)
        subspace = Subspace.around(matrix, weights)
        if metric.curvature.probes:
            curvature = estimate_curvature(lambda vector: loss.hessian_vector_product(weights, vector), len(weights),
                                           metric.curvature.probes, metric.curvature.lanczos_steps, seed)
    rows = []
    for space in SPACES if tables else ("full",):
        for epsilon in metric.epsilons if tables else metric.epsilons[:1]:
            started = time.perf_counter()
            result = sharpness(
                loss.loss_and_gradient, weights, epsilon,
                subspace=subspace if space == "subspace" else None,
                max_iterations=metric.max_iterations,
            )
            rows.append({
                "network": network, "run": run, "seed": seed, "space": space, "epsilon": epsilon,
                "seconds": time.perf_counter() - started, "num_parameters": len(weights),
                "num_examples": len(dataset.y_train), "settle_epochs": metric.settle.epochs, **result.as_dict(),
                **predicted_sharpness(curvature, weights, epsilon, subspace if space == "subspace" else None, result),
            })
    return rows


def predicted_sharpness(curvature: Curvature | None, weights: np.ndarray, epsilon: float, subspace: Subspace | None,
                        result: SharpnessResult) -> dict[str, float]:
    """phi as the quadratic model predicts it from the curvature estimates alone: the measured first-order rise plus
    `predicted_curvature_rise` on this space's box (NaN without estimates)."""
    if curvature is None:
        return {"hessian_trace": np.nan, "hessian_top_eigenvalue": np.nan, "predicted_sharpness": np.nan}
    columns = None if subspace is None else np.linalg.norm(subspace.matrix, axis=0)
    rise = predicted_curvature_rise(curvature, half_widths(weights, epsilon, subspace), columns)
    return {"hessian_trace": curvature.trace, "hessian_top_eigenvalue": curvature.top_eigenvalue,
            "predicted_sharpness": result.first_order + 100.0 * rise / (1.0 + result.loss_at_minimum)}


def collect_sharpness(sharpness_files: list[str]) -> pd.DataFrame:
    """Every measurement of the sharpness.json files, in their order."""
    return pd.DataFrame([row for path in sharpness_files for row in json.loads(Path(path).read_text())])


def first_order_limit(keskar: KeskarConfig, network: str, space: str, epsilon: float) -> float:
    """The largest first-order rise a minimum at epsilon may have in this cell: a share of the paper's SB phi there
    (Tables 3-4), fixed before the runs and independent of our phi."""
    published = paper.SHARPNESS.get(keskar.networks[network].paper_row, {}).get((space, epsilon))
    if published is None:
        raise ValueError(f"the paper gives no SB sharpness for {network} ({space}, eps = {epsilon:g}): no validity limit for it")
    return keskar.claims.sharper_minima.max_first_order_share_of_paper * published["SB"][0]


def minimum_failures(group: pd.DataFrame, limit: float) -> list[str]:
    """Why the measured points of `group` are not minima at their epsilon: a first-order rise above `limit` (the slope
    alone lifts the loss over the box), a solver stalled at a zero gradient, or no finite measurement (a diverged run).
    Empty: every point is valid."""
    failures = []
    for row in group.itertuples():
        if not (np.isfinite(row.first_order) and np.isfinite(row.sharpness)):
            failures.append(f"{row.run} seed {row.seed}: no finite measurement")
        elif row.first_order > limit:
            failures.append(f"{row.run} seed {row.seed}: first-order rise {row.first_order:.3g} > {limit:.3g}")
        elif row.stalled:
            failures.append(f"{row.run} seed {row.seed}: the solver stalled")
    return failures


def not_minima(group: pd.DataFrame, limit: float) -> str:
    """The validity failure of a cell that reads the points of `group` ('' if every one is a minimum at epsilon)."""
    failures = minimum_failures(group, limit)
    if not failures:
        return ""
    return f"{len(failures)} of {len(group)} points are not minima at eps ({'; '.join(failures[:3])}{'; ...' if len(failures) > 3 else ''})"


def minimum_check(limit: float) -> str:
    """The validity check of a sharpness cell, as the report states it."""
    return (f"every point measured is a minimum at epsilon: the rise a linear model of f reaches on the box (from the gradient "
            f"alone) is at most {limit:.3g} (half the paper's SB phi in this cell), and the solver moved")


def sharpness_table(keskar: KeskarConfig, measured: pd.DataFrame) -> pd.DataFrame:
    """Tables 3 and 4: mean and std of phi over seeds per network, space, epsilon and regime, beside the paper; the
    points that are not minima at epsilon (`minimum_failures`), and phi as the curvature estimates predict it."""
    rows = []
    for (network, space, epsilon, regime), group in measured.groupby(["network", "space", "epsilon", "run"], sort=False):
        paper_row = keskar.networks[network].paper_row
        published = paper.SHARPNESS.get(paper_row, {}).get((space, epsilon), {}).get(regime, (np.nan, np.nan))
        limit = first_order_limit(keskar, network, space, epsilon)
        failing = len(minimum_failures(group, limit))
        rows.append({
            "network": network, "paper_network": paper_row, "space": space, "epsilon": epsilon, "regime": regime,
            "n_seeds": len(group), "sharpness_mean": group["sharpness"].mean(), "sharpness_std": group["sharpness"].std(),
            "paper_sharpness_mean": published[0], "paper_sharpness_std": published[1],
            "predicted_sharpness_mean": group["predicted_sharpness"].mean(),
            "mean_iterations": group["iterations"].mean(), "mean_evaluations": group["evaluations"].mean(),
            "mean_on_boundary": group["on_boundary"].mean(), "n_stalled": int(group["stalled"].sum()),
            "mean_gradient_norm": group["gradient_norm"].mean(),
            "mean_full_gradient_norm": group["full_gradient_norm"].mean(),
            "first_order_mean": group["first_order"].mean(), "first_order_max": group["first_order"].max(), "first_order_limit": limit,
            "curvature_mean": group["curvature"].mean(), "first_order_share": first_order_share(group),
            "n_not_minimum": failing, "is_minimum": failing == 0,
            "gradient_reduction_needed": max(1.0, group["first_order"].max() / limit),
            "hessian_trace_mean": group["hessian_trace"].mean(), "hessian_top_eigenvalue_mean": group["hessian_top_eigenvalue"].mean(),
            "settle_epochs": int(group["settle_epochs"].iloc[0]), "mean_seconds": group["seconds"].mean(),
            "num_parameters": int(group["num_parameters"].iloc[0]), "num_examples": int(group["num_examples"].iloc[0]),
        })
    return pd.DataFrame(rows)


def first_order_share(group: pd.DataFrame) -> float:
    """The share of phi that its first-order (slope) part makes up, over the group's measurements (a description:
    it involves phi, the outcome, so no verdict reads it)."""
    return float(group["first_order"].sum() / group["sharpness"].sum()) if group["sharpness"].sum() > 0 else float("nan")


def subspace_ratio_table(keskar: KeskarConfig, measured: pd.DataFrame) -> pd.DataFrame:
    """phi_subspace / phi_full per network, regime and epsilon: measured (geometric mean over seeds of each model's
    ratio), predicted from the same models' curvature estimates, and the paper's (Table 4 / Table 3)."""
    keys = ["network", "run", "seed", "epsilon"]
    sides = measured.pivot_table(index=keys, columns="space", values=["sharpness", "predicted_sharpness"], dropna=False).reset_index()
    rows = []
    for (network, regime, epsilon), group in sides.groupby(["network", "run", "epsilon"], sort=False):
        measured_ratio = geometric_mean(group[("sharpness", "subspace")] / group[("sharpness", "full")])
        predicted_ratio = geometric_mean(group[("predicted_sharpness", "subspace")] / group[("predicted_sharpness", "full")])
        published = paper.SHARPNESS.get(keskar.networks[network].paper_row, {})
        paper_ratio = (published[("subspace", epsilon)][regime][0] / published[("full", epsilon)][regime][0]
                       if ("subspace", epsilon) in published else np.nan)
        rows.append({"network": network, "regime": regime, "epsilon": epsilon, "n_seeds": len(group),
                     "measured_ratio": measured_ratio, "predicted_ratio": predicted_ratio, "paper_ratio": paper_ratio,
                     "measured_over_predicted": measured_ratio / predicted_ratio,
                     "within_10x_of_prediction": bool(0.1 <= measured_ratio / predicted_ratio <= 10) if np.isfinite(predicted_ratio) else None})
    return pd.DataFrame(rows)


def geometric_mean(ratios: pd.Series) -> float:
    """exp(mean log) of positive ratios; NaN if any is missing or not positive (no estimate, or a negative trace)."""
    values = ratios.to_numpy(dtype=float)
    return float(np.exp(np.log(values).mean())) if len(values) and np.all(values > 0) else float("nan")


def sharpness_claims(keskar: KeskarConfig, measured: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """Claim: LB minima are sharper than SB minima. One family; a cell per network, space and epsilon, each a paired
    t-test on log(phi_LB / phi_SB) over seeds (SB and LB of a seed share the subspace and the initialisation). A cell
    whose points are not all minima at its epsilon (`minimum_failures`) is not measured."""
    rule = keskar.claims.sharper_minima
    rows = []
    for (network, space, epsilon), group in measured.groupby(["network", "space", "epsilon"], sort=False):
        pairs = seed_pairs(group.assign(log_sharpness=np.log(group["sharpness"].clip(lower=1e-12))), "log_sharpness", "SB", "LB")
        paper_row = keskar.networks[network].paper_row
        published = paper.SHARPNESS.get(paper_row, {}).get((space, epsilon))
        where = "Table 3, full space" if space == "full" else "Table 4, random subspace"
        row = claims.gap_row(
            pairs["LB"], pairs["SB"], paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power,
            paper_effect=float(np.log(published["LB"][0] / published["SB"][0])) if published else float("nan"),
            unit="log phi ratio",
            paper=paper.PAPER, family="sharper_minima", claim_id=f"sharper_minima_{network}_{space}_{epsilon:g}",
            statement=f"{network}: LB minima are sharper than SB minima ({where}, eps = {epsilon:g})",
            paper_value=f"SB {published['SB'][0]:.2f} vs LB {published['LB'][0]:.2f}" if published else "-",
            our_value=f"SB {np.exp(pairs['SB']).mean():.3g} vs LB {np.exp(pairs['LB']).mean():.3g}",
            test="paired t-test on log(phi_LB / phi_SB) over seeds, one-sided",
        )
        limit = first_order_limit(keskar, network, space, epsilon)
        rows.append(claims.validated(row, minimum_check(limit), not_minima(group, limit)))
    return rows


def interpolate(core: CoreConfig, keskar: KeskarConfig, network: str, seed: int) -> pd.DataFrame:
    """Fig. 3: loss and accuracy of alpha * x_LB + (1 - alpha) * x_SB over the paper's grid of alpha.

    Only trainable weights are interpolated; BN statistics are recomputed on the training set
    for every alpha (interpolated variances can go negative outside [0, 1]).
    """
    from replications.training import Trainer, make_optimizer

    parametric = keskar.parametric
    small, dataset = load_trained_model(core, keskar, network, "SB", seed)
    large, _ = load_trained_model(core, keskar, network, "LB", seed)
    x_sb = [variable.numpy() for variable in small.trainable_variables]
    x_lb = [variable.numpy() for variable in large.trainable_variables]
    trainer = Trainer(small, make_optimizer(keskar.optimizer), dataset, eval_batch_size=core.runtime.eval_batch_size)
    rows = []
    for alpha in np.linspace(parametric.alpha_min, parametric.alpha_max, parametric.points):
        for variable, sb, lb in zip(small.trainable_variables, x_sb, x_lb):
            variable.assign(alpha * lb + (1 - alpha) * sb)
        recompute_batch_norm_statistics(small, dataset.x_train[: parametric.batch_norm_examples])
        train_loss, train_accuracy = trainer.evaluate(dataset.x_train, dataset.y_train)
        test_loss, test_accuracy = trainer.evaluate(dataset.x_test, dataset.y_test)
        rows.append({"network": network, "seed": seed, "alpha": round(float(alpha), 6), "train_loss": train_loss,
                     "train_accuracy": train_accuracy, "test_loss": test_loss, "test_accuracy": test_accuracy})
    return pd.DataFrame(rows)


def recompute_batch_norm_statistics(model, x: np.ndarray) -> None:
    """Set every BN layer's moving mean and variance to the statistics of `x` (dropout off)."""
    import keras

    batch_norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    saved = [layer.momentum for layer in batch_norms], [layer.rate for layer in dropouts]
    for layer in batch_norms:
        layer.momentum = 0.0  # moving statistics := this batch's statistics
    for layer in dropouts:
        layer.rate = 0.0
    try:
        model(x, training=True)
    finally:
        for layer, momentum in zip(batch_norms, saved[0]):
            layer.momentum = momentum
        for layer, rate in zip(dropouts, saved[1]):
            layer.rate = rate


def steepness(curve: pd.DataFrame, offset: float) -> tuple[float, float]:
    """Rise of the training loss a step `offset` beyond each minimum: (around x_SB at alpha=-offset, around x_LB at 1+offset)."""
    loss = curve.set_index("alpha")["train_loss"]

    def at(alpha: float) -> float:
        return float(loss.iloc[np.argmin(np.abs(loss.index.to_numpy() - alpha))])

    return at(-offset) - at(0.0), at(1.0 + offset) - at(1.0)


def steepness_claims(keskar: KeskarConfig, curves: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """Claim (Fig. 3): the training loss rises more steeply around x_LB than around x_SB (paired over seeds)."""
    parametric = keskar.parametric
    rule = keskar.claims.steeper_around_large_batch
    rows = []
    for network, group in curves.groupby("network", sort=False):
        rises = np.array([steepness(curve, parametric.offset) for _, curve in group.groupby("seed")])
        sb_rise, lb_rise = rises[:, 0], rises[:, 1]
        rows.append(claims.gap_row(
            lb_rise, sb_rise, paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power, unit="loss",
            paper=paper.PAPER, family="steeper_around_large_batch", claim_id=f"steeper_around_large_batch_{network}",
            statement=f"{network}: the training loss rises more steeply around the LB minimum than around the SB minimum (Fig. 3)",
            paper_value="qualitative (Fig. 3)",
            our_value=f"rise over {parametric.offset} in alpha: SB {sb_rise.mean():.3g} vs LB {lb_rise.mean():.3g}",
            test=(f"paired t-test over seeds, one-sided (LB rise > SB rise); rise = f(1 + {parametric.offset}) - f(1) for LB, "
                  f"f(-{parametric.offset}) - f(0) for SB"),
        ))
    return rows


def parametric_figure(curves: pd.DataFrame, network: str, seed: int, path: str | Path) -> None:
    """Fig. 3 layout: cross-entropy (left axis) and accuracy (right axis); solid train, dashed test."""
    from replications import plots

    curve = curves[(curves["network"] == network) & (curves["seed"] == seed)]
    figure, (axis,) = plots.new_figure(width=5.0, height=3.4)
    accuracy_axis = axis.twinx()
    axis.plot(curve["alpha"], curve["train_loss"], color="tab:blue", label="train cross-entropy")
    axis.plot(curve["alpha"], curve["test_loss"], color="tab:blue", ls="--", label="test cross-entropy")
    accuracy_axis.plot(curve["alpha"], 100 * curve["train_accuracy"], color="tab:red", label="train accuracy")
    accuracy_axis.plot(curve["alpha"], 100 * curve["test_accuracy"], color="tab:red", ls="--", label="test accuracy")
    axis.set(xlabel="alpha  (0 = SB minimum, 1 = LB minimum)", ylabel="cross-entropy", yscale="log",
             title=f"{network}, seed {seed}: f(alpha x_LB + (1 - alpha) x_SB)")
    accuracy_axis.set_ylabel("accuracy (%)", color="tab:red")
    accuracy_axis.grid(False)
    for alpha in (0, 1):
        axis.axvline(alpha, color="gray", lw=0.6)
    lines = axis.get_legend_handles_labels()
    more = accuracy_axis.get_legend_handles_labels()
    axis.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper center")
    plots.save(figure, path)


def distance_table(runs: pd.DataFrame) -> pd.DataFrame:
    """||x_SB - x0|| / ||x_LB - x0|| per network and seed (SB and LB of a seed share x0)."""
    pivot = runs.pivot_table(index=["network", "seed"], columns="run", values="distance_from_init").reset_index()
    pivot["ratio_sb_to_lb"] = pivot["SB"] / pivot["LB"]
    pivot["paper_ratio_low"], pivot["paper_ratio_high"] = paper.DISTANCE_RATIO_RANGE
    return pivot.rename(columns={"SB": "sb_distance_from_init", "LB": "lb_distance_from_init"})


def rescale_relu_pair(model, alpha: float) -> None:
    """Dinh et al. 2017: multiply the first BN layer's gamma and beta by alpha and divide the next kernel by alpha.

    ReLU (and max pooling, flattening, dropout at inference) are positively homogeneous, so for
    alpha > 0 the network computes exactly the same function.
    """
    import keras

    if not alpha > 0:
        raise ValueError(f"the rescaling needs alpha > 0, got {alpha}")
    layers = model.layers
    first = next(index for index, layer in enumerate(layers) if isinstance(layer, keras.layers.BatchNormalization))
    following = next(layer for layer in layers[first + 1 :] if hasattr(layer, "kernel"))
    layers[first].gamma.assign(layers[first].gamma * alpha)
    layers[first].beta.assign(layers[first].beta * alpha)
    following.kernel.assign(following.kernel / alpha)


def rescaling_check(core: CoreConfig, keskar: KeskarConfig, network: str, seed: int) -> pd.DataFrame:
    """Outputs and full-space sharpness (first epsilon) of the settled SB model of `seed` after rescaling by each alpha:
    the model loaded and settled once, each alpha rescaling the settled weights, one traced loss for them all."""
    epsilon = keskar.sharpness.epsilons[0]
    model, dataset = load_trained_model(core, keskar, network, "SB", seed)
    settle(core, keskar, model, dataset, network, "SB", seed)  # the point Tables 3-4 measure
    settled = [variable.numpy() for variable in model.variables]
    reference = model(dataset.x_train, training=False).numpy()
    loss = KerasLoss(model, dataset.x_train, dataset.y_train, core.runtime.eval_batch_size)
    rows = []
    for alpha in keskar.rescaling.alphas:
        for variable, value in zip(model.variables, settled):
            variable.assign(value)
        rescale_relu_pair(model, alpha)
        outputs = model(dataset.x_train, training=False).numpy()
        result = sharpness(loss.loss_and_gradient, flat_weights(model.trainable_variables), epsilon,
                           max_iterations=keskar.sharpness.max_iterations)
        rows.append({
            "network": network, "seed": seed, "alpha": alpha, "epsilon": epsilon,
            "max_abs_logit_change": float(np.max(np.abs(outputs - reference))),
            "max_abs_logit": float(np.max(np.abs(reference))),
            "train_loss": result.loss_at_minimum, "sharpness": result.sharpness,
        })
    return pd.DataFrame(rows)
