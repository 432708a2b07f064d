"""The toy paper's steps, in the shape of every paper's: one training step per batch size, one analysis step.

  python -m tests.toy_paper --config CONFIG train --batch 8 --output runs.csv
  python -m tests.toy_paper --config CONFIG analyse --table-dir DIR --figure-dir DIR --claims claims.csv
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replications.command_line import add_analyse_step, base_parser, load_checked_config
from replications.typed_config import CoreConfig
from tests.toy_paper import layout
from tests.toy_paper.layout import ToyConfig

AUTHORS = "Toy et al. 2024"


def train(core: CoreConfig, toy: ToyConfig, batch_size: int) -> pd.DataFrame:
    """Every seed at one batch size: plain SGD for a few epochs; one row per seed."""
    from replications.data import dataset_from_config
    from replications.schedules import Budget, Schedule
    from replications.training import train_run

    core.runtime.configure()
    dataset = dataset_from_config(toy.data)
    rows = []
    for seed in toy.seeds:
        result = train_run(
            dataset=dataset, model_config=toy.model, optimizer_config={"name": "sgd", "learning_rate": toy.learning_rate},
            schedule=Schedule.constant(toy.learning_rate, batch_size), budget=Budget(max_epochs=toy.epochs),
            seed=seed, run_dir=layout.run_dir(core.results_dir, batch_size, seed), **core.run_options(layout.NAME),
        )
        rows.append({"batch_size": batch_size, "seed": seed, "test_accuracy": result.metrics["test_accuracy"], "rules_hash": result.metrics["rules_hash"]})
    return pd.DataFrame(rows)


def analyse(core: CoreConfig, toy: ToyConfig, table_dir: str, figure_dir: str, claims_path: str) -> None:
    from replications import claims, plots

    runs = pd.concat([pd.read_csv(layout.runs_file(core.results_dir, size)) for size in (toy.small_batch, toy.large_batch)])
    table = runs.groupby("batch_size")["test_accuracy"].agg(["mean", "std", "size"]).reset_index()
    Path(table_dir).mkdir(parents=True, exist_ok=True)
    table.to_csv(layout.table_file(table_dir, "accuracy"), index=False)
    figure, (axis,) = plots.new_figure()
    axis.scatter(runs["batch_size"], 100 * runs["test_accuracy"])
    axis.set(xscale="log", xlabel="batch size", ylabel="test accuracy (%)")
    plots.save(figure, layout.figure_file(figure_dir, "accuracy"))
    claims.write_claims(claims_path, lambda frames: toy_claims(toy, frames["runs"], core.verdicts.power), {"runs": runs},
                        core, layout.NAME, recorded_from=["runs"])


def toy_claims(toy: ToyConfig, runs: pd.DataFrame, power: float) -> list:
    from replications import claims

    pairs = runs.pivot_table(index="seed", columns="batch_size", values="test_accuracy").dropna()
    small, large = pairs[toy.small_batch], pairs[toy.large_batch]
    rule = toy.claims.small_batch_better
    text = {"paper": AUTHORS, "family": "toy_small_batch_better", "claim_id": "toy_small_batch_better",
            "statement": "A small batch reaches a higher test accuracy in the same epochs", "paper_value": "-",
            "our_value": f"{100 * small.mean():.1f}% vs {100 * large.mean():.1f}%", "test": "paired t-test over seeds, one-sided"}
    check = f"at least {rule.min_seeds} paired seeds"
    if len(pairs) < rule.min_seeds:
        return [claims.not_measured_row(check, f"{len(pairs)} paired seeds", **text)]
    row = claims.gap_row(small, large, paired=True, alpha=rule.alpha, min_effect=rule.min_effect, power=power, scale=100, unit="pp", **text)
    return [claims.validated(row, check)]


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("The toy paper")
    steps = parser.add_subparsers(dest="step", required=True)
    train_step = steps.add_parser("train", help="every seed at one batch size")
    train_step.add_argument("--batch", type=int, required=True)
    train_step.add_argument("--output", required=True)
    add_analyse_step(steps, "table, figure and claim")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments)
    core, toy = CoreConfig.from_config(config), ToyConfig.from_config(config)
    if arguments.step == "train":
        Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
        train(core, toy, arguments.batch).to_csv(arguments.output, index=False)
    else:
        analyse(core, toy, arguments.table_dir, arguments.figure_dir, arguments.claims)


if __name__ == "__main__":
    main()
