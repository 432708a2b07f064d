"""The toy paper's jobs (replications.jobs): one training job per batch size, one analysis job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replications.jobs import Job
from replications.papers import report_dirs
from tests.toy_paper import layout

CAPTIONS = Path(__file__).resolve().with_name("captions")  # for `snakemake --report`


def jobs(config: dict[str, Any]) -> list[Job]:
    results, (table_dir, figure_dir) = config["results_dir"], report_dirs(config)
    section = config[layout.NAME]
    return [
        Job(
            name="train", command="train --batch {wildcards.batch} --output {output.runs}",
            outputs={"runs": layout.runs_file(results, "{batch}")}, log_suffix="batch{batch}",
            wildcard_constraints={"batch": r"[0-9]+"}, depends_on=("data", "model", "seeds", "epochs", "learning_rate"),
        ),
        Job(
            name="analyse", kind="analyse",
            command=f"analyse --table-dir {table_dir} --figure-dir {figure_dir} --claims {{output.claims}}",
            inputs={"runs": [layout.runs_file(results, size) for size in (section["small_batch"], section["large_batch"])]},
            outputs={"claims": layout.claims_file(results)}, depends_on=("small_batch", "large_batch", "claims"),
            tables=[layout.table_file(table_dir, name) for name in layout.TABLES],
            figures=[layout.figure_file(figure_dir, name) for name in layout.FIGURES],
            caption=str(CAPTIONS / "toypaper.rst"), category="Toy paper",
        ),
    ]
