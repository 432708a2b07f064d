"""The training engine shared by every replication.

One epoch (or the part of it a budget allows) runs inside a single compiled
`tf.function` that loops over minibatches, so batch 1 costs ~0.5 ms per update
instead of the ~3 ms of `model.fit`; one function per distinct batch size, so a
schedule that changes the batch size compiles once per size and never rebuilds the
model. With several GPUs the steps run under `tf.distribute.MirroredStrategy`, each
replica taking its share of every batch. Around it, in plain Python, once per epoch:
the piecewise learning-rate / batch-size schedule, full evaluation, the history
row, divergence and stopping rules, and an atomic checkpoint for resuming.

Runs of many tiny epochs (a full batch of a few hundred examples: ~0.05 ms of work against ~1.2 ms of
Python and call overhead per epoch) can instead run many epochs per compiled call, evaluation and the
distance from the initial weights included (`max_call_seconds`): the same weights, running loss and accuracies
(the evaluation losses and the distance, summed inside a larger graph, may differ in their last bits).

`train` is one loop over compiled calls: `EpochCalls` plans each call (several fused epochs, or one epoch in its own
calls) and returns one `EpochNumbers` per epoch; `RunState` turns them into history rows and decides when to stop;
`Checkpoints` saves and resumes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from replications import job_clock
from replications.data import Dataset
from replications.schedules import Budget, Phase, Schedule

logger = logging.getLogger(__name__)

HISTORY_COLUMNS = [
    "epoch",  # 1-based count of finished epochs
    "updates",  # parameter updates so far
    "examples_seen",  # training examples processed so far
    "learning_rate",
    "batch_size",
    "train_loss_running",  # mean minibatch loss during the epoch (training mode)
    "train_loss",  # full training set, inference mode
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "wall_seconds",  # cumulative training + evaluation time, restarts excluded
    "distance_from_init",  # Euclidean norm of (trainable weights - initial trainable weights)
]

CHECKPOINT_NAME = "checkpoint.npz"
# Epochs per compiled call at most (the first dimension of its permutations): one function serves every call length.
MAX_EPOCHS_PER_CALL = 64
INITIAL_WEIGHTS_NAME = "initial_weights.npz"
# Snapshots wait here until the run ends: Snakemake clears a killed job's outputs before it resumes, not this.
SNAPSHOT_STAGING_NAME = "snapshots.partial"
# The code a run's numbers depend on, besides its settings: part of every run's fingerprint.
ENGINE_SOURCES = ("training.py", "models.py", "layers.py", "data.py", "schedules.py")


class RunSettingsMismatchError(ValueError):
    """A checkpoint written under other settings (or code) than the run that would resume from it."""


def run_fingerprint(
    dataset: Dataset, model_config: Mapping[str, Any], optimizer_config: Mapping[str, Any], schedule: Schedule, budget: Budget,
    seed: int, eval_batch_size: int, training_set_every_epoch: bool, several_epochs_per_call: bool = False,
    snapshot_epochs: Sequence[int] = (), initial_weights_ulps: int = 0,
) -> str:
    """A hash of everything a run's numbers depend on: a checkpoint resumes, and a finished run is reused, only under it."""
    step = max(1, len(dataset.x_train) // 256)  # a sample of the inputs and every label: cheap, and any other split differs
    data = hashlib.sha256(dataset.x_train[::step].tobytes() + dataset.y_train.tobytes() + dataset.y_test.tobytes()).hexdigest()
    engine = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes() for name in ENGINE_SOURCES)).hexdigest()
    settings = {
        "data": [dataset.name, list(dataset.x_train.shape), list(dataset.x_test.shape), data],
        "model": model_config, "optimizer": optimizer_config, "schedule": [dataclasses.astuple(phase) for phase in schedule.phases],
        "budget": dataclasses.asdict(budget), "seed": seed, "eval_batch_size": eval_batch_size,
        "training_set_every_epoch": training_set_every_epoch, "engine": engine, "tensorflow": tf.__version__,
        # Epochs in one call sum the distance from x0 and the evaluation losses inside a larger graph (last bits).
        **({"several_epochs_per_call": True} if several_epochs_per_call else {}),
        # A finished run is reused only if it kept the snapshots asked of it.
        **({"snapshot_epochs": sorted(snapshot_epochs)} if snapshot_epochs else {}),
        **({"initial_weights_ulps": initial_weights_ulps} if initial_weights_ulps else {}),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def uses_xla(model: keras.Model) -> bool:
    """XLA for dense networks only: on CPU, XLA's convolutions are 3-30x slower than TensorFlow's own
    (measured here: the quick Wide ResNet 0.5 s vs 4.4 s per epoch; the 8x8 C1 0.04 s vs 0.10 s)."""
    convolutions = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
    on_cpu = not tf.config.list_logical_devices("GPU")
    return not (on_cpu and any(isinstance(layer, convolutions) for layer in model.layers))


def data_parallel_strategy() -> tf.distribute.Strategy | None:
    """MirroredStrategy when more than one GPU is visible (large batches are where data parallelism pays)."""
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else None


def strategy_scope(strategy: tf.distribute.Strategy | None) -> contextlib.AbstractContextManager:
    """The strategy's scope, in which variables become mirrored; a no-op without a strategy."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def configure_runtime(threads_per_job: int = 1, deterministic_ops: bool = False) -> None:
    """Set TensorFlow's thread pools; call before any TensorFlow op runs."""
    tf.config.threading.set_intra_op_parallelism_threads(threads_per_job)
    tf.config.threading.set_inter_op_parallelism_threads(threads_per_job)
    if deterministic_ops:  # GPU only: on CPU runs are bit-identical already, and this turns XLA off
        tf.config.experimental.enable_op_determinism()


@dataclasses.dataclass(frozen=True)
class EpochNumbers:
    """What one epoch's compiled calls measure, whichever calls ran it (`Trainer.run_epochs`, or `Trainer.run_epoch`
    and the evaluations): the counters it adds, its running loss, (loss, accuracy) pairs and the distance from x0."""

    updates: int
    examples: int
    running_loss: float  # mean minibatch loss, training mode
    test: tuple[float, float]
    train: tuple[float, float]  # (nan, nan) when the training set was not evaluated after this epoch
    distance: float  # from the initial trainable weights


@dataclasses.dataclass
class RunResult:
    history: pd.DataFrame
    metrics: dict[str, Any]


def make_optimizer(optimizer_config: dict[str, Any]) -> keras.optimizers.Optimizer:
    """Build the optimizer a config's `optimizer:` block names."""
    options = dict(optimizer_config)
    name = options.pop("name")
    if name == "adam":
        return keras.optimizers.Adam(**options)
    if name == "sgd":
        return keras.optimizers.SGD(**options)
    raise ValueError(f"unknown optimizer {name!r}; known: adam, sgd")


class Trainer:
    """Compiled training and evaluation steps for one model, optimizer and data set."""

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        dataset: Dataset,
        *,
        eval_batch_size: int = 4096,
        jit_compile: bool | None = None,
        strategy: tf.distribute.Strategy | None = None,
    ) -> None:
        """`jit_compile` None: `uses_xla(model)`. With a `strategy`, build the model and optimizer in its scope."""
        self.model = model
        self.optimizer = optimizer
        self.dataset = dataset
        self.eval_batch_size = eval_batch_size
        self.strategy = strategy
        # XLA cannot compile MirroredStrategy's cross-replica reductions.
        self.jit_compile = strategy is None and (uses_xla(model) if jit_compile is None else jit_compile)
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.x_train = tf.constant(dataset.x_train)
        self.y_train = tf.constant(dataset.y_train)
        with strategy_scope(strategy):
            optimizer.build(model.trainable_variables)
        # Concrete functions, called directly: a tf.function's own call matches its arguments against its
        # traces every time (~0.3 ms), which is most of an epoch of a small network at full batch.
        self._steps_by_batch_size: dict[int, tf.types.experimental.ConcreteFunction] = {}
        self._evaluate_by_shape: dict[tuple[int, ...], tf.types.experimental.ConcreteFunction] = {}
        self._epochs_by_batch_size: dict[tuple[int, bool], tf.types.experimental.ConcreteFunction] = {}
        self._evaluate_chunk = tf.function(self._evaluate_chunk_eager, jit_compile=self.jit_compile)
        self._train_chunks = self._chunks(dataset.x_train, dataset.y_train)
        self._test_chunks = self._chunks(dataset.x_test, dataset.y_test)
        variables = model.trainable_variables
        self._read_weights = tf.function(lambda: [tf.identity(variable.value) for variable in variables]).get_concrete_function()

    def _train_step(self, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        # Under a strategy, Keras losses come divided by the number of replicas (the gradients are summed
        # across replicas); the regularisation term is divided here the same way.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            logits = self.model(x, training=True)
            loss = self.loss_fn(y, logits)
            regularised = loss + sum(self.model.losses) / replicas if self.model.losses else loss
        gradients = tape.gradient(regularised, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))
        return loss

    def _distributed_step(self, x: tf.Tensor, y: tf.Tensor, batch_size: int) -> tf.Tensor:
        """One update with each replica on an equal share of the batch; the loss summed back to the batch mean."""
        replicas = self.strategy.num_replicas_in_sync
        if batch_size % replicas:
            raise ValueError(f"batch size {batch_size} does not split evenly over {replicas} replicas")
        x_parts, y_parts = tf.split(x, replicas), tf.split(y, replicas)
        x_local = self.strategy.experimental_distribute_values_from_function(lambda context: x_parts[context.replica_id_in_sync_group])
        y_local = self.strategy.experimental_distribute_values_from_function(lambda context: y_parts[context.replica_id_in_sync_group])
        losses = self.strategy.run(self._train_step, args=(x_local, y_local))
        return self.strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    def steps_function(self, batch_size: int) -> tf.types.experimental.ConcreteFunction:
        """A compiled loop of `num_steps` updates over `permutation[start:]`; one per batch size."""
        if batch_size not in self._steps_by_batch_size:

            def run_steps(permutation: tf.Tensor, start: tf.Tensor, num_steps: tf.Tensor) -> tf.Tensor:
                total_loss = tf.constant(0.0)
                for step in tf.range(num_steps):
                    indices = tf.slice(permutation, [start + step * batch_size], [batch_size])
                    x, y = tf.gather(self.x_train, indices), tf.gather(self.y_train, indices)
                    total_loss += self._train_step(x, y) if self.strategy is None else self._distributed_step(x, y, batch_size)
                return total_loss

            permutation = tf.TensorSpec([self.dataset.num_train], tf.int32)
            scalar = tf.TensorSpec([], tf.int32)
            compiled = tf.function(run_steps, jit_compile=self.jit_compile)
            with job_clock.phase("trace"):
                self._steps_by_batch_size[batch_size] = compiled.get_concrete_function(permutation, scalar, scalar)
        return self._steps_by_batch_size[batch_size]

    def _run_steps(self, batch_size: int, permutation: tf.Tensor, start: int, num_steps: int) -> float:
        """`num_steps` updates from `permutation[start:]`; the summed loss."""
        steps = self.steps_function(batch_size)  # traced here the first time: start-up overhead, not work
        job_clock.first_work("update")
        return float(job_clock.compiled_call("train", steps, permutation, tf.constant(start), tf.constant(num_steps)))

    def run_epoch(self, permutation: np.ndarray, batch_size: int, max_updates: int | None = None) -> tuple[int, int, float]:
        """Train on one shuffled pass (the last batch may be smaller); return updates, examples, mean loss."""
        num_examples = len(permutation)
        full_batches, remainder = divmod(num_examples, batch_size)
        allowed = math.inf if max_updates is None else max_updates
        permutation = tf.constant(permutation, dtype=tf.int32)
        updates, examples, total_loss = 0, 0, 0.0
        num_full = int(min(full_batches, allowed))
        if num_full:
            total_loss += self._run_steps(batch_size, permutation, 0, num_full)
            updates, examples = num_full, num_full * batch_size
        if remainder and updates < allowed:
            total_loss += self._run_steps(remainder, permutation, full_batches * batch_size, 1)
            updates, examples = updates + 1, examples + remainder
        return updates, examples, total_loss / max(updates, 1)

    def epochs_function(self, batch_size: int, training_set: bool) -> tf.types.experimental.ConcreteFunction:
        """A compiled loop of `num_epochs` (at most MAX_EPOCHS_PER_CALL) whole epochs, one per row of `permutations`:
        the same updates as `run_epoch`, then, per epoch, the summed minibatch loss, the test set's (with `training_set`
        also the training set's) summed loss and correct count per evaluation chunk, and the squared distance of the
        trainable weights from `initial` in float64. One function per batch size and `training_set`."""
        key = (batch_size, training_set)
        if key not in self._epochs_by_batch_size:
            full_batches, remainder = divmod(self.dataset.num_train, batch_size)
            variables = self.model.trainable_variables
            chunks = self._test_chunks + (self._train_chunks if training_set else [])

            def train_on(permutation: tf.Tensor, start: int, size: int) -> tf.Tensor:
                indices = tf.slice(permutation, [start], [size])
                return self._train_step(tf.gather(self.x_train, indices), tf.gather(self.y_train, indices))

            def run_epochs(permutations: tf.Tensor, num_epochs: tf.Tensor, initial: list[tf.Tensor]) -> dict[str, tf.Tensor]:
                # Rows written into fixed-size tensors, not TensorArrays: those would make XLA compile the loop anew
                # for every number of epochs.
                outputs = {
                    "loss": tf.zeros([MAX_EPOCHS_PER_CALL]), "remainder_loss": tf.zeros([MAX_EPOCHS_PER_CALL]),
                    "chunk_loss": tf.zeros([MAX_EPOCHS_PER_CALL, len(chunks)]), "chunk_correct": tf.zeros([MAX_EPOCHS_PER_CALL, len(chunks)]),
                    "squared_distance": tf.zeros([MAX_EPOCHS_PER_CALL], tf.float64),
                }
                epoch = tf.constant(0)
                while epoch < num_epochs:  # not `tf.range(num_epochs)`: XLA would take the count as a constant, compiling per count
                    permutation = permutations[epoch]  # sliced once per epoch: inside the step loop XLA copies it every step
                    total_loss = tf.constant(0.0)
                    for step in tf.range(full_batches):
                        total_loss += train_on(permutation, step * batch_size, batch_size)
                    # Kept apart, as `run_epoch` adds the remainder's loss in Python: the same running loss to the bit.
                    remainder_loss = train_on(permutation, full_batches * batch_size, remainder) if remainder else tf.constant(0.0)
                    evaluated = [self._evaluate_chunk_eager(x, y) for x, y in chunks]
                    distance = tf.add_n([tf.reduce_sum(tf.square(tf.cast(variable, tf.float64) - start))
                                         for variable, start in zip(variables, initial)])
                    row = {"loss": total_loss, "remainder_loss": remainder_loss, "chunk_loss": tf.stack([loss for loss, _ in evaluated]),
                           "chunk_correct": tf.stack([correct for _, correct in evaluated]), "squared_distance": distance}
                    outputs = {name: tf.tensor_scatter_nd_update(values, [[epoch]], [row[name]]) for name, values in outputs.items()}
                    epoch += 1
                return outputs

            permutations = tf.TensorSpec([MAX_EPOCHS_PER_CALL, self.dataset.num_train], tf.int32)
            initial = [tf.TensorSpec(variable.shape, tf.float64) for variable in variables]
            compiled = tf.function(run_epochs, jit_compile=self.jit_compile)
            with job_clock.phase("trace"):
                self._epochs_by_batch_size[key] = compiled.get_concrete_function(permutations, tf.TensorSpec([], tf.int32), initial)
        return self._epochs_by_batch_size[key]

    def run_epochs(
        self, permutations: list[np.ndarray], batch_size: int, initial: list[tf.Tensor], training_set: bool,
    ) -> list[EpochNumbers]:
        """Whole epochs, one per permutation, in one compiled call (see `epochs_function`); per epoch, what `train`
        records: updates, examples, the running loss, test (and training-set) loss and accuracy, distance from x0."""
        if len(permutations) > MAX_EPOCHS_PER_CALL:
            raise ValueError(f"{len(permutations)} epochs in one call; at most {MAX_EPOCHS_PER_CALL}")
        function = self.epochs_function(batch_size, training_set)
        job_clock.first_work("update")
        padded = np.zeros((MAX_EPOCHS_PER_CALL, self.dataset.num_train), np.int32)
        padded[: len(permutations)] = permutations
        called = job_clock.compiled_call("fused epochs", function, tf.constant(padded), tf.constant(len(permutations)), initial)
        outputs = {name: values.numpy() for name, values in called.items()}
        updates = math.ceil(self.dataset.num_train / batch_size)
        test_chunks = len(self._test_chunks)
        epochs = []
        for epoch in range(len(permutations)):
            # Summed in float64 over chunks, as `evaluate` sums them, so a set of several chunks gives its numbers too.
            test = _mean_loss_and_accuracy(outputs, epoch, slice(0, test_chunks), len(self.dataset.y_test))
            train = _mean_loss_and_accuracy(outputs, epoch, slice(test_chunks, None), self.dataset.num_train) if training_set else (math.nan, math.nan)
            running_loss = (0.0 + float(outputs["loss"][epoch]) + float(outputs["remainder_loss"][epoch])) / updates
            distance = math.sqrt(float(outputs["squared_distance"][epoch]))
            epochs.append(EpochNumbers(updates, self.dataset.num_train, running_loss, test, train, distance))
        return epochs

    def _evaluate_chunk_eager(self, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        logits = self.model(x, training=False)
        losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        correct = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), y), tf.float32)
        return tf.reduce_sum(losses), tf.reduce_sum(correct)

    def _chunks(self, x: np.ndarray, y: np.ndarray) -> list[tuple[tf.Tensor, tf.Tensor]]:
        """A set as tensors in evaluation-sized chunks, converted once instead of at every evaluation."""
        size = self.eval_batch_size
        return [(tf.constant(x[start : start + size]), tf.constant(y[start : start + size])) for start in range(0, len(y), size)]

    def _evaluate_chunks(self, chunks: list[tuple[tf.Tensor, tf.Tensor]]) -> tuple[float, float]:
        total_loss, total_correct, count = 0.0, 0.0, 0
        for x, y in chunks:
            if x.shape not in self._evaluate_by_shape:
                with job_clock.phase("trace"):
                    self._evaluate_by_shape[x.shape] = self._evaluate_chunk.get_concrete_function(x, y)
            job_clock.first_work("evaluation")
            loss, correct = job_clock.compiled_call("evaluate", self._evaluate_by_shape[x.shape], x, y)
            total_loss += float(loss)
            total_correct += float(correct)
            count += int(y.shape[0])
        return total_loss / count, total_correct / count

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy and accuracy over a whole set, in inference mode."""
        return self._evaluate_chunks(self._chunks(x, y))

    def evaluate_training_set(self) -> tuple[float, float]:
        return self._evaluate_chunks(self._train_chunks)

    def evaluate_test_set(self) -> tuple[float, float]:
        return self._evaluate_chunks(self._test_chunks)

    def trainable_weights(self) -> list[np.ndarray]:
        """The trainable weights as arrays, read in one call (half the time of reading them one by one)."""
        if self.strategy is not None:
            return [variable.numpy() for variable in self.model.trainable_variables]
        return [weights.numpy() for weights in self._read_weights()]


def _mean_loss_and_accuracy(outputs: Mapping[str, np.ndarray], epoch: int, chunks: slice, count: int) -> tuple[float, float]:
    """One epoch's mean loss and accuracy over a set from the per-chunk sums of `Trainer.epochs_function`."""
    loss = sum(float(value) for value in outputs["chunk_loss"][epoch, chunks])
    correct = sum(float(value) for value in outputs["chunk_correct"][epoch, chunks])
    return loss / count, correct / count


