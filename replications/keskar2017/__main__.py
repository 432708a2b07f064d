"""Command line of the Keskar et al. 2017 replication; the Snakemake rules call these steps.

  python -m replications.keskar2017 train  --config config/quick.yaml --network F1 --regime SB --seed 0 --output-dir DIR
  python -m replications.keskar2017 table2 --config config/quick.yaml --output TABLE.csv
  python -m replications.keskar2017 claims --config config/quick.yaml --output CLAIMS.csv
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
    for name, help_text in (("table2", "Table 2: accuracy of SB and LB"), ("claims", "claim rows with verdicts")):
        step = steps.add_parser(name, help=help_text)
        step.add_argument("--output", required=True)
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments.config)

    if arguments.step == "train":
        experiment.train(config, arguments.network, arguments.regime, arguments.seed, arguments.output_dir)
        return
    runs = experiment.collect_runs(config)
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    if arguments.step == "table2":
        experiment.table2(runs).to_csv(arguments.output, index=False, float_format="%.4f")
    else:
        from replications.claims import claims_frame

        claims_frame(experiment.generalization_gap_claims(config, runs)).to_csv(arguments.output, index=False)


if __name__ == "__main__":
    main()
