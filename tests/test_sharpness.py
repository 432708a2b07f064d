import numpy as np
import pytest
from scipy import optimize

from replications.sharpness import (
    Curvature,
    KerasLoss,
    Subspace,
    estimate_curvature,
    half_widths,
    keras_loss_and_gradient,
    predicted_curvature_rise,
    random_subspace,
    sharpness,
)


def quadratic(curvatures, minimum):
    """f(z) = 1/2 sum h_i (z_i - m_i)^2: convex, so its maximum over a box sits at a known vertex."""

    def loss_and_gradient(z):
        return 0.5 * float(np.sum(curvatures * (z - minimum) ** 2)), curvatures * (z - minimum)

    return loss_and_gradient


def test_full_space_reaches_the_known_maximum_from_a_near_minimum():
    rng = np.random.default_rng(0)
    curvatures, minimum = rng.uniform(0.1, 10, 50), rng.normal(size=50)
    x = minimum + 1e-6 * rng.normal(size=50)  # gradient ~1e-5, like a well-trained model
    epsilon = 1e-3
    result = sharpness(quadratic(curvatures, minimum), x, epsilon)
    half_width = epsilon * (np.abs(x) + 1)
    expected_max = 0.5 * np.sum(curvatures * (np.abs(x - minimum) + half_width) ** 2)
    f0 = 0.5 * np.sum(curvatures * (x - minimum) ** 2)
    assert result.max_loss == pytest.approx(expected_max, rel=1e-6)
    assert result.sharpness == pytest.approx(100 * (expected_max - f0) / (1 + f0), rel=1e-6)
    assert result.on_boundary == 1.0 and not result.stalled
    assert 1 <= result.iterations <= 10 and result.evaluations >= result.iterations


def test_scipy_defaults_would_report_zero_at_the_same_point():
    """The failure this module guards against: L-BFGS-B with default tolerances stops at once."""
    rng = np.random.default_rng(0)
    curvatures, minimum = rng.uniform(0.1, 10, 50), rng.normal(size=50)
    x = minimum + 1e-8 * rng.normal(size=50)  # projected gradient below scipy's default gtol
    loss = quadratic(curvatures, minimum)
    half_width = 1e-3 * (np.abs(x) + 1)
    naive = optimize.minimize(
        lambda y: tuple(-value for value in loss(x + y)), np.zeros(50), jac=True, method="L-BFGS-B",
        bounds=optimize.Bounds(-half_width, half_width), options={"maxiter": 10},
    )
    assert naive.nit == 0 and -naive.fun == pytest.approx(loss(x)[0])
    assert sharpness(loss, x, 1e-3).sharpness > 1000 * (-naive.fun - loss(x)[0]) + 1e-9


def test_subspace_maximum_matches_a_brute_force_vertex_search():
    rng = np.random.default_rng(1)
    n, p = 40, 3
    curvatures, minimum = rng.uniform(0.5, 5, n), rng.normal(size=n)
    x = minimum + 1e-5 * rng.normal(size=n)
    subspace = random_subspace(n, p, seed=0, kind="uniform", unit_columns=True)
    assert subspace.shape == (n, p) and np.allclose(np.linalg.norm(subspace, axis=0), 1)
    loss = quadratic(curvatures, minimum)
    result = sharpness(loss, x, 1e-2, subspace=subspace)
    coordinates = np.linalg.lstsq(subspace.astype(float), x, rcond=None)[0]
    half_width = 1e-2 * (np.abs(coordinates) + 1)
    # A convex function's maximum over a box is at one of its 2^p vertices.
    vertices = np.array(np.meshgrid(*[[-1, 1]] * p)).reshape(p, -1).T * half_width
    brute_force = max(loss(x + subspace.astype(float) @ vertex)[0] for vertex in vertices)
    assert result.max_loss == pytest.approx(brute_force, rel=1e-6)


def test_gaussian_subspace_probes_independent_directions_and_uniform_mostly_one():
    gaussian = random_subspace(20_000, 100, seed=0, unit_columns=True)
    uniform = random_subspace(20_000, 100, seed=0, kind="uniform", unit_columns=True)
    off_diagonal = ~np.eye(100, dtype=bool)
    assert np.abs(gaussian.T @ gaussian)[off_diagonal].max() < 0.05  # nearly orthogonal
    assert (uniform.T @ uniform)[off_diagonal].mean() == pytest.approx(0.75, abs=0.02)  # the reviewer's 0.75
    top = np.linalg.eigvalsh(uniform.T @ uniform)[-1]
    assert top == pytest.approx(75, rel=0.05)  # one direction carries most of the Gram matrix
    with pytest.raises(ValueError, match="unknown subspace kind"):
        random_subspace(10, 2, seed=0, kind="sobol")


