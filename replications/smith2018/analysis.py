"""Smith et al. 2018: tables, figures and claim rows from the per-epoch histories of every setting."""

from __future__ import annotations


import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from replications import claims, plots
from replications.data import train_size
from replications.smith2018 import layout, paper
from replications.smith2018.experiment import switch_seconds
from replications.smith2018.config import SmithConfig
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
    return histories.sort_values("epoch").groupby(["setting", "seed"], sort=False).tail(1).reset_index(drop=True)


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
        })  # fmt: skip
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
        )  # fmt: skip
        rows.append({
            "schedule": name,
            "batch_sizes": _arrow([phase.batch_size for phase in schedule.phases], "{:d}"),
            "learning_rates": _arrow([phase.learning_rate for phase in schedule.phases], "{:.3g}"),
            "scheduled_updates": scheduled_updates(schedule, protocol["num_train"], protocol["epochs"]),
            "paper_updates": paper.UPDATES.get(name, ""),
        })  # fmt: skip
    return pd.DataFrame(rows)


# --- claims ---------------------------------------------------------------------------------------------


def _accuracies(finals: pd.DataFrame, name: str) -> np.ndarray:
    runs = finals[(finals["setting"] == name) & ~finals["diverged"].astype(bool)]
    return runs["test_accuracy"].to_numpy(dtype=float)


def _too_few(name: str, values: np.ndarray) -> str | None:
    return f"{name}: only {len(values)} finished run(s), a test needs 2" if len(values) < 2 else None


def equivalence_claim(smith: SmithConfig, finals: pd.DataFrame, claim_id: str, statement: str, paper_value: str,
                      reference: str, candidate: str) -> claims.ClaimRow:  # fmt: skip
    """TOST of the final test accuracy of `candidate` against `reference`."""
    rule = smith.claims["equivalence"]
    a, b = _accuracies(finals, candidate), _accuracies(finals, reference)
    margin = 100 * rule.margin
    rule_text = (f"Welch TOST over seeds, margin ±{margin:g} pp: reproduced if the {100 * (1 - 2 * rule.alpha):.0f}% "
                 f"interval of the difference lies inside the margin; not reproduced if the difference is "
                 f"significantly beyond it; else inconclusive")  # fmt: skip
    common = {"paper": paper.PAPER, "claim_id": claim_id, "statement": statement, "paper_value": paper_value, "rule": rule_text}
    if failure := _too_few(candidate, a) or _too_few(reference, b):
        return claims.ClaimRow(**common, our_value="", test="Welch TOST", statistic=None, p_value=None, ci="",
                               n_seeds=min(len(a), len(b)), verdict=claims.INCONCLUSIVE, detail=failure)  # fmt: skip
    test = claims.equivalence_test(a, b, rule.margin, rule.alpha)
    verdict, reason = claims.equivalence_verdict(test, rule.alpha)
    return claims.ClaimRow(
        **common,
        our_value=f"{100 * a.mean():.2f}% vs {100 * b.mean():.2f}% (difference {100 * test.difference:+.2f} pp)",
        test="Welch TOST", statistic=test.difference, p_value=test.p_value,
        ci=f"[{100 * test.ci_low:.3g}, {100 * test.ci_high:.3g}] pp ({100 * (1 - 2 * rule.alpha):.0f}% CI of {candidate} - {reference})",
        n_seeds=min(len(a), len(b)), verdict=verdict, detail=reason,
    )  # fmt: skip


def fewer_updates_claim(summary: pd.DataFrame, claim_id: str, statement: str, paper_value: str,
                        reference: str, candidate: str, accuracy_verdict: str) -> claims.ClaimRow:  # fmt: skip
    """Fewer updates at equivalent accuracy: the ratio, with the accuracy claim's verdict as the condition."""
    by_setting = summary.set_index("setting")
    updates = by_setting["updates"]
    ratio = updates[reference] / updates[candidate]
    if ratio <= 1:
        verdict, reason = claims.NOT_REPRODUCED, f"{candidate} needed no fewer updates"
    elif accuracy_verdict == claims.REPRODUCED:
        verdict, reason = claims.REPRODUCED, "fewer updates, and the accuracy is equivalent (TOST)"
    elif accuracy_verdict == claims.NOT_REPRODUCED:
        verdict, reason = claims.NOT_REPRODUCED, "fewer updates, but the accuracy differs beyond the margin"
    else:
        verdict, reason = claims.INCONCLUSIVE, "fewer updates, but equivalent accuracy is not shown"
    return claims.ClaimRow(
        paper=paper.PAPER, claim_id=claim_id, statement=statement, paper_value=paper_value,
        our_value=f"{updates[candidate]:,} vs {updates[reference]:,} updates ({ratio:.1f}x fewer)",
        test="update count (deterministic) + the accuracy TOST", statistic=float(ratio), p_value=None, ci="",
        n_seeds=int(by_setting["n_seeds"][candidate]), verdict=verdict,
        rule="reproduced if fewer updates and equivalent accuracy; not reproduced if no fewer updates or an accuracy "
             "difference beyond the margin; else inconclusive",
        detail=reason,
    )  # fmt: skip


