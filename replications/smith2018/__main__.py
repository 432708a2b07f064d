"""Command line of the Smith et al. 2018 replication; the Snakemake rules call these steps.

  python -m replications.smith2018 --config config/quick.yaml train --setting momentum-increasing_batch_size --seeds 0 1 --output histories.csv
  python -m replications.smith2018 --config config/quick.yaml analyse --table-dir DIR --figure-dir DIR --claims CLAIMS.csv
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replications.command_line import add_analyse_step, base_parser, load_checked_config
from replications.jobs import declared_inputs
from replications.smith2018 import experiment, jobs, layout, protocol
from replications.smith2018.config import SmithConfig
from replications.typed_config import CoreConfig


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Smith et al. 2018: don't decay the learning rate, increase the batch size")
    steps = parser.add_subparsers(dest="step", required=True)
    train = steps.add_parser("train", help="some seeds of one setting (optimizer and schedule, or variant), one run after another")
    train.add_argument("--setting", required=True)
    train.add_argument("--seeds", required=True, type=int, nargs="+")
    train.add_argument("--output", required=True, help="CSV: the per-epoch histories")
    add_analyse_step(steps, "tables, figures and claim rows from every setting")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments)
    core, smith = CoreConfig.from_config(config), SmithConfig.from_config(config)

    if arguments.step == "train":
        known = protocol.settings(smith)
        if arguments.setting not in known:
            parser.error(f"setting {arguments.setting!r} is not in the config; configured: {sorted(known)}")
        if unknown := [seed for seed in arguments.seeds if seed not in smith.seeds]:
            parser.error(f"seeds {unknown} are not in the config; configured: {list(smith.seeds)}")
        Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
        experiment.run_seeds(core, smith, arguments.setting, arguments.seeds).to_csv(arguments.output, index=False)
        return
    from replications import claims
    from replications.smith2018 import analysis

    files = declared_inputs(jobs.jobs(config), "analyse")["histories"]
    histories = pd.concat([pd.read_csv(file) for file in files], ignore_index=True)
    Path(arguments.table_dir).mkdir(parents=True, exist_ok=True)
    analysis.summary_table(smith, histories).to_csv(layout.table_file(arguments.table_dir, "summary"), index=False)
    analysis.protocol_table(smith).to_csv(layout.table_file(arguments.table_dir, "protocol_updates"), index=False)
    analysis.write_figures(smith, histories, arguments.figure_dir)
    claims.write_claims(
        arguments.claims, lambda frames: analysis.all_claims(smith, frames["histories"], core.verdicts.power),
        {"histories": histories}, core, layout.NAME, recorded_from=["histories"],
    )


if __name__ == "__main__":
    main()
