"""The Smith et al. 2018 jobs (replications.jobs): training per setting and group of seeds, one analysis."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replications.jobs import EVERY_KEY, Job
from replications.papers import report_dirs
from replications.smith2018 import layout
from replications.smith2018.config import SmithConfig
from replications.smith2018.protocol import settings as smith_settings
from replications.typed_config import parse

CAPTIONS = Path(__file__).resolve().with_name("captions")  # for `snakemake --report`


def setting(section: Mapping[str, Any], wildcards: Any) -> dict[str, Any]:
    """One setting's optimizer and schedule, as the protocol resolves them (so another setting's change does not
    retrain it)."""
    return dataclasses.asdict(smith_settings(parse(SmithConfig, section))[wildcards.setting])


def seed_arguments(wildcards: Any) -> str:
    """The job's seeds as the command line takes them: '0-1-2' -> '0 1 2'."""
    return " ".join(map(str, layout.group_seeds(wildcards.seeds)))


def jobs(config: dict[str, Any]) -> list[Job]:
    results, (table_dir, figure_dir) = config["results_dir"], report_dirs(config)
    smith = SmithConfig.from_config(config)
    groups = layout.seed_groups(smith.seeds, smith.seeds_per_job)
    return [
        Job(
            name="train", long=True, log_suffix="{setting}_seeds{seeds}",
            command="train --setting {wildcards.setting} --seeds {params.seeds} --output {output.histories}",
            outputs={"histories": layout.histories_file(results, "{setting}", "{seeds}")},
            wildcard_constraints={"setting": r"[a-z0-9_]+(-[a-z0-9_]+)?", "seeds": layout.SEED_GROUP_PATTERN},
            depends_on=(setting, "data", "model", "epochs", "step_epochs", "factor", "max_batch_size", "schedules"),
            arguments={"seeds": seed_arguments},
        ),
        Job(
            name="analyse", kind="analyse",
            command=f"analyse --table-dir {table_dir} --figure-dir {figure_dir} --claims {{output.claims}}",
            inputs={"histories": [layout.histories_file(results, name, group) for name in smith_settings(smith) for group in groups]},
            outputs={"claims": layout.claims_file(results)}, depends_on=(EVERY_KEY,),
            tables=[layout.table_file(table_dir, name) for name in layout.TABLES],
            figures=[layout.figure_file(figure_dir, name) for name in layout.FIGURES],
            caption=str(CAPTIONS / "smith2018.rst"), category="Smith 2018",
        ),
    ]
