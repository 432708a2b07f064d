"""Running one configured training run end to end, and the command-line plumbing every paper shares."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, Sequence

from replications.config import ConfigError, load_config


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default="config/quick.yaml", help="YAML config file (default: %(default)s)")
    return parser


def add_analyse_step(steps: argparse._SubParsersAction, help_text: str) -> argparse.ArgumentParser:
    """The `analyse` step every replication has: tables, figures and claim rows into the given places."""
    analyse = steps.add_parser("analyse", help=help_text)
    analyse.add_argument("--table-dir", required=True)
    analyse.add_argument("--figure-dir", required=True)
    analyse.add_argument("--claims", required=True)
    return analyse


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stdout, force=True)


def load_checked_config(path: str) -> dict[str, Any]:
    """Load and validate the config; a bad config stops here with its key named, before any work."""
    setup_logging()
    try:
        return load_config(path)
    except ConfigError as error:
        sys.exit(f"error: {error}")  # exit status 1, the message without a traceback


def train_run(
    *,
    dataset: "Dataset",
    model_config: dict[str, Any],
    optimizer_config: dict[str, Any],
    schedule: "Schedule",
    budget: "Budget",
    seed: int,
    run_dir: str | Path,
    runtime: dict[str, Any],
    snapshot_epochs: Sequence[int] = (),
    checkpoint_seconds: float = 0.0,
) -> "RunResult":
    """Train one seeded run, resuming from `run_dir` if it was interrupted; write its record there.

    Weights at `snapshot_epochs` go to run_dir/snapshots/epoch<E>.weights.h5 (for measurements along training).
    """
    import keras

    from replications.models import build_model
    from replications.training import data_parallel_strategy, make_optimizer, save_run, strategy_scope, train

    keras.utils.set_random_seed(seed)
    strategy = data_parallel_strategy()
    with strategy_scope(strategy):
        model = build_model(model_config, dataset.input_shape, dataset.num_classes)
        optimizer = make_optimizer(optimizer_config)
    snapshots = Path(run_dir) / "snapshots"

    def save_snapshot(row: dict[str, Any]) -> None:
        if row["epoch"] in snapshot_epochs:
            snapshots.mkdir(parents=True, exist_ok=True)
            model.save_weights(snapshots / f"epoch{row['epoch']}.weights.h5")

    result = train(
        model, optimizer, dataset, schedule, budget,
        seed=seed, run_dir=run_dir, eval_batch_size=runtime.get("eval_batch_size", 4096), on_epoch_end=save_snapshot,
        checkpoint_seconds=checkpoint_seconds, strategy=strategy,
    )  # fmt: skip
    save_run(run_dir, result, model)
    logging.getLogger(__name__).info("run finished: %s", json.dumps(result.metrics))
    return result


def read_metrics(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
