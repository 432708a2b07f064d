# Shared paths and helpers of the workflow. The config is validated in the Snakefile.

import os
import sys
from pathlib import Path

import yaml

RESULTS = config["results_dir"]
REPORT = config["report_dir"]
THREADS = config["runtime"]["threads_per_job"]
# Jobs run with Snakemake's own interpreter, which has the package installed (PATH may not);
# with --sdm conda, with the environment's python (`python -m` finds the package in the workdir).
CONDA_ENV = "../envs/replications.yaml"
USES_CONDA = "conda" in {str(method).lower() for method in workflow.deployment_settings.deployment_method}
PYTHON = "python" if USES_CONDA else sys.executable


wildcard_constraints:
    seed=r"\d+",
    run=r"SB|LB|batch[0-9]+|warm[0-9]+",
    network=r"[A-Za-z0-9]+",
    task=r"[a-z0-9_]+",
    batch=r"[0-9]+|full",
    setting=r"[a-z0-9_]+(-[a-z0-9_]+)?",
    regime=r"[a-z0-9_]+",


def write_resolved_config(config: dict) -> str:
    """The validated config (with --config overrides and defaults) as one file the jobs read.

    Rewritten only when it changes, so its time stamp does not trigger reruns;
    each rule's params carry its config section, so a change reruns what it touches.
    """
    path = Path(RESULTS) / "config.resolved.yaml"
    text = yaml.safe_dump(config, sort_keys=False)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)


CONFIG_FILE = write_resolved_config(config)
CONFIG_SOURCE = os.path.relpath(workflow.configfiles[-1])


def log_path(name: str) -> str:
    return f"{RESULTS}/logs/{name}.log"


def benchmark_path(name: str) -> str:
    """Snakemake's per-job timing (wall seconds, memory); the report sums them per rule."""
    return f"{RESULTS}/rule_benchmarks/{name}.tsv"
