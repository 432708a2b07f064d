"""Where the Keskar et al. 2017 files live: the one source of their paths for the rules and the code.

Called with wildcard names ("{network}") instead of values, each function gives the rule's pattern.
"""

from __future__ import annotations

import re

from replications import papers
from replications.keskar2017.config import KeskarConfig

NAME = "keskar2017"
SB_AND_LB = ("SB", "LB")  # the two batch regimes of every network
RUN_NAME_PATTERN = r"SB|LB|batch[0-9]+|warm[0-9]+"
SWEEP_PREFIX, WARM_START_PREFIX = "batch", "warm"

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
_, table_file, figure_file = papers.paper_files(NAME)


def sweep_run(batch_size: int | str) -> str:
    """The run name of the batch-size sweep (Fig. 4) at `batch_size`."""
    return f"{SWEEP_PREFIX}{batch_size}"


def warm_start_run(epochs: int | str) -> str:
    """The run name of the warm start (Fig. 5) after `epochs` SB epochs.

    k = 0, LB from scratch, is Table 2's LB run: the same schedule, settings and seed (the same fingerprint), so
    it is not trained a second time.
    """
    return "LB" if str(epochs) == "0" else f"{WARM_START_PREFIX}{epochs}"


def warm_start_epochs(run: str) -> int:
    """k, the SB epochs before the switch to LB, of a warm-start run name (0 for LB)."""
    return 0 if run == "LB" else parse_run(run)[1]


def sweep_runs(keskar: KeskarConfig) -> list[str]:
    return [sweep_run(size) for size in keskar.sweep.batch_sizes]


def warm_start_runs(keskar: KeskarConfig) -> list[str]:
    return [warm_start_run(epochs) for epochs in keskar.warm_start.epochs]


def run_dir(results_dir: str, network: str, run: str, seed: int | str) -> str:
    return f"{results_dir}/{NAME}/{network}/{run}/seed{seed}"


def run_file(results_dir: str, network: str, run: str, seed: int | str, name: str) -> str:
    """metrics.json, history.csv, model.weights.h5 (training) or sharpness.json (measurement) of one run."""
    return f"{run_dir(results_dir, network, run, seed)}/{name}"


def parse_run_file(path: str) -> tuple[str, str, int]:
    """(network, run, seed) of a file of run_file's pattern: an analysis step reads the files its job declares and
    learns from each path which run it holds."""
    match = re.search(rf"(?:^|/){NAME}/(?P<network>[^/]+)/(?P<run>{RUN_NAME_PATTERN})/seed(?P<seed>[0-9]+)/[^/]+$", str(path))
    if match is None:
        raise ValueError(f"{path} is not a file of a {NAME} run (results/{NAME}/<network>/<run>/seed<seed>/<file>)")
    return match["network"], match["run"], int(match["seed"])


def snapshot_dir(run_folder: str) -> str:
    """Weights at the trajectory's epochs (Fig. 6) in a run's folder; empty for the runs that keep none."""
    return f"{run_folder}/snapshots"


def snapshot_file(snapshots: str, epoch: int) -> str:
    return f"{snapshots}/epoch{epoch}.weights.h5"


def parametric_file(results_dir: str, network: str, seed: int | str) -> str:
    return f"{results_dir}/{NAME}/{network}/parametric/seed{seed}.csv"


def claims_file(results_dir: str, step: str) -> str:
    return f"{results_dir}/{NAME}/claims/{step}.csv"



def parse_run(run: str) -> tuple[str, int | None]:
    """('SB' or 'LB', None), ('sweep', batch size) or ('warm_start', SB epochs) for a run name."""
    if run in SB_AND_LB:
        return run, None
    for kind, prefix in (("sweep", SWEEP_PREFIX), ("warm_start", WARM_START_PREFIX)):
        number = run.removeprefix(prefix)
        if number != run and number.isdigit():
            return kind, int(number)
    raise ValueError(f"unknown run {run!r}: expected SB, LB, {SWEEP_PREFIX}<size> or {WARM_START_PREFIX}<epochs>")
