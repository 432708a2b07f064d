"""Command line of the Keskar et al. 2017 replication; the Snakemake rules call these steps.

Training and measurement steps (one run each):
  python -m replications.keskar2017 --config config/quick.yaml train --network F1 --run SB --seed 0 --output-dir DIR
  python -m replications.keskar2017 --config config/quick.yaml sharpness --network F1 --run SB --seed 0 --output FILE.json
  python -m replications.keskar2017 --config config/quick.yaml parametric --network F1 --seed 0 --output FILE.csv
  python -m replications.keskar2017 --config config/quick.yaml rescaling --output FILE.csv
Analysis steps (tables, figures and the claims of the runs each reads):
  python -m replications.keskar2017 --config config/quick.yaml table2 --table-dir DIR --figure-dir DIR --claims FILE.csv
  python -m replications.keskar2017 --config config/quick.yaml minima --table-dir DIR --figure-dir DIR --claims FILE.csv
  python -m replications.keskar2017 --config config/quick.yaml sweeps --table-dir DIR --figure-dir DIR --claims FILE.csv
  python -m replications.keskar2017 --config config/quick.yaml trajectory --network F1 --table-dir DIR --figure-dir DIR
Run names: SB, LB (Table 2), batch<size> (Fig. 4), warm<epochs> (Fig. 5).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replications import claims
from replications.command_line import add_analyse_step, base_parser, load_checked_config
from replications.jobs import declared_inputs
from replications.keskar2017 import experiment, jobs, layout, minima, sweeps
from replications.keskar2017.config import KeskarConfig
from replications.typed_config import CoreConfig


def parse(argv: list[str] | None):
    parser = base_parser("Keskar et al. 2017: large-batch training and sharp minima")
    steps = parser.add_subparsers(dest="step", required=True)
    train = steps.add_parser("train", help="train one network with one schedule (run) and seed")
    sharpness = steps.add_parser("sharpness", help="sharpness of one trained model (Tables 3-4)")
    for step in (train, sharpness):
        step.add_argument("--network", required=True)
        step.add_argument("--run", required=True, help="SB, LB, batch<size> (sweep) or warm<epochs> (warm start)")
        step.add_argument("--seed", required=True, type=int)
    train.add_argument("--output-dir", required=True)
    sharpness.add_argument("--output", required=True, help="JSON file")
    parametric = steps.add_parser("parametric", help="loss along the line from the SB to the LB minimum (Fig. 3)")
    parametric.add_argument("--network", required=True)
    parametric.add_argument("--seed", required=True, type=int)
    parametric.add_argument("--output", required=True, help="CSV file")
    rescaling = steps.add_parser("rescaling", help="Dinh et al.'s rescaling check of the first seed's SB models (a table)")
    rescaling.add_argument("--output", required=True, help="CSV file")
    add_analyse_step(steps, "Table 2 (accuracy of SB and LB), its figure and claim", name="table2")
    add_analyse_step(steps, "sharpness and distance tables, parametric figures, their claims", name="minima")
    add_analyse_step(steps, "batch-size sweep (Fig. 4) and warm start (Fig. 5): tables, figures, claims", name="sweeps")
    trajectory = steps.add_parser("trajectory", help="sharpness along training of one SB and one LB run (Fig. 6)")
    trajectory.add_argument("--network", required=True)
    trajectory.add_argument("--table-dir", required=True)
    trajectory.add_argument("--figure-dir", required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse(argv)
    config = load_checked_config(arguments)
    core, keskar = CoreConfig.from_config(config), KeskarConfig.from_config(config)
    for name in ("output", "claims", "table_dir", "figure_dir"):
        if path := getattr(arguments, name, None):
            (Path(path) if name.endswith("_dir") else Path(path).parent).mkdir(parents=True, exist_ok=True)
    tables, figures = getattr(arguments, "table_dir", None), getattr(arguments, "figure_dir", None)
    power = core.verdicts.power

    inputs = declared_inputs(jobs.jobs(config), arguments.step) if arguments.step in ("table2", "minima", "sweeps") else {}
    if arguments.step == "train":
        experiment.train(core, keskar, arguments.network, arguments.run, arguments.seed, arguments.output_dir)
    elif arguments.step == "sharpness":
        rows = minima.measure_sharpness(core, keskar, arguments.network, arguments.run, arguments.seed)
        Path(arguments.output).write_text(json.dumps(rows, indent=2) + "\n")
    elif arguments.step == "parametric":
        minima.interpolate(core, keskar, arguments.network, arguments.seed).to_csv(arguments.output, index=False)
    elif arguments.step == "rescaling":
        pd.concat(
            [minima.rescaling_check(core, keskar, network, keskar.seeds[0]) for network in keskar.minima_networks]
        ).to_csv(arguments.output, index=False)
    elif arguments.step == "table2":
        runs = experiment.collect_runs(keskar, inputs["metrics"])
        experiment.table2(runs).to_csv(layout.table_file(tables, "table2"), index=False, float_format="%.4f")
        experiment.table2_figure(keskar, runs, inputs["histories"], layout.figure_file(figures, "table2"))
        claims.write_claims(
            arguments.claims, lambda frames: experiment.generalization_gap_claims(keskar, frames["runs"], power),
            {"runs": runs}, core, layout.NAME, recorded_from=["runs"],
        )
    elif arguments.step == "minima":
        measured = minima.collect_sharpness(inputs["sharpness"])
        minima.sharpness_table(keskar, measured).to_csv(layout.table_file(tables, "sharpness"), index=False)
        minima.subspace_ratio_table(keskar, measured).to_csv(layout.table_file(tables, "subspace_ratio"), index=False)
        runs = experiment.collect_runs(keskar, inputs["metrics"])
        minima.distance_table(runs).to_csv(layout.table_file(tables, "distance"), index=False)
        curves = pd.concat([pd.read_csv(path) for path in inputs["parametric"]], ignore_index=True)
        for network in keskar.minima_networks:
            minima.parametric_figure(curves, network, keskar.seeds[0], layout.figure_file(figures, f"parametric_{network}"))
        claims.write_claims(
            arguments.claims,
            lambda frames: minima.sharpness_claims(keskar, frames["sharpness"], power) + minima.steepness_claims(keskar, frames["curves"], power),
            {"sharpness": measured, "curves": curves, "runs": runs}, core, layout.NAME, recorded_from=["runs"],
        )
    elif arguments.step == "sweeps":
        sweep, warm_start = sweeps.sweep_table(keskar, inputs), sweeps.warm_start_table(keskar, inputs)
        sweep.to_csv(layout.table_file(tables, "sweep"), index=False)
        warm_start.to_csv(layout.table_file(tables, "warm_start"), index=False)
        sweeps.sweep_figure(sweep, layout.figure_file(figures, "sweep"))
        sweeps.warm_start_figure(warm_start, layout.figure_file(figures, "warm_start"))
        claims.write_claims(
            arguments.claims,
            lambda frames: sweeps.sweep_claims(keskar, frames["sweep"], power) + sweeps.warm_start_claims(keskar, frames["warm_start"], power),
            {"sweep": sweep, "warm_start": warm_start, "runs": sweeps.sweep_and_warm_start_runs(keskar, inputs)},
            core, layout.NAME, recorded_from=["runs"],
        )
    else:
        table = sweeps.trajectory(core, keskar, arguments.network)
        table.to_csv(layout.table_file(tables, f"trajectory_{arguments.network}"), index=False)
        sweeps.trajectory_figure(table, layout.figure_file(figures, f"trajectory_{arguments.network}"))


if __name__ == "__main__":
    main()
