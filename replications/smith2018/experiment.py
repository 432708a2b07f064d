"""Smith et al. 2018: training every seed of one setting, and reading the histories back."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from replications.smith2018 import layout
from replications.smith2018.config import SmithConfig
from replications.smith2018.protocol import setting_schedule, settings
from replications.typed_config import CoreConfig


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


def run_seeds(core: CoreConfig, smith: SmithConfig, name: str, seeds: Sequence[int]) -> pd.DataFrame:
    """Some seeds of one setting, one run after another; their per-epoch rows.

    A seed's runs share the initialisation and the data order across settings: the claims pair them. The runs of
    one job share the compiled steps (`reuse_compiled`: the same numbers, without tracing and compiling each
    batch size again); each has its own run directory, so a killed job resumes at its unfinished run.
    """
    from replications.data import dataset_from_config
    from replications.schedules import Budget
    from replications.training import train_run

    core.runtime.configure()
    setting = settings(smith)[name]
    dataset = dataset_from_config(smith.data)
    histories = []
    for seed in seeds:
        result = train_run(
            dataset=dataset, model_config=smith.model, optimizer_config=setting.optimizer_config,
            schedule=setting_schedule(smith, setting), budget=Budget(max_epochs=smith.epochs), seed=seed,
            run_dir=layout.run_dir(core.results_dir, name, seed), reuse_compiled=True, keep_weights=False, **core.run_options(layout.NAME),
        )
        metrics = result.metrics
        histories.append(result.history.assign(setting=name, seed=seed, diverged=metrics["diverged"], rules_hash=metrics["rules_hash"]))
    return pd.concat(histories, ignore_index=True)

