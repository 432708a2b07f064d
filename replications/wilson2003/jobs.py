"""The Wilson & Martinez 2003 jobs (replications.jobs): training per (task, batch size), crossings per task, one
analysis."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from replications.jobs import EVERY_KEY, Job, epochs_per_call
from replications.papers import report_dirs
from replications.typed_config import parse
from replications.wilson2003 import layout
from replications.wilson2003.config import WilsonConfig

CAPTIONS = Path(__file__).resolve().with_name("captions")  # for `snakemake --report`

TRAINING_KEYS = ("holdout_fraction", "model", "learning_rates", "seeds", "max_epochs", "training_set_every_epoch")


def task(section: Mapping[str, Any], wildcards: Any) -> dict[str, Any]:
    """The job's task: one of the grid or a member of the size series (its data with a smaller training set)."""
    return {"data": dict(parse(WilsonConfig, section).task(wildcards.task).data)}


def crossing_reads(section: Mapping[str, Any], wildcards: Any) -> dict[str, Any]:
    """What picks the runs the crossing probes refine: the common target and the smallest batch size the claim reads."""
    return {"target_fraction": section["claims"]["target_fraction"], "min_batch_size": section["claims"]["linear_growth"]["min_batch_size"]}


def task_files(path: Callable[[str, str, str], str], results: str, grid: list[tuple[str, str]], wildcards: Any) -> list[str]:
    """The runs (or histories: `path`) of every batch size of one task: its common target and the rates chosen come
    from all of them."""
    return [path(results, wildcards.task, label) for name, label in grid if name == wildcards.task]


def jobs(config: dict[str, Any]) -> list[Job]:
    results, (table_dir, figure_dir) = config["results_dir"], report_dirs(config)
    wilson = WilsonConfig.from_config(config)
    grid = layout.grid(wilson)
    several_epochs_per_call = epochs_per_call(config)
    training = (task, *TRAINING_KEYS, several_epochs_per_call)
    return [
        Job(
            name="train", long=True, log_suffix="{task}_batch{batch}",
            command="train --task {wildcards.task} --batch {wildcards.batch} --runs {output.runs} --histories {output.histories}",
            outputs={"runs": layout.runs_file(results, "{task}", "{batch}"), "histories": layout.histories_file(results, "{task}", "{batch}")},
            wildcard_constraints={"task": r"[a-z0-9_]+", "batch": r"[0-9]+|full"}, depends_on=training,
        ),
        Job(
            name="crossings", log_suffix="{task}", command="crossings --task {wildcards.task} --output {output.crossings}",
            inputs={"runs": functools.partial(task_files, layout.runs_file, results, grid),
                    "histories": functools.partial(task_files, layout.histories_file, results, grid)},
            outputs={"crossings": layout.crossings_file(results, "{task}")}, wildcard_constraints={"task": r"[a-z0-9_]+"},
            depends_on=(*training, "crossing_probes", "refine_within_epochs", crossing_reads),
        ),
        Job(
            name="analyse", kind="analyse",
            command=f"analyse --table-dir {table_dir} --figure-dir {figure_dir} --claims {{output.claims}}",
            inputs={
                "runs": [layout.runs_file(results, name, label) for name, label in grid],
                "histories": [layout.histories_file(results, name, label) for name, label in grid],
                "crossings": [layout.crossings_file(results, name) for name in wilson.tasks],
            },
            outputs={"claims": layout.claims_file(results)}, depends_on=(EVERY_KEY,),
            tables=[layout.table_file(table_dir, name) for name in layout.TABLES],
            figures=[layout.figure_file(figure_dir, name) for name in layout.FIGURES],
            caption=str(CAPTIONS / "wilson2003.rst"), category="Wilson 2003",
        ),
    ]