@dataclasses.dataclass
class RunState:
    """A run's progress besides its weights: what its checkpoint keeps (the history as columns, the rest as JSON
    in this field order, so the file is what the engine wrote when this was a dict)."""

    fingerprint: str | None = None  # `run_fingerprint` of the settings: a checkpoint resumes only under its own
    epoch: int = 0  # finished epochs
    updates: int = 0
    examples_seen: int = 0
    wall_seconds: float = 0.0  # training and evaluation, restarts excluded
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # one row of HISTORY_COLUMNS per epoch
    best_train_loss: float = math.inf  # the lowest running loss so far (patience)
    epochs_without_improvement: int = 0
    stop_reason: str | None = None  # None while the run goes on

    def end_epoch(self, phase: Phase, numbers: EpochNumbers, budget: Budget, seconds: float, training_set: bool) -> dict[str, Any]:
        """The history row of a finished epoch (not yet appended); the counters and stop reason updated. `training_set`:
        the epoch evaluated the training set, whose non-finite loss makes the run diverged whatever else stopped it."""
        self.epoch += 1
        self.updates += numbers.updates
        self.examples_seen += numbers.examples
        self.wall_seconds += seconds
        row = {
            "epoch": self.epoch, "updates": self.updates, "examples_seen": self.examples_seen,
            "learning_rate": phase.learning_rate, "batch_size": phase.batch_size, "train_loss_running": numbers.running_loss,
            "train_loss": numbers.train[0], "train_accuracy": numbers.train[1],
            "test_loss": numbers.test[0], "test_accuracy": numbers.test[1],
            "wall_seconds": self.wall_seconds, "distance_from_init": numbers.distance,
        }
        self._update_stop_reason(row, budget)
        if training_set and not math.isfinite(row["train_loss"]):
            self.stop_reason = "diverged"
        return row

    def _update_stop_reason(self, row: dict[str, Any], budget: Budget) -> None:
        """Whether and why the run ends after this epoch: the first rule that applies wins."""
        if not math.isfinite(row["train_loss_running"]):
            self.stop_reason = "diverged"
            return
        # Keskar's "until the loss ceased to improve" watches the epoch's minibatch loss, as Keras'
        # `loss` does: the inference-mode loss of a large batch lags behind its BN moving averages.
        if row["train_loss_running"] < self.best_train_loss - budget.min_delta:
            self.best_train_loss = row["train_loss_running"]
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        if budget.target_accuracy is not None and row["test_accuracy"] >= budget.target_accuracy:
            self.stop_reason = "target_accuracy"
        elif budget.max_updates is not None and self.updates >= budget.max_updates:
            self.stop_reason = "max_updates"
        elif budget.patience is not None and self.epochs_without_improvement >= budget.patience:
            self.stop_reason = "converged"
        elif self.epoch >= budget.max_epochs:
            self.stop_reason = "max_epochs"

    def counters_json(self) -> str:
        """Everything but the history, as the checkpoint keeps it."""
        return json.dumps({field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name != "history"})


