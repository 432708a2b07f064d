"""Smith et al. 2018: tables, figures and claim rows from the per-epoch histories of every setting."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from replications import claims, plots
from replications.data import train_size
from replications.histories import last_epochs
from replications.smith2018 import layout, paper
from replications.smith2018.config import SmithConfig
from replications.smith2018.experiment import switch_seconds
from replications.smith2018.protocol import Setting, noise_scales, scheduled_updates, setting_schedule, settings, step_schedule

REFERENCE = "decaying_learning_rate"
INCREASING = "increasing_batch_size"
SCHEDULE_COLORS = {REFERENCE: "#1f77b4", "hybrid": "#2ca02c", INCREASING: "#d62728"}
SCHEDULE_LINES = {REFERENCE: "-", "hybrid": "--", INCREASING: ":"}  # coinciding schedules stay visible
VARIANT_COLORS = {"increased_learning_rate": "#9467bd", "increased_momentum": "#ff7f0e"}


def main_optimizer(smith: SmithConfig) -> str:
    """The paper's optimizer (momentum SGD): the first of the comparisons."""
    return next(iter(smith.comparisons))


def final_epochs(histories: pd.DataFrame) -> pd.DataFrame:
    """The last epoch of every (setting, seed)."""
    return last_epochs(histories, ["setting", "seed"], sort_kind="quicksort").reset_index(drop=True)  # as the tables have been


def _arrow(values: list[float], form: str) -> str:
    return " → ".join(form.format(value) for value in values)


def paper_updates(smith: SmithConfig, name: str, setting: Setting) -> str:
    if name in paper.UPDATES:
        return paper.UPDATES[name]
    return paper.UPDATES.get(setting.schedule_kind, "") if setting.optimizer == main_optimizer(smith) else ""


def summary_table(smith: SmithConfig, histories: pd.DataFrame) -> pd.DataFrame:
    """Per setting: schedule phases, noise scale per phase, final test accuracy over seeds, updates, switch cost."""
    size = train_size(smith.data)
    finals = final_epochs(histories)
    rows = []
    for name, setting in settings(smith).items():
        schedule = setting_schedule(smith, setting)
        runs = finals[finals["setting"] == name]
        finished = runs[~runs["diverged"].astype(bool)]
        is_sgd = setting.optimizer_config["name"] == "sgd"
        switches = [cost for _, run in histories[histories["setting"] == name].groupby("seed") for cost in switch_seconds(run)]
        rows.append({
            "setting": name, "optimizer": setting.optimizer, "schedule": setting.schedule_kind,
            "learning_rate": setting.learning_rate, "momentum": setting.momentum,
            "batch_sizes": _arrow([phase.batch_size for phase in schedule.phases], "{:d}"),
            "learning_rates": _arrow([phase.learning_rate for phase in schedule.phases], "{:.3g}"),
            # The noise scale is SGD's; Adam rescales its steps, so g does not apply.
            "noise_scales": _arrow(noise_scales(schedule, size, setting.momentum), "{:.3g}") if is_sgd else "n/a (Adam)",
            "test_accuracy_mean": finished["test_accuracy"].mean(), "test_accuracy_std": finished["test_accuracy"].std(),
            "train_loss_mean": finished["train_loss"].mean(),
            "n_seeds": len(runs), "n_diverged": int(runs["diverged"].astype(bool).sum()),
            "updates": int(runs["updates"].max()) if len(runs) else 0,
            "scheduled_updates": scheduled_updates(schedule, size, smith.epochs),
            "paper_updates": paper_updates(smith, name, setting),
            "switch_seconds": float(np.mean(switches)) if switches else float("nan"),
            "n_switches": len(switches),
        })
    return pd.DataFrame(rows)


