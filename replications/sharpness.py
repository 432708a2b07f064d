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
the curvature part, phi minus it. The first-order rise depends on the gradient and the box only,
not on the curvature phi measures: it is the validity check of a measurement (a point whose slope
alone lifts the loss over the box is not a minimum at that epsilon).

The random subspace. The paper says only that A's p columns are "randomly generated". We draw
independent N(0, 1) entries and do not normalise the columns: then A^+ x ~ A^T x / n is tiny, the
box is about +-epsilon in y, and one subspace coordinate moves the weights by a vector of length
epsilon * sqrt(n), the full-space box's half-diagonal at |x_i| << 1; a corner of the subspace box lies
sqrt(p) times further (10x for p = 100), and the average-curvature term grows p-fold. So where n is
small (C1 at quick scale: 5,026 weights) phi_sub can exceed phi_full, unlike the paper's Table 4.
Columns of unit length (our earlier choice, kept as `unit_columns`) shrink the box by sqrt(n) in
weight space: it then sees only the slope (measured: phi 1/10,000 of the full space's, first-order
share 0.94-1.00). What phi_sub / phi_full should be is a property of the Hessian, not a number to
match: `predicted_curvature_rise` gives it from independent estimates of the curvature (a Hutchinson
trace and a Lanczos top eigenvalue), as a quadratic model, which holds only while phi is small.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy import optimize

from replications import job_clock

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


def random_subspace(num_parameters: int, dimension: int, seed: int, kind: str = "gaussian", unit_columns: bool = False) -> np.ndarray:
    """A in R^{n x p}, its entries drawn independently (see the module's docstring for the scale).

    gaussian: N(0, 1) entries, so the columns are nearly orthogonal (|cos| ~ 1/sqrt(n)) and the subspace
    probes p directions, as the paper means. uniform: entries on [0, 1), as a public re-implementation
    does; every pair of columns then has cosine ~ 0.75, and the subspace mostly probes one direction.
    `unit_columns`: each column scaled to length 1 (our earlier variant; the box then sees only the slope).
    """
    if kind not in SUBSPACE_KINDS:
        raise ValueError(f"unknown subspace kind {kind!r}; known: {SUBSPACE_KINDS}")
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        matrix = rng.standard_normal((num_parameters, dimension), dtype=np.float32)
    else:
        matrix = rng.random((num_parameters, dimension), dtype=np.float32)
    if unit_columns:
        matrix /= np.linalg.norm(matrix, axis=0, keepdims=True)
    return matrix


@dataclasses.dataclass(frozen=True)
class Subspace:
    """A (in float64) and A^+ x for the point x it is used around: the least-squares solve takes seconds for a
    large network, so it is made once for every epsilon."""

    matrix: np.ndarray
    coordinates: np.ndarray

    @classmethod
    def around(cls, matrix: np.ndarray, x: np.ndarray) -> Subspace:
        a = matrix.astype(np.float64)
        return cls(a, np.linalg.lstsq(a, np.asarray(x, dtype=np.float64), rcond=None)[0])


def half_widths(x: np.ndarray, epsilon: float, subspace: Subspace | None = None) -> np.ndarray:
    """The box C_eps's half-widths epsilon (|(A^+ x)_i| + 1), in y's coordinates (A = I: the weights'; with a
    subspace, A^+ x is the one it was made around, so `x` must be that point)."""
    coordinates = np.asarray(x, dtype=np.float64) if subspace is None else subspace.coordinates
    return epsilon * (np.abs(coordinates) + 1.0)


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
        lift = lambda y: y  # noqa: E731 - A = I
        project_gradient = lambda g: g  # noqa: E731
    else:
        if not isinstance(subspace, Subspace):
            subspace = Subspace.around(subspace, x)
        a = subspace.matrix
        lift = lambda y: a @ y  # noqa: E731
        project_gradient = lambda g: a.T @ g  # noqa: E731
    half_width = half_widths(x, epsilon, subspace)
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

    with job_clock.phase("sharpness solver"):  # scipy's own work; the loss evaluations inside time themselves
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
    loss = KerasLoss(model, x, y, batch_size)
    return loss.loss_and_gradient, loss.weights


