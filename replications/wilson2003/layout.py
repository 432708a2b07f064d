"""Where the Wilson & Martinez 2003 files live: the one source of their paths for the rules and the code.

One training job per (task, batch label) runs every learning rate and seed; a batch label is a batch
size or 'full' (the whole training set). Called with wildcard names, each function gives the rule's pattern.
"""

from __future__ import annotations

from replications import papers
from replications.wilson2003.config import WilsonConfig

NAME = "wilson2003"
FULL = "full"
RUN_KEYS = ["task", "batch_label", "learning_rate", "seed"]  # the columns that name a run of the grid
# A refined crossing's columns (steps.refine_crossings), after the run's keys.
CROSSING_COLUMNS = ["crossing_epoch", "updates_to_target", "epochs_to_target_refined", "at_first_probe", "end_probe_accuracy",
                    "recorded_accuracy"]
TABLES = ("large_task", "summary")
FIGURES = ("epochs", "curves")

# claims_file(results_dir), table_file(table_dir, name), figure_file(figure_dir, name, suffix='png')
claims_file, table_file, figure_file = papers.paper_files(NAME)


def group_dir(results_dir: str, task: str, label: str) -> str:
    return f"{results_dir}/{NAME}/{task}/batch{label}"


def runs_file(results_dir: str, task: str, label: str) -> str:
    """One summary row per (learning rate, seed) of the group."""
    return f"{group_dir(results_dir, task, label)}/runs.csv"


def histories_file(results_dir: str, task: str, label: str) -> str:
    """The per-epoch histories of every (learning rate, seed) of the group."""
    return f"{group_dir(results_dir, task, label)}/histories.csv"


def crossings_file(results_dir: str, task: str) -> str:
    """Claim 3's crossings of the target refined below an epoch, for the runs it reads (one row per run)."""
    return f"{results_dir}/{NAME}/{task}/crossings.csv"


def run_dir(results_dir: str, task: str, label: str, learning_rate: float, seed: int) -> str:
    return f"{group_dir(results_dir, task, label)}/lr{learning_rate:g}/seed{seed}"



def batch_labels(wilson: WilsonConfig, num_train: int) -> list[str]:
    """The grid's batch sizes below the training-set size, then 'full' (the whole training set)."""
    return [str(size) for size in wilson.batch_sizes if size < num_train] + [FULL]


def task_train_size(wilson: WilsonConfig, task: str) -> int:
    from replications.data import train_size

    return train_size(wilson.task(task).data, wilson.holdout_fraction)


def grid(wilson: WilsonConfig) -> list[tuple[str, str]]:
    """(task, batch label) of every job; batch sizes at or above a task's training-set size are left out. Then the size
    series' smaller members, online and full batch only (its largest member is the task itself, in the grid already)."""
    tasks = [(task, label) for task in wilson.tasks for label in batch_labels(wilson, task_train_size(wilson, task))]
    return tasks + [(member, label) for member in wilson.series_tasks() if member not in wilson.tasks for label in ("1", FULL)]
