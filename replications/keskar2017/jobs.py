"""The Keskar et al. 2017 jobs (replications.jobs): training and measuring each run; Table 2, the minima and the sweeps
(each an analysis of the runs it reads, so each claim waits only on them); the rescaling check; the trajectories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replications.jobs import Folder, Job
from replications.keskar2017 import layout
from replications.keskar2017.config import KeskarConfig
from replications.papers import report_dirs

CAPTIONS = Path(__file__).resolve().with_name("captions")  # for `snakemake --report`

RUN = ("{network}", "{run}", "{seed}")
RUN_CONSTRAINTS = {"run": layout.RUN_NAME_PATTERN}
TABLE_CAPTION = str(CAPTIONS / "keskar2017_tables.rst")  # every table's; each figure has its own


def run_files(results: str, name: str, runs: list[str], seeds: list[int], networks: list[str]) -> list[str]:
    """One file (metrics.json, history.csv, sharpness.json, ...) of every listed run."""
    return [layout.run_file(results, network, run, seed, name) for network in networks for run in runs for seed in seeds]


def training_jobs(results: str) -> list[Job]:
    """Train a run; measure its sharpness; the parametric plot between a seed's SB and LB minima."""
    return [
        Job(
            name="train", log_suffix="{network}_{run}_seed{seed}", wildcard_constraints=RUN_CONSTRAINTS,
            command="train --network {wildcards.network} --run {wildcards.run} --seed {wildcards.seed} --output-dir {params.run_dir}",
            outputs={
                "metrics": layout.run_file(results, *RUN, "metrics.json"), "history": layout.run_file(results, *RUN, "history.csv"),
                "weights": layout.run_file(results, *RUN, "model.weights.h5"),
                "snapshots": Folder(layout.snapshot_dir(layout.run_dir(results, *RUN))),
            },
            depends_on=("networks.{network}", "optimizer", "small_batch", "large_batch_fraction", "budget", "trajectory",
                        "training_set_every_epoch"),
            arguments={"run_dir": layout.run_dir(results, *RUN)},
        ),
        # A trained model's measurements go before further training (long): the minima and sweeps wait for the last of
        # them, and at the end of the run they would follow the last training jobs one by one, with a core idle.
        Job(
            name="sharpness", long=True, log_suffix="{network}_{run}_seed{seed}", wildcard_constraints=RUN_CONSTRAINTS,
            command="sharpness --network {wildcards.network} --run {wildcards.run} --seed {wildcards.seed} --output {output.sharpness}",
            inputs={"weights": layout.run_file(results, *RUN, "model.weights.h5")},
            outputs={"sharpness": layout.run_file(results, *RUN, "sharpness.json")}, depends_on=("sharpness",),
        ),
        Job(
            name="parametric", long=True, log_suffix="{network}_seed{seed}",
            command="parametric --network {wildcards.network} --seed {wildcards.seed} --output {output.parametric}",
            inputs={run: layout.run_file(results, "{network}", run.upper(), "{seed}", "model.weights.h5") for run in ("sb", "lb")},
            outputs={"parametric": layout.parametric_file(results, "{network}", "{seed}")}, depends_on=("parametric",),
        ),
    ]


def analysis_job(name: str, config: dict[str, Any], inputs: dict[str, Any], depends_on: tuple[str, ...], tables: list[str],
                 figures: list[str], caption: str) -> Job:
    """One of the three analysis steps: its tables, figures and claims."""
    table_dir, figure_dir = report_dirs(config)
    return Job(
        name=name, kind="analyse",
        command=f"{name} --table-dir {table_dir} --figure-dir {figure_dir} --claims {{output.claims}}",
        inputs=inputs, outputs={"claims": layout.claims_file(config["results_dir"], name)}, depends_on=depends_on,
        tables=[layout.table_file(table_dir, table) for table in tables], figures=[layout.figure_file(figure_dir, figure) for figure in figures],
        caption=str(CAPTIONS / f"keskar2017_{caption}.rst"), table_caption=TABLE_CAPTION, category="Keskar 2017",
    )


def jobs(config: dict[str, Any]) -> list[Job]:
    results, (table_dir, figure_dir) = config["results_dir"], report_dirs(config)
    keskar = KeskarConfig.from_config(config)
    networks, minima, seeds, regimes = list(keskar.networks), keskar.minima_networks, list(keskar.seeds), list(layout.SB_AND_LB)
    sweep = {"runs": layout.sweep_runs(keskar), "seeds": list(keskar.sweep.seeds), "networks": list(keskar.sweep.networks)}
    warm = {"runs": layout.warm_start_runs(keskar), "seeds": list(keskar.warm_start.seeds), "networks": list(keskar.warm_start.networks)}
    trajectory = "trajectory_{network}"
    return [
        *training_jobs(results),
        analysis_job("table2", config, {
            "metrics": run_files(results, "metrics.json", regimes, seeds, networks),
            "histories": run_files(results, "history.csv", regimes, seeds, networks),
        }, ("networks", "claims"), ["table2"], ["table2"], "table2"),  # every claim rule: they share one hash
        analysis_job("minima", config, {
            "metrics": run_files(results, "metrics.json", regimes, seeds, minima),
            "sharpness": run_files(results, "sharpness.json", regimes, seeds, minima),
            "parametric": [layout.parametric_file(results, network, seed) for network in minima for seed in seeds],
        }, ("networks", "sharpness", "parametric", "claims"), ["sharpness", "subspace_ratio", "distance"],
            [f"parametric_{network}" for network in minima], "parametric"),
        # Apart from the minima's: it needs only the first seed's SB models, so it runs while the other seeds train.
        Job(
            name="rescaling", command="rescaling --output {output.tables}",
            inputs={"weights": run_files(results, "model.weights.h5", ["SB"], seeds[:1], minima)}, outputs={},
            tables=[layout.table_file(table_dir, "rescaling")], table_caption=TABLE_CAPTION, category="Keskar 2017",
            depends_on=("networks", "sharpness", "rescaling"), targets=[{}],
        ),
        analysis_job("sweeps", config, {
            f"{plan}_{name}": run_files(results, f"{name}.json", **runs) for plan, runs in (("sweep", sweep), ("warm_start", warm))
            for name in ("metrics", "sharpness")
        }, ("sweep", "warm_start", "sharpness", "claims"), ["sweep", "warm_start"], ["sweep", "warm_start"], "sweeps"),
        Job(
            name="trajectory", long=True, log_suffix="{network}",
            command=f"trajectory --network {{wildcards.network}} --table-dir {table_dir} --figure-dir {figure_dir}",
            inputs={"snapshots": [layout.snapshot_dir(layout.run_dir(results, "{network}", regime, keskar.trajectory.seed)) for regime in regimes]},
            outputs={}, tables=[layout.table_file(table_dir, trajectory)], figures=[layout.figure_file(figure_dir, trajectory)],
            caption=str(CAPTIONS / "keskar2017_trajectory.rst"), table_caption=TABLE_CAPTION, category="Keskar 2017", depends_on=("trajectory",),
            targets=[{"network": network} for network in minima],
        ),
    ]