class KerasLoss:
    """f(w), its gradient and Hessian-vector products for a Keras model's trainable weights on (x, y), in
    inference mode (BN moving statistics frozen, dropout off), summed over chunks of `batch_size` examples.
    Every call leaves the model's weights as they were (`weights`)."""

    def __init__(self, model, x: np.ndarray, y: np.ndarray, batch_size: int = 4096) -> None:
        import keras
        import tensorflow as tf

        from replications.training import uses_xla

        variables = model.trainable_variables
        self._variables = variables
        self._shapes = [tuple(variable.shape) for variable in variables]
        self._sizes = [int(np.prod(shape)) for shape in self._shapes]
        self._chunks = [(tf.constant(x[start : start + batch_size]), tf.constant(y[start : start + batch_size]))
                        for start in range(0, len(y), batch_size)]
        self._count = len(y)
        self.weights = flat_weights(variables)
        self._at_weights = self._last = (None, math.nan, None)  # (point, f, gradient) once computed

        def assign(flat):
            for variable, part, shape in zip(variables, tf.split(flat, self._sizes), self._shapes):
                variable.assign(tf.reshape(part, shape))

        def chunk_loss(x_chunk, y_chunk):
            logits = model(x_chunk, training=False)
            return tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y_chunk, logits, from_logits=True))

        def flat(tensors):
            return tf.concat([tf.reshape(tensor, [-1]) for tensor in tensors], axis=0)

        @tf.function(jit_compile=uses_xla(model))
        def chunk_sum(weights, x_chunk, y_chunk):
            assign(weights)
            with tf.GradientTape() as tape:
                total = chunk_loss(x_chunk, y_chunk)
            return total, flat(tape.gradient(total, variables))

        @tf.function(jit_compile=uses_xla(model))
        def chunk_hessian_product(weights, vector, x_chunk, y_chunk):
            assign(weights)
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    total = chunk_loss(x_chunk, y_chunk)
                directional = tf.reduce_sum(flat(inner.gradient(total, variables)) * vector)
            return flat(outer.gradient(directional, variables))

        self._functions = {"sum": chunk_sum, "hessian": chunk_hessian_product}
        self._traced = {}  # one concrete function per (kind, chunk shape), called directly

    _PHASES = {"sum": "loss evaluation", "hessian": "Hessian-vector product"}  # in the job's profile

    def _call(self, kind: str, *arguments):
        import tensorflow as tf

        flat_spec = tf.TensorSpec([len(self.weights)], tf.float32)
        tensors = [tf.constant(argument, dtype=tf.float32) for argument in arguments]
        results = []
        try:
            for x_chunk, y_chunk in self._chunks:
                key = (kind, x_chunk.shape)
                if key not in self._traced:
                    with job_clock.phase("trace"):
                        self._traced[key] = self._functions[kind].get_concrete_function(*[flat_spec] * len(arguments), x_chunk, y_chunk)
                job_clock.first_work("loss evaluation")
                results.append(job_clock.compiled_call(self._PHASES[kind], self._traced[key], *tensors, x_chunk, y_chunk))
        finally:
            _set_flat(self._variables, self.weights, self._sizes, self._shapes)  # leave the model as it was
        return results

    def loss_and_gradient(self, weights: np.ndarray) -> tuple[float, np.ndarray]:
        """f(w) and its gradient. A point asked for again is computed once (the same numbers: the call is
        deterministic): the model's own point (`weights`), where each of several measurements starts, and the last
        point, which L-BFGS-B's first step from y = 0 asks for right after a measurement has started there."""
        for point, loss, gradient in (self._at_weights, self._last):
            if point is not None and np.array_equal(point, weights):
                return loss, gradient.copy()
        results = self._call("sum", weights)
        loss = sum(float(chunk_total) for chunk_total, _ in results) / self._count
        gradient = sum(chunk_gradient.numpy().astype(np.float64) for _, chunk_gradient in results) / self._count
        remembered = (np.array(weights, copy=True), loss, gradient.copy())
        if self._at_weights[0] is None and np.array_equal(weights, self.weights):
            self._at_weights = remembered
        self._last = remembered
        return loss, gradient

    def hessian_vector_product(self, weights: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """H(w) v of the mean loss."""
        return sum(product.numpy().astype(np.float64) for product in self._call("hessian", weights, vector)) / self._count


# --- the curvature phi should see, from independent estimates ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class Curvature:
    """The Hessian at a point, summarised from Hessian-vector products (no maximisation involved)."""

    trace: float  # Hutchinson's estimate of tr H (Rademacher probes)
    top_eigenvalue: float  # Lanczos' largest eigenvalue of H
    num_parameters: int
    products: int  # Hessian-vector products used

    @property
    def mean_eigenvalue(self) -> float:
        """tr H / n: the curvature a random direction sees on average."""
        return self.trace / self.num_parameters


def estimate_curvature(hessian_product: Callable[[np.ndarray], np.ndarray], num_parameters: int, probes: int,
                       lanczos_steps: int, seed: int) -> Curvature:
    """Hutchinson's trace over `probes` Rademacher vectors and the top eigenvalue of `lanczos_steps` of Lanczos
    (full reorthogonalisation; its largest Ritz value, a lower bound that converges fast for the top end)."""
    from scipy.linalg import eigh_tridiagonal

    rng = np.random.default_rng(seed)
    trace = float(np.mean([probe @ hessian_product(probe) for probe in rng.choice([-1.0, 1.0], size=(probes, num_parameters))]))
    basis = [rng.standard_normal(num_parameters)]
    basis[0] /= np.linalg.norm(basis[0])
    diagonal, off_diagonal = [], []
    for step in range(lanczos_steps):
        product = hessian_product(basis[-1])
        diagonal.append(float(basis[-1] @ product))
        for vector in basis:  # full reorthogonalisation: few steps, so it is cheap and keeps the Ritz values honest
            product -= (vector @ product) * vector
        norm = float(np.linalg.norm(product))
        if step == lanczos_steps - 1 or norm < 1e-10:
            break
        off_diagonal.append(norm)
        basis.append(product / norm)
    top = float(eigh_tridiagonal(np.array(diagonal), np.array(off_diagonal), eigvals_only=True)[-1])
    return Curvature(trace=trace, top_eigenvalue=top, num_parameters=num_parameters, products=probes + len(diagonal))


def predicted_curvature_rise(curvature: Curvature, half_width: np.ndarray, column_norms: np.ndarray | None = None) -> float:
    """The rise of the quadratic model 1/2 z^T H z at the best corner of the box, from tr H and lambda_max alone.

    The step z = A y, y on a corner of the box (half-widths h_j) with signs chosen freely; column j of A has length
    c_j (A = I: every c_j = 1). Two parts: the average curvature tr H / n that every corner sees (sum_j h_j^2 c_j^2
    tr H / n), and the top eigenvector u, whose overlap with the best corner is about sqrt(2 / pi) sum_j h_j c_j /
    sqrt(n) for a delocalised u and random columns. A prediction to an order of magnitude, not a bound.
    """
    norms = np.ones_like(half_width) if column_norms is None else np.asarray(column_norms, dtype=np.float64)
    n = curvature.num_parameters
    average = float(np.sum((half_width * norms) ** 2)) * curvature.mean_eigenvalue
    top = (2 / np.pi) * max(curvature.top_eigenvalue, 0.0) * float(np.sum(half_width * norms)) ** 2 / n
    return 0.5 * (average + top)


def flat_weights(variables) -> np.ndarray:
    """The values of `variables` as one flat vector, in the order `keras_loss_and_gradient` reads and sets them."""
    return np.concatenate([variable.numpy().ravel() for variable in variables])


def _set_flat(variables, flat: np.ndarray, sizes: list[int], shapes: list[tuple[int, ...]]) -> None:
    for variable, part, shape in zip(variables, np.split(flat, np.cumsum(sizes)[:-1]), shapes):
        variable.assign(part.reshape(shape))
