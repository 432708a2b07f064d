import numpy as np
import pytest
from scipy import optimize

from replications.sharpness import keras_loss_and_gradient, random_subspace, sharpness


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
    )  # fmt: skip
    assert naive.nit == 0 and -naive.fun == pytest.approx(loss(x)[0])
    assert sharpness(loss, x, 1e-3).sharpness > 1000 * (-naive.fun - loss(x)[0]) + 1e-9


def test_subspace_maximum_matches_a_brute_force_vertex_search():
    rng = np.random.default_rng(1)
    n, p = 40, 3
    curvatures, minimum = rng.uniform(0.5, 5, n), rng.normal(size=n)
    x = minimum + 1e-5 * rng.normal(size=n)
    subspace = random_subspace(n, p, seed=0, kind="uniform")
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
    gaussian, uniform = random_subspace(20_000, 100, seed=0), random_subspace(20_000, 100, seed=0, kind="uniform")
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