def protocol_table(smith: SmithConfig) -> pd.DataFrame:
    """The paper's CIFAR-10 protocol through our schedule arithmetic, beside the update counts it reports."""
    protocol = paper.PROTOCOL
    rows = []
    runs = [(kind, kind, {}) for kind in smith.schedules] + [(name, INCREASING, changes) for name, changes in paper.VARIANTS.items()]
    for name, kind, changes in runs:
        schedule = step_schedule(
            learning_rate=changes.get("learning_rate", protocol["learning_rate"]),
            initial_batch_size=changes.get("initial_batch_size", protocol["initial_batch_size"]),
            step_epochs=list(protocol["step_epochs"]), factor=protocol["factor"],
            max_batch_size=protocol["max_batch_size"], batch_steps=smith.schedules[kind].batch_steps,
            anneals=smith.schedules[kind].anneals,
        )
        rows.append({
            "schedule": name,
            "batch_sizes": _arrow([phase.batch_size for phase in schedule.phases], "{:d}"),
            "learning_rates": _arrow([phase.learning_rate for phase in schedule.phases], "{:.3g}"),
            "scheduled_updates": scheduled_updates(schedule, protocol["num_train"], protocol["epochs"]),
            "paper_updates": paper.UPDATES.get(name, ""),
        })
    return pd.DataFrame(rows)


# --- claims ---------------------------------------------------------------------------------------------


SECONDARY = "secondary summaries of the paper, not its text"


