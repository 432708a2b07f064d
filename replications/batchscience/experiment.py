"""The runs behind the batch-size claims of the seeds: what each Snakemake job computes.

- throughput: training samples per second against batch size, per network, on this device;
- gradient noise: minibatch gradients at fixed weights (at initialisation and along one training run):
  their spread around the full-batch gradient against m, and McCandlish et al.'s B_simple;
- steps to target: updates to a target test accuracy per batch size, each at its best learning rate;
- regimes: small batch vs large batch at equal epochs, at equal updates, and with the learning rate scaled.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from replications.batchscience import layout
from replications.batchscience.config import ScienceConfig
from replications.schedules import Budget, Phase, Schedule
from replications.typed_config import CoreConfig

# --- throughput -----------------------------------------------------------------------------------------


def throughput(core: CoreConfig, science: ScienceConfig, network: str) -> pd.DataFrame:
    """The time to train on `examples` examples, per batch size and sweep (after one warm-up call per batch size).

    Each sweep times every batch size once, in reverse order every other sweep, so a drift in the machine's speed
    touches every batch size alike rather than the last ones timed; each timing repeats its pass until it has lasted
    `min_seconds`, so a large batch's few updates are not timer noise.
    """
    import keras

    from replications.data import dataset_from_config
    from replications.models import build_model
    from replications.provenance import device_description
    from replications.training import Trainer, make_optimizer

    core.runtime.configure()
    device = device_description()
    plan = science.throughput
    spec = plan.networks[network]
    dataset = dataset_from_config(spec.data)
    keras.utils.set_random_seed(0)
    model = build_model(spec.model, dataset.input_shape, dataset.num_classes)
    trainer = Trainer(model, make_optimizer({"name": "sgd", "learning_rate": 1e-4}), dataset)
    permutation = np.random.default_rng(0).permutation(dataset.num_train)
    # Batches larger than the training set are left out.
    updates = {size: min(max(1, plan.examples // size), dataset.num_train // size) for size in plan.batch_sizes if size <= dataset.num_train}
    for batch_size, count in updates.items():
        trainer.run_epoch(permutation, batch_size, max_updates=count)  # compile and warm up
    rows = []
    for sweep in range(plan.sweeps):
        for batch_size in list(updates)[:: 1 if sweep % 2 == 0 else -1]:
            started, passes = time.perf_counter(), 0
            while passes == 0 or time.perf_counter() - started < plan.min_seconds:
                trainer.run_epoch(permutation, batch_size, max_updates=updates[batch_size])
                passes += 1
            seconds = (time.perf_counter() - started) / passes
            examples = updates[batch_size] * batch_size
            rows.append({
                "network": network, "sweep": sweep, "batch_size": batch_size, "updates": updates[batch_size], "examples": examples,
                "passes": passes, "seconds": seconds, "samples_per_second": examples / seconds, "seconds_per_update": seconds / updates[batch_size],
                "jit_compile": trainer.jit_compile, "device": device, **core.run_record(layout.NAME),
            })
    return pd.DataFrame(rows).sort_values(["sweep", "batch_size"], ignore_index=True)


# --- gradient noise -------------------------------------------------------------------------------------


class GradientSampler:
    """Mean-loss gradients of a model over chosen examples, in inference mode (BN uses its moving statistics,
    so per-example gradients are independent draws, as the theory assumes)."""

    def __init__(self, model, dataset, chunk: int = 1024) -> None:
        import keras
        import tensorflow as tf

        from replications.training import uses_xla

        self.x, self.y, self.chunk = dataset.x_train, dataset.y_train, chunk
        variables = model.trainable_variables

        @tf.function(jit_compile=uses_xla(model))
        def summed_gradient(x, y):
            with tf.GradientTape() as tape:
                total = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, model(x, training=False), from_logits=True))
            return tf.concat([tf.reshape(gradient, [-1]) for gradient in tape.gradient(total, variables)], axis=0)

        self._summed = summed_gradient

    def mean_gradient(self, indices: np.ndarray) -> np.ndarray:
        parts = np.array_split(indices, math.ceil(len(indices) / self.chunk))
        total = sum(self._summed(self.x[part], self.y[part]).numpy().astype(np.float64) for part in parts)
        return total / len(indices)

    def full_gradient(self) -> np.ndarray:
        return self.mean_gradient(np.arange(len(self.y)))


def gradient_spread(sampler: GradientSampler, batch_sizes: list[int], draws: int, rng: np.random.Generator) -> pd.DataFrame:
    """Per m: the root mean square of |g_m - G| over draws of m examples with replacement (the standard error)."""
    full = sampler.full_gradient()
    rows = []
    for batch_size in batch_sizes:
        squared = [np.sum((sampler.mean_gradient(rng.integers(0, len(sampler.y), batch_size)) - full) ** 2) for _ in range(draws)]
        rows.append({"batch_size": batch_size, "standard_error": float(np.sqrt(np.mean(squared))), "draws": draws})
    return pd.DataFrame(rows)


def noise_scale_at(sampler: GradientSampler, small: int, big: int, draws: int, rng: np.random.Generator) -> dict[str, float]:
    """B_simple from the two-batch estimator, and directly from the full-batch gradient and the spread at `small`."""
    from replications.batchscience.measures import noise_scale

    count = len(sampler.y)
    small_norms = [np.sum(sampler.mean_gradient(rng.integers(0, count, small)) ** 2) for _ in range(draws)]
    big_norms = [np.sum(sampler.mean_gradient(rng.integers(0, count, big)) ** 2) for _ in range(draws)]
    estimate = noise_scale(small_norms, big_norms, small, big)
    full = sampler.full_gradient()
    spread = np.mean([np.sum((sampler.mean_gradient(rng.integers(0, count, small)) - full) ** 2) for _ in range(draws)])
    direct = small * spread / np.sum(full**2)  # tr(Sigma) = m E|g_m - G|^2
    return {"gradient_norm_squared": estimate.gradient_norm_squared, "trace_covariance": estimate.trace_covariance,
            "b_simple": estimate.b_simple, "b_simple_direct": float(direct)}


def gradient_noise(core: CoreConfig, science: ScienceConfig, run_dir: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train once, keeping snapshots; measure the spread at init and at the end, and B_simple at every snapshot."""
    import keras

    from replications.data import dataset_from_config
    from replications.models import build_model
    from replications.training import train_run

    core.runtime.configure()
    noise = science.gradient_noise
    dataset = dataset_from_config(science.data)
    schedule = Schedule.constant(science.optimizer["learning_rate"], noise.training_batch)
    result = train_run(
        dataset=dataset, model_config=science.model, optimizer_config=science.optimizer, schedule=schedule,
        budget=Budget(max_epochs=noise.epochs), seed=science.seeds[0], run_dir=run_dir,
        snapshots={epoch: layout.snapshot_file(run_dir, epoch) for epoch in noise.snapshot_epochs}, **core.run_options(layout.NAME),
    )
    rng = np.random.default_rng(science.seeds[0])
    keras.utils.set_random_seed(science.seeds[0])  # the run's initial weights, rebuilt as train_run built them
    model = build_model(science.model, dataset.input_shape, dataset.num_classes)
    sampler = GradientSampler(model, dataset)  # reads the model's variables, which each snapshot overwrites
    spreads, scales = [], []
    for epoch in [0, *noise.snapshot_epochs]:
        if epoch:
            model.load_weights(layout.snapshot_file(run_dir, epoch))
        row = result.history.iloc[epoch - 1] if epoch else None
        scales.append({
            "epoch": epoch, "updates": int(row["updates"]) if epoch else 0,
            "test_accuracy": float(row["test_accuracy"]) if epoch else float("nan"),
            **noise_scale_at(sampler, noise.small_batch, noise.big_batch, noise.draws, rng),
        })
        if epoch in (0, noise.snapshot_epochs[-1]):
            point = "initialisation" if epoch == 0 else f"after {epoch} epochs"
            spreads.append(gradient_spread(sampler, list(noise.batch_sizes), noise.draws, rng).assign(point=point, epoch=epoch))
    record = core.run_record(layout.NAME)
    return pd.concat(spreads, ignore_index=True).assign(**record), pd.DataFrame(scales).assign(**record)


