"""Command line of the Keskar et al. 2017 replication; the Snakemake rules call these steps.

  python -m replications.keskar2017 --config config/quick.yaml train --network F1 --regime SB --seed 0 --output-dir DIR
  python -m replications.keskar2017 --config config/quick.yaml table2 --output TABLE.csv --figure FIGURE.png
  python -m replications.keskar2017 --config config/quick.yaml claims --output CLAIMS.csv
"""

from __future__ import annotations

from pathlib import Path

from replications.keskar2017 import experiment
from replications.runs import base_parser, load_checked_config


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Keskar et al. 2017: large-batch training and sharp minima")
    steps = parser.add_subparsers(dest="step", required=True)
    train = steps.add_parser("train", help="train one network, regime and seed")
    train.add_argument("--network", required=True)
    train.add_argument("--regime", required=True, choices=experiment.REGIMES)
    train.add_argument("--seed", required=True, type=int)
    train.add_argument("--output-dir", required=True)
    table2 = steps.add_parser("table2", help="Table 2 (accuracy of SB and LB) and its figure")
    table2.add_argument("--output", required=True, help="CSV table")
    table2.add_argument("--figure", required=True, help="PNG figure (an SVG is written beside it)")
    claims = steps.add_parser("claims", help="claim rows with verdicts")
    claims.add_argument("--output", required=True)
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments.config)

    if arguments.step == "train":
        experiment.train(config, arguments.network, arguments.regime, arguments.seed, arguments.output_dir)
        return
    runs = experiment.collect_runs(config)
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    if arguments.step == "table2":
        experiment.table2(runs).to_csv(arguments.output, index=False, float_format="%.4f")
        experiment.table2_figure(config, runs, arguments.figure)
    else:
        from replications.claims import claims_frame

        claims_frame(experiment.generalization_gap_claims(config, runs)).to_csv(arguments.output, index=False)


if __name__ == "__main__":
    main()