@dataclasses.dataclass(frozen=True)
class CallPlan:
    """The epochs the next compiled call runs."""

    first_epoch: int
    epochs: int
    batch_size: int
    fused: bool  # whole epochs in one `Trainer.run_epochs` call; else one epoch in its own calls
    max_updates: int | None = None  # where the update budget cuts an epoch that is not fused


class EpochCalls:
    """Runs a run's epochs in compiled calls and gives back their numbers, one `EpochNumbers` per epoch.

    `max_call_seconds` > 0: as many whole epochs per `Trainer.run_epochs` call as take about that long (at most
    MAX_EPOCHS_PER_CALL, never across a change of the schedule or past a callback epoch), for runs of many tiny epochs.
    Otherwise, and for an epoch the update budget ends inside, one epoch in its own calls (`Trainer.run_epoch`, the
    evaluations, the distance in NumPy). The two are different compiled programs: the same weights, running loss and
    accuracies to the bit, while the distance from x0 (float64 in the graph) and the evaluation losses may differ in
    their last bits (XLA sums them inside a larger graph). So which one runs an epoch follows from the settings alone;
    timing only sets how many fused epochs share a call, which changes no number.
    """

    def __init__(
        self, trainer: Trainer, seed: int, initial: list[np.ndarray], *, max_call_seconds: float,
        callback_epochs: Sequence[int] | None, training_set: bool,
    ) -> None:
        self._trainer, self._seed, self._initial, self._training_set = trainer, seed, initial, training_set
        self._max_call_seconds = max_call_seconds
        self._callback_epochs = tuple(callback_epochs or ())
        self._initial_float64 = [tf.constant(weights, tf.float64) for weights in initial] if max_call_seconds > 0 else []
        self._epochs_per_call = 1  # grows to what fits in max_call_seconds once an epoch has been timed
        self._rewind_to: list[np.ndarray] = []  # every variable before the last fused call of several epochs

    def plan(self, epoch: int, updates: int, phase: Phase, schedule: Schedule, budget: Budget) -> CallPlan:
        """How many epochs, from `epoch` on, the next call runs, and in which compiled program."""
        remaining = None if budget.max_updates is None else budget.max_updates - updates
        whole_epochs_left = math.inf if remaining is None else remaining // math.ceil(self._trainer.dataset.num_train / phase.batch_size)
        if self._max_call_seconds <= 0 or whole_epochs_left < 1:  # an epoch the update budget ends inside runs on its own
            return CallPlan(epoch, 1, phase.batch_size, fused=False, max_updates=remaining)
        to_callback = min((stop - epoch for stop in self._callback_epochs if stop > epoch), default=math.inf)  # a call ends there
        count = min(self._epochs_per_call, budget.max_epochs - epoch, schedule.next_change(epoch) - epoch, whole_epochs_left, to_callback)
        return CallPlan(epoch, int(count), phase.batch_size, fused=True)

    def run(self, plan: CallPlan) -> list[EpochNumbers]:
        """The planned epochs' numbers; the model then holds the weights after the last of them."""
        if not plan.fused:
            return [self._one_epoch(plan)]
        self._rewind_to = [variable.numpy() for variable in self._variables()] if plan.epochs > 1 else []
        return self._trainer.run_epochs(self._permutations(plan, plan.epochs), plan.batch_size, self._initial_float64, self._training_set)

    def replay(self, plan: CallPlan, epochs: int) -> None:
        """A run that stops inside a fused call: back to the call's start, and its first `epochs` epochs again (the same
        numbers), so the model holds the weights after the last of them."""
        for variable, value in zip(self._variables(), self._rewind_to):
            variable.assign(value)
        self._trainer.run_epochs(self._permutations(plan, epochs), plan.batch_size, self._initial_float64, self._training_set)

    def timed(self, seconds_per_epoch: float) -> None:
        """Size the next fused calls to about `max_call_seconds` at the last call's speed."""
        self._epochs_per_call = max(1, min(MAX_EPOCHS_PER_CALL, int(self._max_call_seconds / max(seconds_per_epoch, 1e-9))))

    def _one_epoch(self, plan: CallPlan) -> EpochNumbers:
        trainer = self._trainer
        permutation = _permutation(self._seed, plan.first_epoch, trainer.dataset.num_train)
        updates, examples, running_loss = trainer.run_epoch(permutation, plan.batch_size, plan.max_updates)
        test = trainer.evaluate_test_set()
        train = trainer.evaluate_training_set() if self._training_set else (math.nan, math.nan)
        with job_clock.phase("evaluate"):
            distance = _distance(trainer.trainable_weights(), self._initial)
        return EpochNumbers(updates, examples, running_loss, test, train, distance)

    def _permutations(self, plan: CallPlan, epochs: int) -> list[np.ndarray]:
        return [_permutation(self._seed, plan.first_epoch + offset, self._trainer.dataset.num_train) for offset in range(epochs)]

    def _variables(self) -> list[keras.Variable]:
        # Batch-norm statistics, random layers' seed states and the optimizer's slots: all a call changes.
        return [*self._trainer.model.variables, *self._trainer.optimizer.variables]


