"""Command line of the batch-size science replications; the Snakemake rules call these steps.

  python -m replications.batchscience --config config/quick.yaml throughput --network F1 --output T.csv
  python -m replications.batchscience --config config/quick.yaml noise --spread S.csv --noise-scale N.csv
  python -m replications.batchscience --config config/quick.yaml steps --batch 64 --output S.csv
  python -m replications.batchscience --config config/quick.yaml regime --regime small_batch --output R.csv
  python -m replications.batchscience --config config/quick.yaml analyse --table-dir DIR --figure-dir DIR --claims C.csv
"""

from __future__ import annotations

from pathlib import Path

from replications.batchscience import jobs
from replications.batchscience.config import ScienceConfig
from replications.command_line import add_analyse_step, base_parser, load_checked_config
from replications.jobs import declared_inputs
from replications.typed_config import CoreConfig


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Batch-size science: throughput, gradient noise, steps to target, regimes")
    steps = parser.add_subparsers(dest="step", required=True)
    throughput = steps.add_parser("throughput", help="samples/s against batch size for one network")
    throughput.add_argument("--network", required=True)
    throughput.add_argument("--output", required=True)
    noise = steps.add_parser("noise", help="gradient spread against m, and B_simple along one training run")
    noise.add_argument("--spread", required=True)
    noise.add_argument("--noise-scale", required=True)
    target = steps.add_parser("steps", help="updates to the target accuracy for every learning rate of one batch size")
    target.add_argument("--batch", type=int, required=True)
    target.add_argument("--output", required=True)
    regime = steps.add_parser("regime", help="every seed of one regime (equal epochs, equal updates, scaled lr)")
    regime.add_argument("--regime", required=True)
    regime.add_argument("--output", required=True)
    add_analyse_step(steps, "tables, figures and claim rows")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments)
    core, science = CoreConfig.from_config(config), ScienceConfig.from_config(config)

    from replications.batchscience import experiment, layout

    outputs = [getattr(arguments, name) for name in ("output", "spread", "noise_scale", "claims") if getattr(arguments, name, None)]
    for output in outputs:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    if arguments.step == "throughput":
        if arguments.network not in science.throughput.networks:
            parser.error(f"network {arguments.network!r} is not in batchscience.throughput.networks")
        experiment.throughput(core, science, arguments.network).to_csv(arguments.output, index=False)
    elif arguments.step == "noise":
        spread, scale = experiment.gradient_noise(core, science, layout.run_dir(core.results_dir, "noise_run"))
        spread.to_csv(arguments.spread, index=False)
        scale.to_csv(arguments.noise_scale, index=False)
    elif arguments.step == "steps":
        if arguments.batch not in science.steps_to_target.batch_sizes:
            parser.error(f"batch size {arguments.batch} is not in batchscience.steps_to_target.batch_sizes")
        experiment.steps_group(core, science, arguments.batch).to_csv(arguments.output, index=False)
    elif arguments.step == "regime":
        if arguments.regime not in layout.REGIMES:
            parser.error(f"regime {arguments.regime!r} is not one of {list(layout.REGIMES)}")
        experiment.run_regime(core, science, arguments.regime).to_csv(arguments.output, index=False)
    else:
        from replications.batchscience.analysis import write_outputs

        inputs = declared_inputs(jobs.jobs(config), "analyse")
        write_outputs(core, science, inputs, arguments.table_dir, arguments.figure_dir, arguments.claims)


if __name__ == "__main__":
    main()
