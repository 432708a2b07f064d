"""The batch-science jobs (replications.jobs): throughput per network (the whole machine), gradient noise, steps to
target per batch size, one run per regime, one analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replications.batchscience import layout
from replications.jobs import EVERY_KEY, Job, epochs_per_call
from replications.papers import report_dirs

CAPTIONS = Path(__file__).resolve().with_name("captions")  # for `snakemake --report`

TRAINING_KEYS = ("seeds", "data", "model", "optimizer")  # the network, data and optimizer every training part shares


def jobs(config: dict[str, Any]) -> list[Job]:
    results, (table_dir, figure_dir) = config["results_dir"], report_dirs(config)
    section = config[layout.NAME]
    several_epochs_per_call = epochs_per_call(config)
    return [
        Job(
            name="throughput", kind="machine", log_suffix="{network}",
            command="throughput --network {wildcards.network} --output {output.throughput}",
            outputs={"throughput": layout.throughput_file(results, "{network}")},
            wildcard_constraints={"network": r"[A-Za-z0-9]+"}, depends_on=("throughput",),
        ),
        Job(
            name="noise", command="noise --spread {output.spread} --noise-scale {output.noise_scale}",
            outputs={"spread": layout.spread_file(results), "noise_scale": layout.noise_scale_file(results)},
            depends_on=("gradient_noise", *TRAINING_KEYS),
        ),
        Job(
            name="steps", long=True, log_suffix="batch{batch}", command="steps --batch {wildcards.batch} --output {output.steps}",
            outputs={"steps": layout.steps_file(results, "{batch}")}, wildcard_constraints={"batch": r"[0-9]+"},
            depends_on=("steps_to_target", *TRAINING_KEYS),
        ),
        Job(
            name="regime", long=True, log_suffix="{regime}", command="regime --regime {wildcards.regime} --output {output.regime}",
            outputs={"regime": layout.regime_file(results, "{regime}")}, wildcard_constraints={"regime": "|".join(layout.REGIMES)},
            depends_on=("regimes", *TRAINING_KEYS, several_epochs_per_call),
        ),
        Job(
            name="analyse", kind="analyse",
            command=f"analyse --table-dir {table_dir} --figure-dir {figure_dir} --claims {{output.claims}}",
            inputs={
                "throughput": [layout.throughput_file(results, network) for network in section["throughput"]["networks"]],
                "noise": [layout.spread_file(results), layout.noise_scale_file(results)],
                "steps": [layout.steps_file(results, size) for size in section["steps_to_target"]["batch_sizes"]],
                "regimes": [layout.regime_file(results, regime) for regime in layout.REGIMES],
            },
            outputs={"claims": layout.claims_file(results)}, depends_on=(EVERY_KEY,),
            tables=[layout.table_file(table_dir, name) for name in layout.TABLES],
            figures=[layout.figure_file(figure_dir, name) for name in layout.FIGURES],
            caption=str(CAPTIONS / "batchscience.rst"), category="Batch-size science",
        ),
    ]