def momentum_cost_claim(smith: SmithConfig, finals: pd.DataFrame) -> claims.ClaimRow:
    rule = smith.claims["momentum_cost"]
    higher, lower = _accuracies(finals, "increased_learning_rate"), _accuracies(finals, "increased_momentum")
    common = {
        "paper": paper.PAPER, "claim_id": "momentum_costs_accuracy",
        "statement": "Raising the momentum (B ∝ 1/(1-m)) cuts updates further but costs a little test accuracy",
        "paper_value": f"{paper.ACCURACY['increased_momentum']}% vs {paper.ACCURACY['increased_learning_rate']}%",
    }  # fmt: skip
    if failure := _too_few("increased_momentum", lower) or _too_few("increased_learning_rate", higher):
        return claims.ClaimRow(**common, our_value="", test="Welch one-sided", statistic=None, p_value=None, ci="",
                               n_seeds=min(len(higher), len(lower)), verdict=claims.INCONCLUSIVE,
                               rule="Welch one-sided over seeds", detail=failure)  # fmt: skip
    return claims.gap_claim(
        **common, our_value=f"{100 * lower.mean():.2f}% vs {100 * higher.mean():.2f}%",
        test_name="Welch one-sided (increased lr > increased momentum)", gap=claims.welch_greater(higher, lower, rule.alpha),
        rule=rule, n_seeds=min(len(higher), len(lower)), difference="increased lr - increased momentum", scale=100, unit=" pp",
    )  # fmt: skip


def all_claims(smith: SmithConfig, histories: pd.DataFrame) -> list[claims.ClaimRow]:
    finals, summary = final_epochs(histories), summary_table(smith, histories)
    main = main_optimizer(smith)
    rows = []
    for optimizer, schedules in smith.comparisons.items():
        for schedule in schedules:
            if schedule == REFERENCE:
                continue
            label = schedule.replace("_", " ")
            paper_value = (f"{paper.ACCURACY[INCREASING]}% vs {paper.ACCURACY[REFERENCE]}% (momentum)"
                           if schedule == INCREASING and optimizer == main else "nearly identical curves")  # fmt: skip
            row = equivalence_claim(
                smith, finals, f"equivalent_accuracy_{optimizer}_{schedule}",
                f"{optimizer}: {label} reaches the same test accuracy as decaying the learning rate, after the same epochs",
                paper_value, f"{optimizer}-{REFERENCE}", f"{optimizer}-{schedule}",
            )  # fmt: skip
            rows.append(row)
            if optimizer == main and schedule == INCREASING:
                rows.append(fewer_updates_claim(
                    summary, "fewer_updates", "Increasing the batch size needs far fewer parameter updates",
                    paper.UPDATES[INCREASING] + " vs " + paper.UPDATES[REFERENCE], f"{main}-{REFERENCE}", f"{main}-{schedule}", row.verdict,
                ))  # fmt: skip
    if "increased_learning_rate" in smith.variants:
        accuracy = equivalence_claim(smith, finals, "", "", "", f"{main}-{INCREASING}", "increased_learning_rate")
        rows.append(fewer_updates_claim(
            summary, "larger_learning_rate_fewer_updates",
            "Raising the initial learning rate with the batch (B ∝ lr) cuts updates further at the same accuracy",
            f"{paper.UPDATES['increased_learning_rate']} vs {paper.UPDATES[INCREASING]}", f"{main}-{INCREASING}",
            "increased_learning_rate", accuracy.verdict,
        ))  # fmt: skip
    if {"increased_learning_rate", "increased_momentum"} <= set(smith.variants):
        rows.append(momentum_cost_claim(smith, finals))
    return rows


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

