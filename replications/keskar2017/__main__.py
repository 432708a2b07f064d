"""Command line of the Keskar et al. 2017 replication; the Snakemake rules call these steps.

  python -m replications.keskar2017 --config config/quick.yaml train --network F1 --run SB --seed 0 --output-dir DIR
  python -m replications.keskar2017 --config config/quick.yaml sharpness --network F1 --run SB --seed 0 --output FILE.json
  python -m replications.keskar2017 --config config/quick.yaml parametric --network F1 --seed 0 --output FILE.csv
  python -m replications.keskar2017 --config config/quick.yaml table2 --output TABLE.csv --figure FIGURE.png
  python -m replications.keskar2017 --config config/quick.yaml minima --sharpness-table T.csv --distance-table D.csv \\
      --rescaling-table R.csv --figure-dir DIR
  python -m replications.keskar2017 --config config/quick.yaml sweeps --sweep-table S.csv --warm-start-table W.csv --figure-dir DIR
  python -m replications.keskar2017 --config config/quick.yaml trajectory --network F1 --output T.csv --figure F.png
  python -m replications.keskar2017 --config config/quick.yaml claims --output CLAIMS.csv
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replications.keskar2017 import experiment, minima, sweeps
from replications.runs import base_parser, load_checked_config


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
    table2 = steps.add_parser("table2", help="Table 2 (accuracy of SB and LB) and its figure")
    table2.add_argument("--output", required=True, help="CSV table")
    table2.add_argument("--figure", required=True, help="PNG figure (an SVG is written beside it)")
    minima_step = steps.add_parser("minima", help="sharpness and distance tables, parametric figures")
    minima_step.add_argument("--sharpness-table", required=True)
    minima_step.add_argument("--distance-table", required=True)
    minima_step.add_argument("--rescaling-table", required=True)
    minima_step.add_argument("--figure-dir", required=True)
    sweeps = steps.add_parser("sweeps", help="batch-size sweep (Fig. 4) and warm start (Fig. 5): tables and figures")
    sweeps.add_argument("--sweep-table", required=True)
    sweeps.add_argument("--warm-start-table", required=True)
    sweeps.add_argument("--figure-dir", required=True)
    trajectory = steps.add_parser("trajectory", help="sharpness along training of one SB and one LB run (Fig. 6)")
    trajectory.add_argument("--network", required=True)
    trajectory.add_argument("--output", required=True, help="CSV file")
    trajectory.add_argument("--figure", required=True, help="PNG figure")
    claims = steps.add_parser("claims", help="claim rows with verdicts")
    claims.add_argument("--output", required=True)
    return parser.parse_args(argv)


def parametric_curves(config) -> pd.DataFrame:
    section = config["keskar2017"]
    return pd.concat(
        [pd.read_csv(minima.parametric_path(config, network, seed)) for network in section["networks"] for seed in section["seeds"]],
        ignore_index=True,
    )


def main(argv: list[str] | None = None) -> None:
    arguments = parse(argv)
    config = load_checked_config(arguments.config)
    for name in ("output", "sharpness_table", "distance_table", "rescaling_table", "sweep_table", "warm_start_table"):
        if getattr(arguments, name, None):
            Path(getattr(arguments, name)).parent.mkdir(parents=True, exist_ok=True)

    if arguments.step == "train":
        experiment.train(config, arguments.network, arguments.run, arguments.seed, arguments.output_dir)
    elif arguments.step == "sharpness":
        rows = minima.measure_sharpness(config, arguments.network, arguments.run, arguments.seed)
        Path(arguments.output).write_text(json.dumps(rows, indent=2) + "\n")
    elif arguments.step == "parametric":
        minima.interpolate(config, arguments.network, arguments.seed).to_csv(arguments.output, index=False)
    elif arguments.step == "table2":
        runs = experiment.collect_runs(config)
        experiment.table2(runs).to_csv(arguments.output, index=False, float_format="%.4f")
        experiment.table2_figure(config, runs, arguments.figure)
    elif arguments.step == "minima":
        minima.sharpness_table(config, minima.collect_sharpness(config)).to_csv(arguments.sharpness_table, index=False)
        minima.distance_table(experiment.collect_runs(config)).to_csv(arguments.distance_table, index=False)
        pd.concat(
            [minima.rescaling_check(config, network, config["keskar2017"]["seeds"][0]) for network in config["keskar2017"]["networks"]]
        ).to_csv(arguments.rescaling_table, index=False)
        curves = parametric_curves(config)
        for network in config["keskar2017"]["networks"]:
            path = Path(arguments.figure_dir) / f"keskar2017_parametric_{network}.png"
            minima.parametric_figure(curves, network, config["keskar2017"]["seeds"][0], path)
    elif arguments.step == "sweeps":
        sweep, warm_start = sweeps.sweep_table(config), sweeps.warm_start_table(config)
        sweep.to_csv(arguments.sweep_table, index=False)
        warm_start.to_csv(arguments.warm_start_table, index=False)
        sweeps.sweep_figure(sweep, Path(arguments.figure_dir) / "keskar2017_sweep.png")
        sweeps.warm_start_figure(warm_start, Path(arguments.figure_dir) / "keskar2017_warm_start.png")
    elif arguments.step == "trajectory":
        table = sweeps.trajectory(config, arguments.network)
        table.to_csv(arguments.output, index=False)
        sweeps.trajectory_figure(table, arguments.figure)
    else:
        from replications.claims import claims_frame

        rows = experiment.generalization_gap_claims(config, experiment.collect_runs(config))
        rows += minima.sharpness_claims(config, minima.collect_sharpness(config))
        rows += minima.steepness_claims(config, parametric_curves(config))
        rows += sweeps.sweep_claims(config, sweeps.sweep_table(config))
        rows += sweeps.warm_start_claims(config, sweeps.warm_start_table(config))
        claims_frame(rows).to_csv(arguments.output, index=False)


if __name__ == "__main__":
    main()