def test_phi_splits_into_first_order_and_curvature_parts():
    """On a linear function phi is all first-order; at the minimum of a quadratic it is all curvature."""
    slope = np.array([0.3, -0.2, 0.1])
    linear = lambda w: (float(slope @ w) + 1.0, slope.copy())  # noqa: E731
    x = np.array([1.0, 2.0, -1.0])
    result = sharpness(linear, x, 1e-3)
    half_width = 1e-3 * (np.abs(x) + 1)
    expected = 100 * np.sum(np.abs(slope) * half_width) / (1 + linear(x)[0])
    assert result.first_order == pytest.approx(expected) and result.sharpness == pytest.approx(expected, rel=1e-6)
    assert abs(result.curvature) < 1e-6 * expected
    at_minimum = sharpness(quadratic(np.array([1.0, 4.0]), np.array([0.5, 0.5])), np.array([0.5 + 1e-7, 0.5]), 1e-2)
    assert at_minimum.first_order < 1e-3 * at_minimum.sharpness and at_minimum.curvature == pytest.approx(at_minimum.sharpness, rel=1e-3)
    assert at_minimum.full_gradient_norm == pytest.approx(1e-7, rel=1e-3)


def test_zero_gradient_is_flagged_not_silent():
    result = sharpness(quadratic(np.ones(5), np.zeros(5)), np.zeros(5), 1e-3)
    assert result.stalled and result.sharpness == 0.0


def test_keras_loss_and_gradient_matches_keras(tiny_mnist1d):
    import keras

    from replications.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model({"name": "f1", "width": 16, "depth": 1}, tiny_mnist1d.input_shape, tiny_mnist1d.num_classes)
    loss_and_gradient, weights = keras_loss_and_gradient(model, tiny_mnist1d.x_train, tiny_mnist1d.y_train, batch_size=128)
    loss, gradient = loss_and_gradient(weights)
    logits = model(tiny_mnist1d.x_train, training=False)
    expected = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(tiny_mnist1d.y_train, logits))
    assert loss == pytest.approx(expected, rel=1e-5)
    assert gradient.shape == weights.shape and np.isfinite(gradient).all()
    # finite difference along the gradient direction
    direction = gradient / np.linalg.norm(gradient)
    step = 1e-2
    slope = (loss_and_gradient(weights + step * direction)[0] - loss_and_gradient(weights - step * direction)[0]) / (2 * step)
    assert slope == pytest.approx(np.linalg.norm(gradient), rel=2e-2)
    # the model's own weights are left untouched
    np.testing.assert_array_equal(np.concatenate([v.numpy().ravel() for v in model.trainable_variables]), weights)


def test_the_loss_at_the_point_measured_is_computed_once_with_the_same_bits(tiny_mnist1d):
    import keras

    from replications.models import build_model
    from replications.sharpness import KerasLoss

    keras.utils.set_random_seed(0)
    model = build_model({"name": "f1", "width": 16, "depth": 1}, tiny_mnist1d.input_shape, tiny_mnist1d.num_classes)
    loss, fresh = (KerasLoss(model, tiny_mnist1d.x_train, tiny_mnist1d.y_train, batch_size=128) for _ in range(2))
    calls = []
    original = loss._call
    loss._call = lambda *arguments: calls.append(arguments[0]) or original(*arguments)
    first, again = loss.loss_and_gradient(loss.weights), loss.loss_and_gradient(loss.weights.copy())
    moved = loss.loss_and_gradient(loss.weights + 1e-3)
    moved_again = loss.loss_and_gradient(loss.weights + 1e-3)  # the last point, as L-BFGS-B's first step asks for it
    assert loss.loss_and_gradient(loss.weights)[0] == first[0]  # the model's own point is kept past other points
    assert calls == ["sum", "sum"]  # the point measured once, the moved point once
    assert moved_again[0] == moved[0] and np.array_equal(moved_again[1], moved[1])
    expected = fresh.loss_and_gradient(fresh.weights)
    for value in (first, again):
        assert value[0] == expected[0] and np.array_equal(value[1], expected[1])
    assert moved[0] != first[0]
    again[1][:] = 0  # a caller that changes its copy changes nothing kept
    assert np.array_equal(loss.loss_and_gradient(loss.weights)[1], expected[1])


def quadratic_form(hessian, minimum):
    """f(z) = 1/2 (z - m)^T H (z - m) for a full symmetric H."""

    def loss_and_gradient(z):
        offset = z - minimum
        return 0.5 * float(offset @ hessian @ offset), hessian @ offset

    return loss_and_gradient


