"""Where the batch-size science files live: the one source of their paths for the rules and the code.

Called with wildcard names ("{network}") instead of values, each function gives the rule's pattern.
"""

from __future__ import annotations

from replications import papers

NAME = "batchscience"
# Small batch vs large batch at equal epochs, at equal updates, and with the learning rate scaled (experiment.regime_settings).
REGIMES = ("small_batch", "large_batch_equal_epochs", "large_batch_equal_updates", "large_batch_linear_lr", "large_batch_sqrt_lr")
TABLES = (
    "throughput", "throughput_summary", "gradient_noise", "noise_scale", "steps_to_target", "steps_to_target_best",
    "tradeoff", "regimes", "distance_fits",
)
FIGURES = ("throughput", "gradient_noise", "steps_to_target", "regimes")

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


def folder(results_dir: str) -> str:
    return f"{results_dir}/{NAME}"


def throughput_file(results_dir: str, network: str) -> str:
    return f"{folder(results_dir)}/throughput_{network}.csv"


def spread_file(results_dir: str) -> str:
    return f"{folder(results_dir)}/gradient_spread.csv"


def noise_scale_file(results_dir: str) -> str:
    return f"{folder(results_dir)}/noise_scale.csv"


def steps_file(results_dir: str, batch_size: int | str) -> str:
    return f"{folder(results_dir)}/steps_batch{batch_size}.csv"


def regime_file(results_dir: str, regime: str) -> str:
    return f"{folder(results_dir)}/regime_{regime}.csv"


def run_dir(results_dir: str, name: str) -> str:
    """A training run's own folder (checkpoints, history, snapshots): noise_run, steps/..., regimes/..."""
    return f"{folder(results_dir)}/{name}"


def snapshot_file(run_folder: str, epoch: int) -> str:
    """The weights of a run after `epoch` (the noise run keeps them to measure B_simple along training)."""
    return f"{run_folder}/snapshots/epoch{epoch}.weights.h5"

