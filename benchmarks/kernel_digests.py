"""A digest of what each kernel family computes on this machine: run it on two machines and compare the lines to
find the operations whose results differ (the README, "Other machines": a Xeon and an EPYC give other numbers
under the same instruction-set caps, and which kernel parts them was not found).

    # with the variables of the run to compare (the report's provenance lists them; quick and smoke scales):
    ONEDNN_MAX_CPU_ISA=AVX2 XLA_FLAGS=--xla_cpu_max_isa=AVX2 OPENBLAS_CORETYPE=Haswell \\
        python benchmarks/kernel_digests.py > digests-$(hostname).txt
    diff digests-machine-a.txt digests-machine-b.txt

Each line: the operation, its shapes, the path (`xla`: compiled with XLA, as the dense networks train; `eager`:
TensorFlow's own kernels, oneDNN or Eigen, as the convolutions train; `numpy`: the BLAS under NumPy and SciPy),
and the first 16 hex digits of the SHA-256 of the result's bytes. Inputs are fixed (NumPy's seeded generator);
one TensorFlow thread, as the suite's jobs use.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator

import numpy as np

MATMUL_SHAPES = ((1, 512, 10), (32, 40, 512), (400, 512, 512), (4000, 784, 512))  # (rows, depth, columns)
ELEMENTWISE = ("exp", "log_softmax", "sigmoid", "tanh")


def digest(values: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]


def _inputs(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _both_paths(function: Callable) -> Iterator[tuple[str, Callable]]:
    import tensorflow as tf

    yield "eager", function
    yield "xla", tf.function(function, jit_compile=True)


def kernel_digests() -> list[str]:
    """One line per operation, shape and path: what it computed, as a digest."""
    import tensorflow as tf

    from replications.training import configure_runtime

    configure_runtime(threads_per_job=1)
    lines = []
    for rows, depth, columns in MATMUL_SHAPES:
        left, right = _inputs(rows, depth, seed=1), _inputs(depth, columns, seed=2)
        for path, matmul in _both_paths(tf.linalg.matmul):
            lines.append(f"matmul {rows}x{depth}x{columns} {path} {digest(matmul(left, right).numpy())}")
    images, filters = _inputs(64, 8, 8, 8, seed=3), _inputs(3, 3, 8, 8, seed=4)
    for path, convolve in _both_paths(lambda x, w: tf.nn.conv2d(x, w, strides=1, padding="SAME")):
        lines.append(f"conv2d 64x8x8x8*3x3x8x8 {path} {digest(convolve(images, filters).numpy())}")
    logits, labels = _inputs(4000, 10, seed=5), np.arange(4000) % 10
    for name in ELEMENTWISE:
        function = getattr(tf.nn, name) if hasattr(tf.nn, name) else getattr(tf.math, name)
        for path, applied in _both_paths(function):
            lines.append(f"{name} 4000x10 {path} {digest(applied(logits).numpy())}")
    for path, reduce in _both_paths(tf.math.reduce_sum):
        lines.append(f"reduce_sum 4000x784 {path} {digest(reduce(_inputs(4000, 784, seed=6)).numpy())}")
    for path, gradient in _both_paths(_cross_entropy_gradient):
        lines.append(f"dense_gradient 4000x40->512->10 {path} {digest(gradient(_inputs(4000, 40, seed=7), labels).numpy())}")
    blas_left, blas_right = _inputs(300, 300, seed=8).astype(np.float64), _inputs(300, 300, seed=9).astype(np.float64)
    lines.append(f"dot_float64 300x300x300 numpy {digest(blas_left @ blas_right)}")
    return lines


def _cross_entropy_gradient(inputs, labels):
    """The gradient of a two-layer ReLU network's mean cross-entropy with respect to its first weights."""
    import tensorflow as tf

    hidden_weights, output_weights = tf.constant(_inputs(40, 512, seed=10) * 0.1), tf.constant(_inputs(512, 10, seed=11) * 0.1)
    with tf.GradientTape() as tape:
        tape.watch(hidden_weights)
        logits = tf.nn.relu(inputs @ hidden_weights) @ output_weights
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    return tape.gradient(loss, hidden_weights)


def main() -> None:
    from replications.provenance import device_description

    caps = {name: os.environ.get(name, "-") for name in ("ONEDNN_MAX_CPU_ISA", "XLA_FLAGS", "OPENBLAS_CORETYPE")}
    print(f"# {device_description()}; caps: {caps}")
    for line in kernel_digests():
        print(line)


if __name__ == "__main__":
    main()
