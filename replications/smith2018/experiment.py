"""Smith et al. 2018: training every seed of one setting, and reading the histories back."""

from __future__ import annotations


import numpy as np
import pandas as pd

from replications.smith2018 import layout
from replications.smith2018.config import SmithConfig
from replications.smith2018.protocol import setting_schedule, settings
from replications.typed_config import Workspace


def switch_seconds(history: pd.DataFrame) -> list[float]:
    """Per batch-size change: the first epoch's time at the new size minus the median of that size's other epochs.

    The difference is the cost of the switch: tracing and compiling the new size's training loop.
    """
    durations = np.diff(history["wall_seconds"].to_numpy(), prepend=0.0)
    sizes = history["batch_size"].to_numpy()
    costs = []
    for index in np.flatnonzero(np.diff(sizes)) + 1:
        others = [durations[i] for i in range(index + 1, len(sizes)) if sizes[i] == sizes[index]]
        if others:
            costs.append(float(durations[index] - np.median(others)))
    return costs


def run_seed(workspace: Workspace, smith: SmithConfig, name: str, seed: int) -> pd.DataFrame:
    """One seed of one setting (one training run, so a cluster job fits a walltime); its per-epoch rows.

    A seed's runs share the initialisation and the data order across settings: the claims pair them.
    """
    from replications.data import dataset_from_config
    from replications.schedules import Budget
    from replications.training import configure_runtime, train_run

    configure_runtime(workspace.runtime.job_threads(), workspace.runtime.deterministic_ops)
    setting = settings(smith)[name]
    result = train_run(
        dataset=dataset_from_config(smith.data), model_config=smith.model, optimizer_config=setting.optimizer_config,
        schedule=setting_schedule(smith, setting), budget=Budget(max_epochs=smith.epochs), seed=seed,
        run_dir=layout.run_dir(workspace.results_dir, name, seed), eval_batch_size=workspace.runtime.eval_batch_size,
        record=workspace.run_record(layout.NAME),
    )  # fmt: skip
    return result.history.assign(setting=name, seed=seed, diverged=result.metrics["diverged"], rules_hash=result.metrics["rules_hash"])


def collect(workspace: Workspace, smith: SmithConfig) -> pd.DataFrame:
    """The per-epoch histories of every setting and seed."""
    files = [layout.history_file(workspace.results_dir, name, seed) for name in settings(smith) for seed in smith.seeds]
    return pd.concat([pd.read_csv(file) for file in files], ignore_index=True)
