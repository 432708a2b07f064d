"""Command line of the Wilson & Martinez 2003 replication; the Snakemake rules call these steps.

  python -m replications.wilson2003 --config config/quick.yaml train --task iris --batch 10 --runs runs.csv --histories histories.csv
  python -m replications.wilson2003 --config config/quick.yaml crossings --task iris --output crossings.csv
  python -m replications.wilson2003 --config config/quick.yaml analyse --table-dir DIR --figure-dir DIR --claims CLAIMS.csv
"""

from __future__ import annotations

from pathlib import Path

from replications.command_line import add_analyse_step, base_parser, load_checked_config
from replications.jobs import declared_inputs
from replications.typed_config import CoreConfig
from replications.wilson2003 import analysis, jobs, layout, measures, steps
from replications.wilson2003.config import WilsonConfig


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Wilson & Martinez 2003: the general inefficiency of batch training")
    commands = parser.add_subparsers(dest="step", required=True)
    train = commands.add_parser("train", help="every learning rate and seed of one task and batch size")
    train.add_argument("--task", required=True)
    train.add_argument("--batch", required=True, help="a batch size of the config, or 'full'")
    train.add_argument("--runs", required=True, help="CSV: one summary row per run")
    train.add_argument("--histories", required=True, help="CSV: the per-epoch history of every run")
    crossings = commands.add_parser("crossings", help="claim 3's crossings of the target refined below an epoch, for one task")
    crossings.add_argument("--task", required=True)
    crossings.add_argument("--output", required=True, help="CSV: one row per refined run")
    add_analyse_step(commands, "tables, figures and claim rows from the whole grid")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments)
    core, wilson = CoreConfig.from_config(config), WilsonConfig.from_config(config)

    known = wilson.tasks if arguments.step == "crossings" else {**wilson.tasks, **wilson.series_tasks()}
    if arguments.step in ("train", "crossings") and arguments.task not in known:
        parser.error(f"task {arguments.task!r} is not in the config; configured: {sorted(known)}")
    paper_jobs = jobs.jobs(config)
    if arguments.step == "crossings":
        runs, histories = measures.read_groups(declared_inputs(paper_jobs, "crossings", task=arguments.task))
        refined = steps.refine_crossings(core, wilson, arguments.task, runs, histories)
        Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
        refined.to_csv(arguments.output, index=False)
        return
    if arguments.step == "train":
        runs, histories = steps.run_group(core, wilson, arguments.task, arguments.batch)
        for frame, path in ((runs, arguments.runs), (histories, arguments.histories)):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False)
        return
    inputs = declared_inputs(paper_jobs, "analyse")
    runs, histories = measures.read_groups(inputs)
    series = measures.series_runs(wilson, runs, histories)  # claim 5's sizes, each with a target from its own runs
    runs = measures.with_epochs_to_target(runs, histories, wilson.claims.target_fraction)
    runs = runs[runs["task"].isin(list(wilson.tasks))]
    crossings = measures.read_crossings(inputs["crossings"])
    tables, figures = arguments.table_dir, arguments.figure_dir
    Path(tables).mkdir(parents=True, exist_ok=True)
    analysis.grid_table(runs, wilson.large_task).to_csv(layout.table_file(tables, "large_task"), index=False)
    analysis.summary_table(wilson, runs).to_csv(layout.table_file(tables, "summary"), index=False)
    analysis.epochs_figure(runs, layout.figure_file(figures, "epochs"))
    analysis.curves_figure(wilson, measures.fastest_per_batch(runs), histories, layout.figure_file(figures, "curves"))
    from replications import claims

    claims.write_claims(
        arguments.claims,
        lambda frames: analysis.all_claims(wilson, frames["runs"], core.verdicts.power, frames["crossings"], frames["series"]),
        {"runs": runs, "crossings": crossings, "series": series}, core, layout.NAME, recorded_from=["runs", "series"],
    )


if __name__ == "__main__":
    main()
