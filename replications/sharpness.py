"""Keskar et al.'s sharpness (metric 2.1), in the full space and in a random subspace.

    phi(eps, A) = 100 * (max_{y in C_eps} f(x + A y) - f(x)) / (1 + f(x)),
    C_eps = {z : |z_i| <= eps * (|(A^+ x)_i| + 1)},

f the mean training cross-entropy, maximised with 10 iterations of L-BFGS-B from y = 0.
At a well-trained minimum the gradient is ~1e-4 and scipy's default tolerances stop
L-BFGS-B at iteration 0, so phi would come out 0 for every model. We therefore rescale
the objective so that its gradient at y = 0 has the norm of the box's half-widths, and set
the tolerances to 0: the solver then moves towards the box as the paper intends.
Iterations, evaluations and the share of coordinates that end on the box are recorded.

Beside phi: its first-order part, the rise a linear model of f would reach on the box
(100 * sum_i |(A^T g)_i| h_i / (1 + f(x)), g the gradient at x, h the box's half-widths), and
the curvature part, phi minus it. A point whose phi is mostly first-order is a slope, not a
minimum, at that epsilon: its "sharpness" says how far it is from stationary.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
from scipy import optimize

LossAndGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class SharpnessResult:
    sharpness: float  # phi, in percent of 1 + f(x)
    loss_at_minimum: float
    max_loss: float
    iterations: int
    evaluations: int
    on_boundary: float  # share of the coordinates of y that ended at a bound
    gradient_norm: float  # |A^T grad f(x)| at the start
    stalled: bool  # the solver could not move (zero gradient): phi = 0 says nothing
    first_order: float = float("nan")  # the part of phi a linear model of f reaches on the box
    full_gradient_norm: float = float("nan")  # |grad f(x)| in the full space, whatever A is

    @property
    def curvature(self) -> float:
        """phi minus its first-order part: what the second and higher orders add."""
        return self.sharpness - self.first_order

    def as_dict(self) -> dict[str, float | int | bool]:
        return {**dataclasses.asdict(self), "curvature": self.curvature}


SUBSPACE_KINDS = ("gaussian", "uniform")


def random_subspace(num_parameters: int, dimension: int, seed: int, kind: str = "gaussian") -> np.ndarray:
    """A in R^{n x p} with columns of unit length.

    gaussian: independent N(0, 1) entries, so the columns are nearly orthogonal (|cos| ~ 1/sqrt(n)) and
    the subspace probes p directions, as the paper means. uniform: entries on [0, 1), as a public
    re-implementation does; every pair of columns then has cosine ~ 0.75, and the subspace mostly
    probes one direction (kept as an option for comparison).
    """
    if kind not in SUBSPACE_KINDS:
        raise ValueError(f"unknown subspace kind {kind!r}; known: {SUBSPACE_KINDS}")
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        matrix = rng.standard_normal((num_parameters, dimension), dtype=np.float32)
    else:
        matrix = rng.random((num_parameters, dimension), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=0, keepdims=True)
    return matrix


@dataclasses.dataclass(frozen=True)
class Subspace:
    """A (in float64) and A^+ x for the point x it is used around: the least-squares solve takes seconds for a
    large network, so it is made once for every epsilon."""

    matrix: np.ndarray
    coordinates: np.ndarray

    @classmethod
    def around(cls, matrix: np.ndarray, x: np.ndarray) -> "Subspace":
        a = matrix.astype(np.float64)
        return cls(a, np.linalg.lstsq(a, np.asarray(x, dtype=np.float64), rcond=None)[0])


def sharpness(
    loss_and_gradient: LossAndGradient,
    x: np.ndarray,
    epsilon: float,
    subspace: np.ndarray | Subspace | None = None,
    max_iterations: int = 10,
) -> SharpnessResult:
    """phi(epsilon, A) around the point x; A = I when `subspace` is None."""
    x = np.asarray(x, dtype=np.float64)
    if subspace is None:
        coordinates = x
        lift = lambda y: y  # noqa: E731 - A = I
        project_gradient = lambda g: g  # noqa: E731
    else:
        if not isinstance(subspace, Subspace):
            subspace = Subspace.around(subspace, x)
        a, coordinates = subspace.matrix, subspace.coordinates  # A, A^+ x
        lift = lambda y: a @ y  # noqa: E731
        project_gradient = lambda g: a.T @ g  # noqa: E731
    half_width = epsilon * (np.abs(coordinates) + 1.0)
    loss_at_minimum, gradient = loss_and_gradient(x)
    start_gradient = project_gradient(np.asarray(gradient, dtype=np.float64))
    gradient_norm = float(np.linalg.norm(start_gradient))
    first_order_rise = float(np.sum(np.abs(start_gradient) * half_width))  # max of g^T A y over the box
    scale = float(np.linalg.norm(half_width)) / gradient_norm if gradient_norm > 0 else 1.0
    best = {"loss": float(loss_at_minimum)}

    def negative_scaled(y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gradient = loss_and_gradient(x + lift(y))
        loss = float(loss)
        if np.isfinite(loss):
            best["loss"] = max(best["loss"], loss)
        else:  # a perturbation that overflows the loss: treat as a wall, not as a maximum
            return np.inf, np.zeros_like(y)
        return -scale * loss, -scale * project_gradient(np.asarray(gradient, dtype=np.float64))

    solution = optimize.minimize(
        negative_scaled,
        np.zeros_like(half_width),
        jac=True,
        method="L-BFGS-B",
        bounds=optimize.Bounds(-half_width, half_width),
        options={"maxiter": max_iterations, "ftol": 0.0, "gtol": 0.0},
    )
    on_boundary = float(np.mean(np.isclose(np.abs(solution.x), half_width, rtol=1e-6)))
    phi = 100.0 * (best["loss"] - loss_at_minimum) / (1.0 + loss_at_minimum)
    return SharpnessResult(
        sharpness=float(phi),
        loss_at_minimum=float(loss_at_minimum),
        max_loss=best["loss"],
        iterations=int(solution.nit),
        evaluations=int(solution.nfev),
        on_boundary=on_boundary,
        gradient_norm=gradient_norm,
        stalled=gradient_norm == 0.0 or solution.nit == 0,
        first_order=100.0 * first_order_rise / (1.0 + loss_at_minimum),
        full_gradient_norm=float(np.linalg.norm(gradient)),
    )


def keras_loss_and_gradient(model, x: np.ndarray, y: np.ndarray, batch_size: int = 4096):
    """f(w) and its gradient for a Keras model's trainable weights, on (x, y), in inference mode.

    Only trainable weights move; BN moving statistics stay frozen (our stated choice).
    Returns the function and the current flat weight vector.
    """
    import keras
    import tensorflow as tf

    from replications import job_clock
    from replications.training import uses_xla

    variables = model.trainable_variables
    shapes = [tuple(variable.shape) for variable in variables]
    sizes = [int(np.prod(shape)) for shape in shapes]
    x_chunks = [tf.constant(x[start : start + batch_size]) for start in range(0, len(y), batch_size)]
    y_chunks = [tf.constant(y[start : start + batch_size]) for start in range(0, len(y), batch_size)]

    @tf.function(jit_compile=uses_xla(model))
    def chunk_sum(flat, x_chunk, y_chunk):
        for variable, part, shape in zip(variables, tf.split(flat, sizes), shapes):
            variable.assign(tf.reshape(part, shape))
        with tf.GradientTape() as tape:
            losses = keras.losses.sparse_categorical_crossentropy(y_chunk, model(x_chunk, training=False), from_logits=True)
            total = tf.reduce_sum(losses)
        gradients = tape.gradient(total, variables)
        return total, tf.concat([tf.reshape(gradient, [-1]) for gradient in gradients], axis=0)

    original = flat_weights(variables)
    weights_spec = tf.TensorSpec([len(original)], tf.float32)
    traced = {}  # one concrete function per chunk shape, called directly

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        flat = tf.constant(weights, dtype=tf.float32)
        total, gradient = 0.0, np.zeros(len(original))
        for x_chunk, y_chunk in zip(x_chunks, y_chunks):
            if x_chunk.shape not in traced:
                traced[x_chunk.shape] = chunk_sum.get_concrete_function(weights_spec, x_chunk, y_chunk)
            job_clock.first_work("loss evaluation")
            chunk_total, chunk_gradient = traced[x_chunk.shape](flat, x_chunk, y_chunk)
            total += float(chunk_total)
            gradient += chunk_gradient.numpy()
        _set_flat(variables, original, sizes, shapes)  # leave the model as it was
        return total / len(y), gradient / len(y)

    return loss_and_gradient, original


def flat_weights(variables) -> np.ndarray:
    """The values of `variables` as one flat vector, in the order `keras_loss_and_gradient` reads and sets them."""
    return np.concatenate([variable.numpy().ravel() for variable in variables])


def _set_flat(variables, flat: np.ndarray, sizes: list[int], shapes: list[tuple[int, ...]]) -> None:
    for variable, part, shape in zip(variables, np.split(flat, np.cumsum(sizes)[:-1]), shapes):
        variable.assign(part.reshape(shape))