class Checkpoints:
    """A run's checkpoint in `run_dir` (none without one): every model and optimizer variable, the `RunState`, and x0
    beside it. Written atomically after a call, or with `checkpoint_seconds` > 0 after the first call that ends that
    long after the last checkpoint (for runs of thousands of millisecond epochs).

    Why not Keras' `BackupAndRestore` / `EarlyStopping` (Keras 3.15): both are `model.fit` callbacks, and this engine
    runs an epoch (or several) inside one compiled function of its own, without `fit`. `BackupAndRestore` resumes by
    setting the epoch `fit` starts at (`model._initial_epoch`), and keeps `model.save_weights` (our optimizer is not
    attached to the model) and an epoch and batch number: not the history rows, counters and patience state, nor the
    fingerprint that refuses a checkpoint of other settings; it saves per epoch or per N batches, not per fused call,
    and not by an atomic rename. `EarlyStopping` knows no target accuracy, update budget or divergence, keeps its
    patience state outside any checkpoint, and tests `loss + min_delta < best` where this engine tests
    `loss < best - min_delta`: rounding could end a run an epoch apart, so the numbers would no longer be the same.
    """

    def __init__(self, run_dir: str | Path | None, checkpoint_seconds: float, model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
        self._run_dir = Path(run_dir) if run_dir is not None else None
        self._seconds, self._model, self._optimizer = checkpoint_seconds, model, optimizer
        self._last = time.perf_counter()

    def resume(self, fingerprint: str | None) -> tuple[RunState, list[np.ndarray]]:
        """The state to go on from (a fresh one without a checkpoint; RunSettingsMismatchError for another fingerprint's)
        and x0, read before any checkpoint overwrites the weights."""
        state, initial = RunState(fingerprint), [variable.numpy() for variable in self._model.trainable_variables]
        if self._run_dir is not None:
            self._run_dir.mkdir(parents=True, exist_ok=True)
            if (self._run_dir / CHECKPOINT_NAME).exists():
                with job_clock.phase("checkpoint"):
                    state = _load_checkpoint(self._run_dir / CHECKPOINT_NAME, self._model, self._optimizer, fingerprint)
                logger.info("resuming from epoch %d (%s)", state.epoch, self._run_dir / CHECKPOINT_NAME)
            initial = _initial_weights(self._run_dir / INITIAL_WEIGHTS_NAME, initial)
        self._last = time.perf_counter()
        return state, initial

    def after_call(self, state: RunState) -> None:
        if self._run_dir is not None and time.perf_counter() - self._last >= self._seconds:
            with job_clock.phase("checkpoint"):
                _save_checkpoint(self._run_dir / CHECKPOINT_NAME, self._model, self._optimizer, state)
            self._last = time.perf_counter()


def train(
    model: keras.Model, optimizer: keras.optimizers.Optimizer, dataset: Dataset, schedule: Schedule, budget: Budget, *,
    seed: int, run_dir: str | Path | None = None, eval_batch_size: int = 4096,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None, callback_epochs: Sequence[int] | None = None,
    checkpoint_seconds: float = 0.0, strategy: tf.distribute.Strategy | None = None, training_set_every_epoch: bool = True,
    fingerprint: str | None = None, trainer: Trainer | None = None, max_call_seconds: float = 0.0,
) -> RunResult:
    """Train until the budget is spent; resume from `run_dir`'s checkpoint if one is there (`Checkpoints`; one written
    under another `fingerprint`, see `run_fingerprint`, raises RunSettingsMismatchError).

    `max_call_seconds` > 0: several whole epochs per compiled call (`EpochCalls`); ignored under a strategy, and with
    `on_epoch_end` allowed only if it reads the model after `callback_epochs` alone (e.g. snapshots). A run that stops
    inside a call replays it up to that epoch, so it ends with that epoch's weights. `trainer`: the compiled steps of
    this model, optimizer and data set from an earlier run (`train_run`'s `reuse_compiled`), else traced afresh.

    The test set is evaluated after every epoch; the whole training set too, or, with `training_set_every_epoch` False,
    only after the last (train_loss and train_accuracy are empty before it): it saves an inference pass per epoch for
    experiments that read only the final training-set numbers.

    With a `strategy`, the model and optimizer must have been created in its scope. The model must have been built
    after `keras.utils.set_random_seed(seed)`; the shuffling order depends only on (seed, epoch), so a resumed run
    repeats an uninterrupted one exactly.
    """
    several_per_call = max_call_seconds > 0 and strategy is None  # MirroredStrategy's steps stay one epoch per call
    if several_per_call and on_epoch_end is not None and callback_epochs is None:
        raise ValueError("several epochs per call (max_call_seconds > 0) cannot run on_epoch_end, which reads the model after "
                         "every epoch, unless callback_epochs says after which alone")
    if trainer is None:
        with job_clock.phase("trace"):
            trainer = Trainer(model, optimizer, dataset, eval_batch_size=eval_batch_size, strategy=strategy)
    checkpoints = Checkpoints(run_dir, checkpoint_seconds, model, optimizer)
    state, initial = checkpoints.resume(fingerprint)
    calls = EpochCalls(trainer, seed, initial, max_call_seconds=max_call_seconds if several_per_call else 0.0,
                       callback_epochs=callback_epochs, training_set=training_set_every_epoch)
    learning_rate = None
    while state.stop_reason is None:
        phase = schedule.at(state.epoch)
        if phase.learning_rate != learning_rate:  # assigning costs ~0.5 ms: only when the schedule changes it
            optimizer.learning_rate = learning_rate = phase.learning_rate
        plan = calls.plan(state.epoch, state.updates, phase, schedule, budget)
        started = time.perf_counter()
        epochs = calls.run(plan)
        seconds_per_epoch = (time.perf_counter() - started) / len(epochs)
        for index, numbers in enumerate(epochs):
            row = state.end_epoch(phase, numbers, budget, seconds_per_epoch, training_set_every_epoch)
            if state.stop_reason is not None and index < len(epochs) - 1:
                calls.replay(plan, index + 1)  # the call's later epochs are not recorded
            if state.stop_reason is not None and not training_set_every_epoch:
                _evaluate_training_set_at_the_end(trainer, state, row)
            state.history.append(row)
            if on_epoch_end is not None:
                on_epoch_end(row)
            if state.stop_reason is not None:
                break
        _log_epoch(row, state.stop_reason)
        calls.timed(seconds_per_epoch)
        checkpoints.after_call(state)
    history = pd.DataFrame(state.history, columns=HISTORY_COLUMNS)
    return RunResult(history=history, metrics=_final_metrics(state, history, dataset))


def _evaluate_training_set_at_the_end(trainer: Trainer, state: RunState, row: dict[str, Any]) -> None:
    """The last epoch's training-set numbers, for a run that skipped them after the others; the pass's time counts."""
    started = time.perf_counter()
    row["train_loss"], row["train_accuracy"] = trainer.evaluate_training_set()
    state.wall_seconds = row["wall_seconds"] = row["wall_seconds"] + time.perf_counter() - started
    if not math.isfinite(row["train_loss"]):
        state.stop_reason = "diverged"


def _log_epoch(row: dict[str, Any], stop_reason: str | None) -> None:
    logger.info(
        "epoch %d  lr %.3g  batch %d  updates %d  train loss %.4f acc %.4f  test acc %.4f  %.1fs%s",
        row["epoch"], row["learning_rate"], row["batch_size"], row["updates"], row["train_loss"],
        row["train_accuracy"], row["test_accuracy"], row["wall_seconds"], f"  -> stop: {stop_reason}" if stop_reason else "",
    )


def _permutation(seed: int, epoch: int, num_train: int) -> np.ndarray:
    """The epoch's shuffling order: a function of (seed, epoch) only, so a resumed run repeats an uninterrupted one."""
    return np.random.default_rng([seed, epoch]).permutation(num_train)


def _distance(weights: list[np.ndarray], initial: list[np.ndarray]) -> float:
    squared = sum(
        float(np.sum((current.astype(np.float64) - start) ** 2)) for current, start in zip(weights, initial)
    )  # in float64: the differences are small against the weights
    return math.sqrt(squared)


def _final_metrics(state: RunState, history: pd.DataFrame, dataset: Dataset) -> dict[str, Any]:
    last = history.iloc[-1]
    metrics = {
        "diverged": state.stop_reason == "diverged",
        "stop_reason": state.stop_reason,
        "epochs": int(state.epoch),
        "updates": int(state.updates),
        "examples_seen": int(state.examples_seen),
        "batch_size": int(last["batch_size"]),
        "wall_seconds": float(state.wall_seconds),
        **{key: _finite_or_none(last[key]) for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy")},
        "best_test_accuracy": _finite_or_none(history["test_accuracy"].max()),
        "distance_from_init": _finite_or_none(last["distance_from_init"]),
        # The sizes the accuracies are fractions of: one test example is 1 / test_examples (a claim's resolution).
        "train_examples": int(dataset.num_train),
        "test_examples": int(len(dataset.y_test)),
    }
    return metrics


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _initial_weights(path: Path, current: list[np.ndarray]) -> list[np.ndarray]:
    """x0 for distances from the initial point: written at a run's first start, read back when it resumes."""
    if not path.exists():
        _atomic_savez(path, {f"w{i}": weights for i, weights in enumerate(current)})
        return current
    with np.load(path) as saved:
        return [saved[f"w{i}"] for i in range(len(current))]


def _save_checkpoint(path: Path, model: keras.Model, optimizer: keras.optimizers.Optimizer, state: RunState) -> None:
    # model.variables includes BN statistics and dropout seed states, so a resumed run is exact.
    arrays = {f"model/{i}": variable.numpy() for i, variable in enumerate(model.variables)}
    arrays |= {f"optimizer/{i}": variable.numpy() for i, variable in enumerate(optimizer.variables)}
    # The history as columns: a JSON dump of every row grows with the run and dominates tiny epochs.
    arrays |= {f"history/{column}": np.array([row[column] for row in state.history]) for column in HISTORY_COLUMNS}
    arrays["state"] = np.array(state.counters_json())
    _atomic_savez(path, arrays)


def _load_checkpoint(path: Path, model: keras.Model, optimizer: keras.optimizers.Optimizer, fingerprint: str | None) -> RunState:
    with np.load(path) as arrays:
        counters = json.loads(str(arrays["state"]))
        if counters.get("fingerprint") != fingerprint:
            raise RunSettingsMismatchError(
                f"{path} was written under other settings or code (fingerprint {counters.get('fingerprint')}, this run {fingerprint}): "
                f"restore them to resume, or delete {path.parent} to train afresh"
            )
        for i, variable in enumerate(model.variables):
            variable.assign(arrays[f"model/{i}"])
        for i, variable in enumerate(optimizer.variables):
            variable.assign(arrays[f"optimizer/{i}"])
        columns = {column: arrays[f"history/{column}"].tolist() for column in HISTORY_COLUMNS}
    return RunState(**counters, history=[dict(zip(columns, values)) for values in zip(*columns.values())])


def _atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write to a temporary file and rename, so a kill never leaves half a checkpoint."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(temporary, path)


def save_run(run_dir: str | Path, result: RunResult, model: keras.Model | None) -> None:
    """Write the run record: history.csv, metrics.json, model.weights.h5 (unless `model` is None); drop the checkpoint."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    result.history.to_csv(run_dir / "history.csv", index=False)
    if model is not None:
        model.save_weights(run_dir / "model.weights.h5")
    (run_dir / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n")
    (run_dir / CHECKPOINT_NAME).unlink(missing_ok=True)


def finished_run(run_dir: str | Path, fingerprint: str) -> RunResult | None:
    """The record of a run that finished in `run_dir` under `fingerprint` (a restarted job skips it), else None."""
    metrics_file, history_file = Path(run_dir) / "metrics.json", Path(run_dir) / "history.csv"
    if not (metrics_file.exists() and history_file.exists()):
        return None
    metrics = json.loads(metrics_file.read_text())
    if metrics.get("fingerprint") != fingerprint:
        return None  # made under other settings: trained again, and overwritten
    return RunResult(history=pd.read_csv(history_file), metrics=metrics)


def train_run(
    *, dataset: Dataset, model_config: dict[str, Any], optimizer_config: dict[str, Any], schedule: Schedule, budget: Budget,
    seed: int, run_dir: str | Path, eval_batch_size: int, snapshots: Mapping[int, str] | None = None,
    checkpoint_seconds: float = 0.0, record: Mapping[str, Any] | None = None, training_set_every_epoch: bool = True,
    reuse_compiled: bool = False, max_call_seconds: float = 0.0, keep_weights: bool = True, initial_weights_ulps: int = 0,
) -> RunResult:
    """Train one seeded run, resuming from `run_dir` if it was interrupted; write its record there.

    `max_call_seconds`: several epochs per compiled call (see `train`).

    `snapshots` maps epochs to the files that keep the weights after them (for measurements along training);
    `record` is kept in the run's metrics (e.g. the hash of the claim rules the run was made under). `keep_weights`:
    write the final weights (model.weights.h5) for later measurements; runs whose history and metrics are all that is
    read skip them.
    `reuse_compiled`: for many short runs in one process (a grid of learning rates and seeds) on the same data set,
    network and optimizer: each run's fresh seeded weights and optimizer state are copied into the model, optimizer and
    compiled steps of the previous such run instead of tracing them again (~2 s a run; ~5 s for a schedule that changes
    the batch size). The numbers are the same, random layers (dropout) included: their seed states are copied too.
    `initial_weights_ulps`: every trainable weight of the seeded initialisation moved this many ulps upwards
    (`nudge_weights`), a perturbation the size of another machine's rounding; 0 leaves the run as seeded.
    """
    from replications.models import build_model

    fingerprint = run_fingerprint(
        dataset, model_config, optimizer_config, schedule, budget, seed, eval_batch_size, training_set_every_epoch, max_call_seconds > 0,
        snapshot_epochs=tuple(snapshots or ()), initial_weights_ulps=initial_weights_ulps,
    )
    if (finished := finished_run(run_dir, fingerprint)) is not None:
        logger.info("already finished under the same settings, not retrained: %s", run_dir)
        return finished
    keras.utils.set_random_seed(seed)
    strategy = data_parallel_strategy()
    with strategy_scope(strategy), job_clock.phase("model"):
        model = build_model(model_config, dataset.input_shape, dataset.num_classes)
        optimizer = make_optimizer(optimizer_config)
    trainer = None
    if reuse_compiled and strategy is None:
        model, optimizer, trainer = _compiled.holding(model, optimizer, dataset, model_config, optimizer_config, eval_batch_size)
    if initial_weights_ulps:
        nudge_weights(model, initial_weights_ulps)
    kept = _Snapshots(run_dir, snapshots or {}, model)
    result = train(
        model, optimizer, dataset, schedule, budget,
        seed=seed, run_dir=run_dir, eval_batch_size=eval_batch_size, on_epoch_end=kept.save if snapshots else None,
        callback_epochs=tuple(snapshots) if snapshots else None,
        checkpoint_seconds=checkpoint_seconds, strategy=strategy, training_set_every_epoch=training_set_every_epoch,
        fingerprint=fingerprint, trainer=trainer, max_call_seconds=max_call_seconds,
    )
    result.metrics.update(record or {}, fingerprint=fingerprint, device=job_clock.device())
    with job_clock.phase("save"):
        save_run(run_dir, result, model if keep_weights else None)
        kept.publish()
    logger.info("run finished: %s", json.dumps(result.metrics))
    return result


def nudge_weights(model: keras.Model, ulps: int) -> None:
    """Move every trainable weight `ulps` units in the last place upwards (towards +inf), in place."""
    for variable in model.trainable_variables:
        value = np.asarray(variable.numpy())
        for _ in range(ulps):
            value = np.nextafter(value, np.array(np.inf, dtype=value.dtype))
        variable.assign(value)


class _Snapshots:
    """The weights after chosen epochs (epoch -> file): staged in the run folder while the run trains (Snakemake clears
    a killed job's outputs before it resumes, not this folder), moved to their files once it has finished."""

    def __init__(self, run_dir: str | Path, files: Mapping[int, str], model: keras.Model) -> None:
        self._files, self._model = files, model
        self._staging = Path(run_dir) / SNAPSHOT_STAGING_NAME

    def save(self, row: dict[str, Any]) -> None:
        """An `on_epoch_end`: keeps the weights if the epoch just finished is one of the chosen."""
        if row["epoch"] in self._files:
            self._staging.mkdir(parents=True, exist_ok=True)  # timed with the run: snapshots are rare
            self._model.save_weights(self._staging / f"epoch{row['epoch']}.weights.h5")

    def publish(self) -> None:
        for epoch, path in self._files.items():
            if (self._staging / f"epoch{epoch}.weights.h5").exists():  # else the run stopped before this epoch
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                os.replace(self._staging / f"epoch{epoch}.weights.h5", path)
        if self._staging.exists():
            shutil.rmtree(self._staging)


class CompiledSteps:
    """The last `reuse_compiled` run's model, optimizer and Trainer, for the next run on the same data set, network and
    optimizer (its learning rate aside): see `train_run`. One entry: a process trains one grid at a time.

    The data set is matched by identity (`is`), not `id()`, and the entry holds it: while it is cached no other object
    can take its place, and a data set loaded again (equal, but another object) gets steps of its own.
    """

    def __init__(self) -> None:
        self.dataset: Dataset | None = None
        self._settings: tuple[str, str, int] | None = None
        self._compiled: tuple[keras.Model, keras.optimizers.Optimizer, Trainer] | None = None

    def holding(
        self, model: keras.Model, optimizer: keras.optimizers.Optimizer, dataset: Dataset, model_config: Mapping[str, Any],
        optimizer_config: Mapping[str, Any], eval_batch_size: int,
    ) -> tuple[keras.Model, keras.optimizers.Optimizer, Trainer]:
        """The compiled model, optimizer and trainer of an earlier run of the same kind, holding this run's fresh
        weights and optimizer state; or these, compiled now and kept for the next run."""
        without_rate = {key: value for key, value in optimizer_config.items() if key != "learning_rate"}
        settings = (json.dumps(model_config, sort_keys=True), json.dumps(without_rate, sort_keys=True), eval_batch_size)
        if self._compiled is None or self.dataset is not dataset or self._settings != settings:
            self.dataset, self._settings = dataset, settings
            self._compiled = (model, optimizer, Trainer(model, optimizer, dataset, eval_batch_size=eval_batch_size))
            return self._compiled
        compiled_model, compiled_optimizer, trainer = self._compiled
        # Every variable: weights, batch-norm statistics and the seed states of random layers (dropout), so their
        # random streams start where a fresh run's would.
        for target, fresh in zip(compiled_model.variables, model.variables):
            target.assign(fresh)
        optimizer.build(compiled_model.trainable_variables)  # the fresh state: zero slots and step count, this run's rate
        for target, fresh in zip(compiled_optimizer.variables, optimizer.variables):
            target.assign(fresh)
        return self._compiled


_compiled = CompiledSteps()