# --- steps to target ------------------------------------------------------------------------------------


def steps_group(core: CoreConfig, science: ScienceConfig, batch_size: int) -> pd.DataFrame:
    """One batch size: every learning rate on the tuning seed, until the target test accuracy (or the budget); then the
    fastest of them on every measuring seed. Choosing the rate on one seed and measuring on others keeps the minimum
    over rates from biasing the measured steps downward."""
    from replications.batchscience.measures import steps_to_target
    from replications.data import dataset_from_config
    from replications.training import train_run

    core.runtime.configure()
    steps = science.steps_to_target
    dataset = dataset_from_config(science.data)

    def run(learning_rate: float, seed: int, role: str) -> dict[str, Any]:
        result = train_run(
            dataset=dataset, model_config=science.model, optimizer_config={**science.optimizer, "learning_rate": learning_rate},
            schedule=Schedule.constant(learning_rate, batch_size),
            budget=Budget(max_epochs=steps.max_epochs, max_updates=steps.max_updates, target_accuracy=steps.target_accuracy),
            seed=seed, run_dir=layout.run_dir(core.results_dir, f"steps/batch{batch_size}/lr{learning_rate:g}/seed{seed}"),
            reuse_compiled=True, keep_weights=False, **core.run_options(layout.NAME),
            training_set_every_epoch=False,  # steps to target read the test set alone; the final metrics stay the same
        )
        return {
            "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed, "role": role,
            "diverged": result.metrics["diverged"], "stop_reason": result.metrics["stop_reason"], "epochs": result.metrics["epochs"],
            "steps_to_target": steps_to_target(result.history, steps.target_accuracy),
            "best_test_accuracy": result.metrics["best_test_accuracy"], "rules_hash": result.metrics["rules_hash"],
        }

    tuning = [run(learning_rate, steps.tuning_seed, "tuning") for learning_rate in steps.learning_rates]
    reached = [row for row in tuning if np.isfinite(row["steps_to_target"])]
    if not reached:  # no rate reaches the target at this batch size: nothing to measure
        return pd.DataFrame(tuning)
    tuned = min(reached, key=lambda row: row["steps_to_target"])["learning_rate"]
    return pd.DataFrame(tuning + [run(tuned, seed, "measured") for seed in science.seeds])