def spiked_hessian(n: int, seed: int, top: float = 50.0) -> np.ndarray:
    """A positive definite Hessian with a bulk of small eigenvalues and one large outlier, as trained networks have."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eigenvalues = np.concatenate([[top], rng.uniform(0.05, 1.0, n - 1)])
    return (basis * eigenvalues) @ basis.T


def test_standard_gaussian_subspace_sees_curvature_where_unit_columns_see_only_the_slope():
    """Near a minimum of a quadratic with a known Hessian: N(0, 1) columns (the default) measure the curvature inside
    the subspace (the brute-force vertex maximum of the quadratic, mostly curvature); unit columns, the slope alone."""
    n, p, epsilon = 1600, 3, 1e-3
    hessian, minimum = spiked_hessian(n, seed=0), np.random.default_rng(1).normal(size=n)
    x = minimum + 1e-3 * np.random.default_rng(2).normal(size=n)
    loss = quadratic_form(hessian, minimum)
    standard = random_subspace(n, p, seed=0)
    assert np.linalg.norm(standard, axis=0) == pytest.approx(np.sqrt(n), rel=0.2)  # not normalised
    result = sharpness(loss, x, epsilon, subspace=standard)
    a = standard.astype(float)
    half_width = half_widths(x, epsilon, Subspace.around(standard, x))
    vertices = np.array(np.meshgrid(*[[-1, 1]] * p)).reshape(p, -1).T * half_width
    best = max(loss(x + a @ vertex)[0] for vertex in vertices)  # a convex function's maximum over a box is at a vertex
    assert 0.5 * best <= result.max_loss <= best * (1 + 1e-9)  # 10 iterations of a local solver: near the best vertex
    assert result.curvature > 0.9 * result.sharpness  # the subspace's curvature, not the slope
    unit = sharpness(loss, x, epsilon, subspace=random_subspace(n, p, seed=0, unit_columns=True))
    assert unit.first_order > 0.5 * unit.sharpness  # the earlier variant: mostly slope (more so as n grows: sqrt(n) = 40 here)
    assert unit.sharpness < 1e-2 * result.sharpness


def test_curvature_estimates_recover_a_known_hessian():
    hessian = spiked_hessian(60, seed=3, top=40.0)
    estimate = estimate_curvature(lambda vector: hessian @ vector, 60, probes=400, lanczos_steps=60, seed=0)
    assert estimate.top_eigenvalue == pytest.approx(np.linalg.eigvalsh(hessian)[-1], rel=1e-8)
    assert estimate.trace == pytest.approx(np.trace(hessian), rel=0.1)
    assert estimate.products == 400 + 60 and estimate.mean_eigenvalue == pytest.approx(estimate.trace / 60)
    few = estimate_curvature(lambda vector: hessian @ vector, 60, probes=10, lanczos_steps=10, seed=0)
    assert few.top_eigenvalue == pytest.approx(40.0, rel=0.05)  # an isolated top eigenvalue converges in a few steps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_predicted_rise_matches_the_measured_phi_on_quadratics_to_a_factor_of_three(seed):
    """At a minimum of a quadratic, phi is all curvature: the prediction from tr H and lambda_max alone (no
    maximisation) lands within a factor of 3 of the measured phi in both spaces, and so does their ratio."""
    n, p, epsilon = 300, 10, 1e-3
    hessian, minimum = spiked_hessian(n, seed=seed), np.random.default_rng(seed + 10).normal(scale=0.1, size=n)
    x = minimum + 1e-7 * np.random.default_rng(seed + 20).normal(size=n)
    loss = quadratic_form(hessian, minimum)
    curvature = Curvature(trace=float(np.trace(hessian)), top_eigenvalue=float(np.linalg.eigvalsh(hessian)[-1]), num_parameters=n, products=0)
    subspace = Subspace.around(random_subspace(n, p, seed=seed), x)
    f0 = loss(x)[0]
    full = sharpness(loss, x, epsilon)
    sub = sharpness(loss, x, epsilon, subspace=subspace)
    predicted_full = 100 * predicted_curvature_rise(curvature, half_widths(x, epsilon)) / (1 + f0)
    predicted_sub = 100 * predicted_curvature_rise(curvature, half_widths(x, epsilon, subspace), np.linalg.norm(subspace.matrix, axis=0)) / (1 + f0)
    assert 1 / 3 < full.sharpness / predicted_full < 3
    assert 1 / 3 < sub.sharpness / predicted_sub < 3
    assert 1 / 3 < (sub.sharpness / full.sharpness) / (predicted_sub / predicted_full) < 3


def test_keras_hessian_vector_product_matches_finite_differences_of_the_gradient(tiny_mnist1d):
    import keras

    from replications.models import build_model

    keras.utils.set_random_seed(0)
    # A smooth network: a ReLU network's gradient jumps where a unit's input crosses zero, so differences of
    # gradients are no check there.
    model = build_model({"name": "shallow", "hidden_units": 16, "activation": "sigmoid"}, tiny_mnist1d.input_shape, tiny_mnist1d.num_classes)
    loss = KerasLoss(model, tiny_mnist1d.x_train, tiny_mnist1d.y_train, batch_size=128)  # several chunks: summed
    rng = np.random.default_rng(0)
    direction, other = (vector / np.linalg.norm(vector) for vector in rng.normal(size=(2, len(loss.weights))))
    product = loss.hessian_vector_product(loss.weights, direction)
    step = 1e-3
    difference = (loss.loss_and_gradient(loss.weights + step * direction)[1] - loss.loss_and_gradient(loss.weights - step * direction)[1]) / (2 * step)
    assert np.linalg.norm(product - difference) < 0.02 * np.linalg.norm(difference)
    assert other @ product == pytest.approx(direction @ loss.hessian_vector_product(loss.weights, other), rel=1e-3)  # symmetric
    np.testing.assert_array_equal(np.concatenate([v.numpy().ravel() for v in model.trainable_variables]), loss.weights)