def _paired_accuracies(finals: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Final test accuracy of two settings side by side, per seed both finished (a seed's runs share the initialisation)."""
    finished = finals.loc[~finals["diverged"].astype(bool) & finals["setting"].isin([first, second]), ["seed", "setting", "test_accuracy"]]
    return finished.set_index(["seed", "setting"])["test_accuracy"].unstack().reindex(columns=[first, second]).dropna()


def too_few_row(pairs: pd.DataFrame, **text) -> claims.ClaimRow:
    return claims.too_few_seeds(len(pairs), "finished both settings", our_value=f"{len(pairs)} seed pair(s) finished", **text)


def equivalence_claim(smith: SmithConfig, finals: pd.DataFrame, power: float, family: str, claim_id: str, statement: str,
                      paper_value: str, reference: str, candidate: str, control: bool = False) -> claims.ClaimRow:
    """Paired TOST of the final test accuracy of `candidate` against `reference` (`control`: see claims.equivalence_row)."""
    rule = smith.claims.equivalence
    pairs = _paired_accuracies(finals, candidate, reference)
    text = {"paper": paper.PAPER, "family": family, "claim_id": claim_id, "statement": statement, "paper_value": paper_value,
            "test": f"paired TOST over seeds ({candidate} - {reference})"}
    if len(pairs) < 2:
        return too_few_row(pairs, **text)
    a, b = pairs[candidate], pairs[reference]
    return claims.equivalence_row(
        a, b, paired=True, alpha=rule.alpha, margin=rule.margin, power=power, scale=100, unit="pp", control=control, **text,
        our_value=f"{100 * a.mean():.2f}% vs {100 * b.mean():.2f}% (difference {100 * (a.mean() - b.mean()):+.2f} pp)",
    )


# What each curve claim compares, per epoch: the history column, how it is transformed, and how it is shown.
CURVES = {
    "curve_equivalence": ("test_accuracy", lambda values: values, 100, "pp", "test accuracy"),
    "train_loss_equivalence": ("train_loss", np.log, 1, "log ratio", "log training cross-entropy"),
}


def paired_curves(smith: SmithConfig, histories: pd.DataFrame, column: str, transform, candidate: str, reference: str) -> pd.DataFrame:
    """transform(candidate) - transform(reference) of a history column, per epoch after the first step (rows) and
    seed that finished both settings (columns)."""
    chosen = ~histories["diverged"].astype(bool) & histories["setting"].isin([candidate, reference]) & (histories["epoch"] > smith.step_epochs[0])
    finished = histories.loc[chosen, ["epoch", "setting", "seed", column]]  # only what the pivot needs: it runs on every resample
    values = finished.set_index(["epoch", "setting", "seed"])[column].unstack(["setting", "seed"])  # one value per cell
    if candidate not in values.columns.get_level_values(0) or reference not in values.columns.get_level_values(0):
        return pd.DataFrame(index=values.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        differences = transform(values[candidate]) - transform(values[reference])
    return differences.replace([np.inf, -np.inf], np.nan).dropna(axis=1, how="any")  # a zero loss has no log


def curve_claim(smith: SmithConfig, histories: pd.DataFrame, power: float, kind: str, family: str, claim_id: str,
                statement: str, paper_value: str, reference: str, candidate: str, control: bool = False) -> claims.ClaimRow:
    """The `kind` curve (see CURVES) of `candidate` equivalent to `reference`'s at every epoch after the first step."""
    column, transform, scale, unit, label = CURVES[kind]
    rule = getattr(smith.claims, kind)
    differences = paired_curves(smith, histories, column, transform, candidate, reference)
    text = {"paper": paper.PAPER, "family": family, "claim_id": claim_id, "statement": statement, "paper_value": paper_value,
            "test": f"paired TOST at every epoch after epoch {smith.step_epochs[0]} ({label}, {candidate} - {reference})"}
    if differences.shape[1] < 2 or differences.empty:
        return too_few_row(differences.T, **text)
    largest = differences.mean(axis=1).abs().idxmax()
    return claims.curve_equivalence_row(
        differences, alpha=rule.alpha, margin=rule.margin, power=power, scale=scale, unit=unit, control=control, **text,
        our_value=f"largest mean difference {scale * differences.loc[largest].mean():+.3g} {unit} at epoch {largest} "
                  f"(epochs {differences.index.min()}-{differences.index.max()} tested)",
    )


def updates_text(updates: pd.Series, reference: str, candidate: str) -> str:
    """The update counts of two settings (per setting): a fact of their schedules, reported beside the claim it makes worth having."""
    return f"; {updates[candidate]:,} vs {updates[reference]:,} updates ({updates[reference] / updates[candidate]:.1f}x fewer, by the schedule)"


def momentum_cost_claim(smith: SmithConfig, finals: pd.DataFrame, power: float) -> claims.ClaimRow:
    """Raising the momentum costs "a little" accuracy: a gap above min_effect and below max_effect (paired over seeds)."""
    rule = smith.claims.momentum_cost
    pairs = _paired_accuracies(finals, "increased_learning_rate", "increased_momentum")
    text = {
        "paper": paper.PAPER, "family": "momentum_costs_accuracy", "claim_id": "momentum_costs_accuracy",
        "statement": "Raising the momentum (B ∝ 1/(1-m)) cuts updates further but costs a little test accuracy",
        "paper_value": f"{paper.ACCURACY['increased_momentum']}% vs {paper.ACCURACY['increased_learning_rate']}% ({SECONDARY})",
        "test": "paired t-test over seeds, one-sided (increased lr > increased momentum), with an upper limit",
    }
    if len(pairs) < 2:
        return too_few_row(pairs, **text)
    higher, lower = pairs["increased_learning_rate"], pairs["increased_momentum"]
    return claims.gap_row(
        higher, lower, paired=True, alpha=rule.alpha, min_effect=rule.min_effect, max_effect=rule.max_effect, power=power,
        paper_effect=(paper.ACCURACY["increased_learning_rate"] - paper.ACCURACY["increased_momentum"]) / 100,
        scale=100, unit="pp", our_value=f"{100 * lower.mean():.2f}% vs {100 * higher.mean():.2f}%", **text,
    )


def all_claims(smith: SmithConfig, histories: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """The equivalence of each schedule with decaying the learning rate: final accuracy and accuracy curves (one family
    of each per optimizer), training cross-entropy curves (the main optimizer, Fig. 3); the negative control through the
    same three tests; the larger learning rate's equivalence, and the momentum's cost. Update counts follow from the
    schedules: reported, not tested."""
    finals, updates = final_epochs(histories), histories.groupby("setting")["updates"].max()  # the summary table's updates
    main = main_optimizer(smith)
    rows = []
    for optimizer, schedules in smith.comparisons.items():
        for schedule in schedules:
            if schedule in (REFERENCE, smith.negative_control):
                continue
            label = schedule.replace("_", " ")
            paper_value = (f"{paper.ACCURACY[INCREASING]}% vs {paper.ACCURACY[REFERENCE]}% (momentum; {SECONDARY})"
                           if schedule == INCREASING and optimizer == main else "nearly identical curves (Figs. 2-5)")
            reference, candidate = f"{optimizer}-{REFERENCE}", f"{optimizer}-{schedule}"
            row = equivalence_claim(
                smith, finals, power, f"equivalent_accuracy_{optimizer}", f"equivalent_accuracy_{optimizer}_{schedule}",
                f"{optimizer}: {label} reaches the same test accuracy as decaying the learning rate, after the same epochs",
                paper_value, reference, candidate,
            )
            rows.append(dataclasses.replace(row, our_value=row.our_value + updates_text(updates, reference, candidate)))
            rows.append(curve_claim(
                smith, histories, power, "curve_equivalence", f"equivalent_curves_{optimizer}", f"equivalent_curves_{optimizer}_{schedule}",
                f"{optimizer}: {label} follows the test accuracy curve of decaying the learning rate, epoch by epoch",
                "nearly identical curves against epochs (Figs. 2, 4-5)", reference, candidate,
            ))
            if optimizer == main:
                rows.append(curve_claim(
                    smith, histories, power, "train_loss_equivalence", "equivalent_training_loss", f"equivalent_training_loss_{schedule}",
                    f"{optimizer}: {label} follows the training cross-entropy curve of decaying the learning rate",
                    "nearly identical training cross-entropy against epochs (Fig. 3)", reference, candidate,
                ))
    rows += negative_control_claims(smith, finals, histories, power)
    if "increased_learning_rate" in smith.variants:
        reference = f"{main}-{INCREASING}"
        row = equivalence_claim(
            smith, finals, power, "larger_learning_rate_same_accuracy", "larger_learning_rate_same_accuracy",
            "Raising the initial learning rate with the batch (B ∝ lr) keeps the test accuracy of increasing the batch",
            f"{paper.ACCURACY['increased_learning_rate']}% vs {paper.ACCURACY[INCREASING]}% ({SECONDARY}); updates "
            f"{paper.UPDATES['increased_learning_rate']} vs {paper.UPDATES[INCREASING]}", reference, "increased_learning_rate",
        )
        rows.append(dataclasses.replace(row, our_value=row.our_value + updates_text(updates, reference, "increased_learning_rate")))
    if {"increased_learning_rate", "increased_momentum"} <= set(smith.variants):
        rows.append(momentum_cost_claim(smith, finals, power))
    return rows


def negative_control_claims(smith: SmithConfig, finals: pd.DataFrame, histories: pd.DataFrame, power: float) -> list[claims.ClaimRow]:
    """The schedule that never anneals, through the same three equivalence tests: each must tell it apart from decaying
    the learning rate ("reproduced"), or that test has no teeth on this setup ("not reproduced")."""
    main = main_optimizer(smith)
    reference, control = f"{main}-{REFERENCE}", f"{main}-{smith.negative_control}"
    family = "negative_control"
    statement = "Negative control: a schedule that never anneals the noise scale (constant lr and batch) differs from decaying the learning rate"
    paper_value = "annealing the noise scale is what both schedules share (Sec. 2)"
    return [
        equivalence_claim(smith, finals, power, family, "negative_control_final_accuracy", statement + " in final test accuracy",
                          paper_value, reference, control, control=True),
        curve_claim(smith, histories, power, "curve_equivalence", family, "negative_control_accuracy_curve",
                    statement + " in its test accuracy curve", paper_value, reference, control, control=True),
        curve_claim(smith, histories, power, "train_loss_equivalence", family, "negative_control_training_loss",
                    statement + " in its training cross-entropy curve", paper_value, reference, control, control=True),
    ]


# --- figures --------------------------------------------------------------------------------------------


def mean_curves(histories: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per epoch, the mean over finished seeds of the history's columns."""
    runs = histories[(histories["setting"] == name) & ~histories["diverged"].astype(bool)]
    columns = ["updates", "test_accuracy", "train_loss", "learning_rate", "batch_size"]
    return runs.groupby("epoch")[columns].mean().reset_index()


def _plot_accuracy(axes_epochs, axes_updates, histories: pd.DataFrame, lines: dict[str, tuple[str, str]]) -> None:
    """Test accuracy against epochs and against updates (log), one line per setting: {setting: (label, colour, style)}."""
    for name, (label, color, linestyle) in lines.items():
        curve = mean_curves(histories, name)
        axes_epochs.plot(curve["epoch"], 100 * curve["test_accuracy"], color=color, label=label, linestyle=linestyle)
        axes_updates.plot(curve["updates"], 100 * curve["test_accuracy"], color=color, label=label, linestyle=linestyle)
    axes_epochs.set(xlabel="epochs", ylabel="test accuracy %")
    axes_updates.set(xlabel="parameter updates", ylabel="test accuracy %", xscale="log")
    axes_updates.xaxis.set_minor_formatter(NullFormatter())  # a narrow log range would label every minor tick
    axes_updates.legend()


def _schedule_lines(optimizer: str, schedules: list[str]) -> dict[str, tuple[str, str, str]]:
    return {f"{optimizer}-{kind}": (kind.replace("_", " "), SCHEDULE_COLORS.get(kind, "grey"), SCHEDULE_LINES.get(kind, "-")) for kind in schedules}


def write_figures(smith: SmithConfig, histories: pd.DataFrame, figure_dir: str) -> None:
    main = main_optimizer(smith)
    all_settings = settings(smith)

    # Fig. 1: the schedules themselves, from the config that trains them.
    figure, (rate_axes, batch_axes) = plots.new_figure(columns=2)
    for kind in smith.comparisons[main]:
        phases = setting_schedule(smith, all_settings[f"{main}-{kind}"]).phases
        epochs = [phase.start_epoch for phase in phases] + [smith.epochs]
        color = SCHEDULE_COLORS.get(kind, "grey")
        style = {"color": color, "linestyle": SCHEDULE_LINES.get(kind, "-"), "linewidth": 1.8, "baseline": None}
        rate_axes.stairs([phase.learning_rate for phase in phases], epochs, label=kind.replace("_", " "), **style)
        batch_axes.stairs([phase.batch_size for phase in phases], epochs, **style)
    rate_axes.set(xlabel="epoch", ylabel="learning rate", yscale="log")
    batch_axes.set(xlabel="epoch", ylabel="batch size", yscale="log")
    rate_axes.legend()
    plots.save(figure, layout.figure_file(figure_dir, "schedules"))

    # Fig. 2: test accuracy against epochs and updates; Fig. 3: training cross-entropy.
    figure, axes = plots.new_figure(columns=3, width=3.6)
    lines = _schedule_lines(main, smith.comparisons[main])
    _plot_accuracy(axes[0], axes[1], histories, lines)
    for name, (label, color, linestyle) in lines.items():
        curve = mean_curves(histories, name)
        axes[2].plot(curve["epoch"], curve["train_loss"], color=color, label=label, linestyle=linestyle)
    axes[2].set(xlabel="epochs", ylabel="training cross-entropy", yscale="log")
    plots.save(figure, layout.figure_file(figure_dir, "schedules_momentum"))

    # Figs. 4-5: the other optimizers, one row each.
    others = [optimizer for optimizer in smith.comparisons if optimizer != main]
    figure, axes = plots.new_figure(columns=2, width=3.8, height=2.8, rows=max(1, len(others)))
    for row, optimizer in enumerate(others):
        _plot_accuracy(axes[2 * row], axes[2 * row + 1], histories, _schedule_lines(optimizer, smith.comparisons[optimizer]))
        axes[2 * row].set_title(optimizer, loc="left")
    plots.save(figure, layout.figure_file(figure_dir, "optimizers"))

    # Fig. 6: the variants against the two main schedules, by updates.
    figure, axes = plots.new_figure(columns=2, width=3.8)
    lines = _schedule_lines(main, [REFERENCE, INCREASING])
    lines |= {name: (name.replace("_", " "), VARIANT_COLORS.get(name, "grey"), "-.") for name in smith.variants}
    _plot_accuracy(axes[0], axes[1], histories, lines)
    plots.save(figure, layout.figure_file(figure_dir, "variants"))

