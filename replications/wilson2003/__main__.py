"""Command line of the Wilson & Martinez 2003 replication; the Snakemake rules call these steps.

  python -m replications.wilson2003 --config config/quick.yaml train --task iris --batch 10 --output runs.csv
  python -m replications.wilson2003 --config config/quick.yaml analyse --table-dir DIR --figure-dir DIR --claims CLAIMS.csv
"""

from __future__ import annotations

from pathlib import Path

from replications.runs import add_analyse_step, base_parser, load_checked_config
from replications.wilson2003 import analysis, experiment


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Wilson & Martinez 2003: the general inefficiency of batch training")
    steps = parser.add_subparsers(dest="step", required=True)
    train = steps.add_parser("train", help="every learning rate and seed of one task and batch size")
    train.add_argument("--task", required=True)
    train.add_argument("--batch", required=True, help="a batch size of the config, or 'full'")
    train.add_argument("--output", required=True, help="CSV: one summary row per run")
    add_analyse_step(steps, "tables, figures and claim rows from the whole grid")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments.config)

    if arguments.step == "train":
        if arguments.task not in config["wilson2003"]["tasks"]:
            parser.error(f"task {arguments.task!r} is not in the config; configured: {sorted(config['wilson2003']['tasks'])}")
        Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
        experiment.run_group(config, arguments.task, arguments.batch).to_csv(arguments.output, index=False)
        return
    section = config["wilson2003"]
    runs = experiment.collect(config)
    tables, figures = Path(arguments.table_dir), Path(arguments.figure_dir)
    tables.mkdir(parents=True, exist_ok=True)
    analysis.grid_table(runs, section["large_task"]).to_csv(tables / "wilson2003_large_task.csv", index=False)
    analysis.summary_table(runs, section["claims"]["stable_margin"]).to_csv(tables / "wilson2003_summary.csv", index=False)
    analysis.epochs_figure(runs, figures / "wilson2003_epochs.png")
    analysis.curves_figure(config, experiment.best_per_batch(runs), figures / "wilson2003_curves.png")
    from replications.claims import claims_frame

    Path(arguments.claims).parent.mkdir(parents=True, exist_ok=True)
    claims_frame(analysis.all_claims(config, runs)).to_csv(arguments.claims, index=False)


if __name__ == "__main__":
    main()
