"""Engine benchmark: samples/s of the training engine against a minimal reference loop.

  python -m replications.bench --batch-sizes 1 32 512 --samples 8000 --json results/quick/benchmarks/engine.json

The reference is the fastest plain loop we know on CPU: a whole epoch inside one
XLA-compiled tf.function. Both train the quick F1-like MLP (mnist1d, 2 x 512) on the
same `samples` examples for one epoch, after one warm-up epoch that absorbs compilation.
Four numbers per batch size: the reference, the engine's training loop
(`Trainer.run_epoch`), and a whole engine epoch as `train()` runs it (plus the
evaluation of the training and test sets, the history row and the checkpoint), and the
same with the test set alone evaluated per epoch (`training_set_every_epoch=False`).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from replications.command_line import setup_logging
from replications.training import configure_runtime

MODEL_CONFIG = {"name": "f1", "width": 512, "depth": 2}
DATA_CONFIG = {"name": "mnist1d", "num_samples": 10000, "test_fraction": 0.2, "split_seed": 0}


def _fresh_model_and_optimizer(dataset):
    import keras

    from replications.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model(MODEL_CONFIG, dataset.input_shape, dataset.num_classes)
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    return model, optimizer


def reference_samples_per_second(dataset, batch_size: int) -> float:
    """The minimal loop: gather, forward, backward, Adam; one tf.function with XLA per epoch."""
    import keras
    import numpy as np
    import tensorflow as tf

    model, optimizer = _fresh_model_and_optimizer(dataset)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x, y = tf.constant(dataset.x_train), tf.constant(dataset.y_train)
    num_steps = dataset.num_train // batch_size

    @tf.function(jit_compile=True)
    def epoch(permutation):
        for step in tf.range(num_steps):
            indices = tf.slice(permutation, [step * batch_size], [batch_size])  # static size for XLA
            with tf.GradientTape() as tape:
                loss = loss_fn(tf.gather(y, indices), model(tf.gather(x, indices), training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    permutation = tf.constant(np.random.default_rng(0).permutation(dataset.num_train).astype("int32"))
    float(epoch(permutation))  # warm-up: compile
    started = time.perf_counter()
    float(epoch(permutation))
    return num_steps * batch_size / (time.perf_counter() - started)


def whole_epoch_samples_per_second(dataset, batch_size: int, training_set_every_epoch: bool) -> float:
    """A whole epoch as `train()` runs it (training, evaluation, history row, checkpoint): the median of epochs
    2 and 3 of a 4-epoch run (epoch 1 compiles; the last evaluates the training set in either mode)."""
    from replications.schedules import Budget, Schedule
    from replications.training import train

    model, optimizer = _fresh_model_and_optimizer(dataset)
    with tempfile.TemporaryDirectory() as run_dir:
        result = train(
            model, optimizer, dataset, Schedule.constant(1e-3, batch_size), Budget(max_epochs=4), seed=0, run_dir=run_dir,
            training_set_every_epoch=training_set_every_epoch,
        )
    seconds = result.history["wall_seconds"].diff().iloc[1:3].median()
    return dataset.num_train / seconds


def engine_samples_per_second(dataset, batch_size: int) -> tuple[float, float, float]:
    """(training loop only, whole epoch evaluating both sets, whole epoch evaluating the test set only)."""
    import numpy as np

    from replications.training import Trainer

    model, optimizer = _fresh_model_and_optimizer(dataset)
    trainer = Trainer(model, optimizer, dataset)
    permutation = np.random.default_rng(0).permutation(dataset.num_train)
    trainer.run_epoch(permutation, batch_size)  # warm-up: compile
    started = time.perf_counter()
    _, examples, _ = trainer.run_epoch(permutation, batch_size)
    loop_rate = examples / (time.perf_counter() - started)
    both_sets = whole_epoch_samples_per_second(dataset, batch_size, training_set_every_epoch=True)
    test_set_only = whole_epoch_samples_per_second(dataset, batch_size, training_set_every_epoch=False)
    return loop_rate, both_sets, test_set_only


def run(batch_sizes: list[int], samples: int) -> dict:
    import tensorflow as tf

    from replications.data import dataset_from_config

    dataset = dataset_from_config({**DATA_CONFIG, "max_train_examples": samples})
    rows = []
    for batch_size in batch_sizes:
        reference = reference_samples_per_second(dataset, batch_size)
        loop, whole_epoch, test_set_only = engine_samples_per_second(dataset, batch_size)
        rows.append({
            "batch_size": batch_size,
            "reference_samples_per_second": reference,
            "engine_samples_per_second": loop,
            "engine_ratio": loop / reference,
            "engine_with_evaluation_samples_per_second": whole_epoch,
            "engine_with_evaluation_ratio": whole_epoch / reference,
            "engine_with_test_evaluation_samples_per_second": test_set_only,
            "engine_with_test_evaluation_ratio": test_set_only / reference,
        })
        print(json.dumps(rows[-1]), flush=True)
    return {
        "model": MODEL_CONFIG,
        "data": {**DATA_CONFIG, "train_examples": dataset.num_train, "test_examples": len(dataset.y_test)},
        "threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "device": platform.processor() or platform.machine(),
        "results": rows,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 512])
    parser.add_argument("--samples", type=int, default=8000, help="training examples per timed epoch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", required=True, help="where to write the results")
    arguments = parser.parse_args(argv)
    if min(arguments.batch_sizes) < 1 or max(arguments.batch_sizes) > arguments.samples:
        parser.error("batch sizes must lie between 1 and --samples")
    setup_logging()
    configure_runtime(arguments.threads)
    results = run(arguments.batch_sizes, arguments.samples)
    Path(arguments.json).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
