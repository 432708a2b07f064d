# Shared paths and helpers of the workflow. The config is merged and validated in the Snakefile.

import os
import sys
import tempfile
from pathlib import Path

import yaml

RESULTS = config["results_dir"]
REPORT = config["report_dir"]
THREADS = config["runtime"]["threads_per_job"]
VERDICT_SETTINGS = config["verdicts"]  # a param of every claims step: how its verdicts are checked
# Jobs run with Snakemake's own interpreter, which has the package installed (PATH may not);
# with --sdm conda, with the environment's python. Either way they import from the workflow's folder
# first, as the Snakefile does: every job sees the paper packages the config lists, installed or not.
CONDA_ENV = f"{workflow.basedir}/envs/replications.yaml"
USES_CONDA = "conda" in {str(method).lower() for method in workflow.deployment_settings.deployment_method}
PYTHON = f"PYTHONPATH={workflow.basedir}${{PYTHONPATH:+:$PYTHONPATH}} " + ("python" if USES_CONDA else sys.executable)


wildcard_constraints:
    seed=r"\d+",


def write_resolved_config(config: dict) -> str:
    """The validated config (with --config overrides and defaults) as one file the jobs read.

    Rewritten only when it changes (atomically), so its time stamp does not trigger reruns; the rules
    declare it as an ancient() input, and each rule's params carry its config section, so a change
    reruns what it touches.
    """
    path = Path(RESULTS) / "config.resolved.yaml"
    text = yaml.safe_dump(config, sort_keys=False)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, path)
    return str(path)


CONFIG_FILE = write_resolved_config(config)


def shown_path(path: str) -> str:
    """A config file's path as the report shows it: relative to the repository when it is inside it."""
    relative = os.path.relpath(path, workflow.basedir)
    return str(path) if relative.startswith("..") else relative


CONFIG_SOURCES = " ".join(dict.fromkeys(shown_path(path) for path in CONFIG_FILES))


def log_path(name: str) -> str:
    return f"{RESULTS}/logs/{name}.log"


def benchmark_path(name: str) -> str:
    """Snakemake's per-job timing (wall seconds, memory); the report sums them per rule."""
    return f"{RESULTS}/rule_benchmarks/{name}.tsv"


TABLE_DIR = f"{REPORT}/tables"
FIGURE_DIR = f"{REPORT}/figures"


def report_tables(layout, names, caption: str, category: str) -> list[str]:
    """A paper's tables under reports/<scale>/tables, annotated for `snakemake --report`."""
    return report([layout.table_file(TABLE_DIR, name) for name in names], caption=caption, category=category, subcategory="tables")


def report_figures(layout, names, caption: str, category: str) -> dict:
    """A paper's PNG figures (annotated for `snakemake --report`) and the SVGs beside them, as named outputs."""
    return {
        "figures": report([layout.figure_file(FIGURE_DIR, name) for name in names], caption=caption, category=category, subcategory="figures"),
        "svg": [layout.figure_file(FIGURE_DIR, name, "svg") for name in names],
    }