# --- regimes: equal epochs, equal updates, scaled learning rates -----------------------------------------


def regime_settings(science: ScienceConfig) -> dict[str, dict[str, Any]]:
    """Name -> (schedule, budget) of the small batch and the large-batch variants."""
    regimes = science.regimes
    small, large, epochs = regimes.small_batch, regimes.large_batch, regimes.epochs
    rate, ratio, warmup = science.optimizer["learning_rate"], large / small, regimes.warmup_epochs

    def warmed(target_rate: float) -> Schedule:
        """Goyal et al.'s gradual warm-up, per epoch: from the small batch's rate up to the scaled one."""
        ramp = [Phase(epoch, rate + (target_rate - rate) * epoch / warmup, large) for epoch in range(warmup)]
        return Schedule((*ramp, Phase(warmup, target_rate, large)))

    from replications.data import train_size

    small_updates = epochs * math.ceil(train_size(science.data) / small)
    return {
        "small_batch": {"schedule": Schedule.constant(rate, small), "budget": Budget(max_epochs=epochs)},
        "large_batch_equal_epochs": {"schedule": Schedule.constant(rate, large), "budget": Budget(max_epochs=epochs)},
        # Hoffer et al.'s regime adaptation: as many updates as the small batch (the last epoch may stop part way).
        "large_batch_equal_updates": {"schedule": Schedule.constant(rate, large),
                                      "budget": Budget(max_epochs=math.ceil(epochs * ratio) + 1, max_updates=small_updates)},
        "large_batch_linear_lr": {"schedule": warmed(rate * ratio), "budget": Budget(max_epochs=epochs)},
        "large_batch_sqrt_lr": {"schedule": warmed(rate * math.sqrt(ratio)), "budget": Budget(max_epochs=epochs)},
    }


def run_regime(core: CoreConfig, science: ScienceConfig, name: str) -> pd.DataFrame:
    """Every seed of one regime; the per-epoch histories (with the distance from the initial weights)."""
    from replications.data import dataset_from_config
    from replications.training import train_run

    core.runtime.configure()
    setting = regime_settings(science)[name]
    dataset = dataset_from_config(science.data)
    frames = []
    for seed in science.seeds:
        result = train_run(
            dataset=dataset, model_config=science.model, optimizer_config=science.optimizer, schedule=setting["schedule"],
            budget=setting["budget"], seed=seed, run_dir=layout.run_dir(core.results_dir, f"regimes/{name}/seed{seed}"),
            **core.run_options(layout.NAME), max_call_seconds=core.runtime.max_call_seconds, keep_weights=False,
            reuse_compiled=True,  # the seeds share the compiled steps
        )
        frames.append(result.history.assign(regime=name, seed=seed, diverged=result.metrics["diverged"], rules_hash=result.metrics["rules_hash"]))
    return pd.concat(frames, ignore_index=True)
