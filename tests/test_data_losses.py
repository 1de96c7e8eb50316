"""Data losses: their formulas against the data, their minima against independent solutions, and
the per-example structure the mini-batches use. The landscape contract itself (derivatives, minima,
vectorisation, warnings) is checked for them by test_landscapes.py, through the registry.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import landscapes
import optimizers
from landscapes import data
from landscapes.data import DataLoss, LinearRegression, LogisticRegression

LINEAR = landscapes.get("linear_regression")
LOGISTIC = landscapes.get("logistic_regression")
FACTORIZATION = landscapes.get("matrix_factorization")
DATA = [LINEAR, LOGISTIC]


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def points(surface, n=30, seed=0):
    (x0, x1), (y0, y1) = surface.bounds
    rng = np.random.default_rng(seed)
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def test_the_data_losses_come_after_the_analytic_surfaces():
    names = landscapes.names()
    assert names[-3:] == ["linear_regression", "logistic_regression", "matrix_factorization"]
    assert [isinstance(landscapes.get(n), DataLoss) for n in names[-3:]] == [True, True, False]


@pytest.mark.parametrize("surface", DATA, ids=lambda s: s.name)
def test_the_data_are_made_from_the_seed(surface):
    again = type(surface).examples
    assert surface.n_examples == 40 and all(column.shape == (40,) for column in surface.examples)
    make = {LinearRegression: data._line_data, LogisticRegression: data._two_class_data}[type(surface)]
    for column, made in zip(again, make(surface.seed), strict=True):
        np.testing.assert_array_equal(column, made)


# ------------------------------------------------------------------------------ linear regression


def test_linear_regression_is_the_mean_squared_error_of_the_line():
    inputs, targets = LINEAR.examples
    w, b = points(LINEAR)
    expected = ((w[:, None] * inputs + b[:, None] - targets) ** 2).mean(axis=1)
    np.testing.assert_allclose(LINEAR.value(w, b), expected, rtol=1e-13)


def test_linear_regression_minimum_is_the_least_squares_line():
    inputs, targets = LINEAR.examples
    slope, intercept = np.polyfit(inputs, targets, 1)
    ((w, b),) = LINEAR.minima
    assert (w, b) == (pytest.approx(slope, rel=1e-12), pytest.approx(intercept, rel=1e-12))
    residuals = targets - slope * inputs - intercept
    assert LINEAR.min_value == pytest.approx(np.mean(residuals**2), rel=1e-12)


def test_linear_regression_hessian_is_twice_the_second_moments_of_the_inputs():
    inputs, _ = LINEAR.examples
    hxx, hxy, hyy = LINEAR.hessian(*points(LINEAR))
    np.testing.assert_allclose(hxx, 2 * np.mean(inputs**2), rtol=1e-14)
    np.testing.assert_allclose(hxy, 2 * np.mean(inputs), rtol=1e-14)
    np.testing.assert_allclose(hyy, 2.0, rtol=1e-15)


# ------------------------------------------------------------------------------ logistic regression


def test_logistic_regression_is_the_mean_binary_cross_entropy():
    a1, a2, signs = LOGISTIC.examples
    labels = (signs > 0).astype(float)
    w1, w2 = points(LOGISTIC)
    p = 1 / (1 + np.exp(-(w1[:, None] * a1 + w2[:, None] * a2)))
    expected = -(labels * np.log(p) + (1 - labels) * np.log(1 - p)).mean(axis=1)
    np.testing.assert_allclose(LOGISTIC.value(w1, w2), expected, rtol=1e-10)


def test_logistic_regression_data_overlap_so_the_minimum_is_finite():
    a1, a2, signs = LOGISTIC.examples
    assert 0.25 < np.mean(signs > 0) < 0.75
    # Along any ray from the minimum the loss rises: no direction separates the classes.
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    margins = signs[:, None] * (np.cos(angles) * a1[:, None] + np.sin(angles) * a2[:, None])
    assert (margins.min(axis=0) < 0).all(), "some line through the origin separates the classes"


def test_logistic_regression_is_stable_far_out():
    value, (gx, gy) = LOGISTIC.value_and_gradient(np.array([1e6, -1e6, 1e300]), np.array([-1e6, 1e6, 0.0]))
    assert np.isfinite(value).all() and np.isfinite(gx).all() and np.isfinite(gy).all()
    a1, a2, signs = LOGISTIC.examples
    # Far out the loss is the mean hinge max(0, −m): linear growth, no overflow to inf.
    assert value[0] == pytest.approx(np.mean(np.maximum(0, -signs * (1e6 * a1 - 1e6 * a2))), rel=1e-12)


# ------------------------------------------------------------------------------ mini-batches


@pytest.mark.parametrize("surface", DATA, ids=lambda s: s.name)
def test_the_batch_of_every_example_is_the_full_gradient(surface):
    x, y = points(surface, n=5)
    idx = np.tile(np.arange(surface.n_examples), (5, 1))
    gx, gy = surface.batch_gradient(x, y, idx)
    ex, ey = surface.gradient(x, y)
    assert gx.shape == gy.shape == (5,)
    np.testing.assert_allclose(gx, ex, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gy, ey, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("surface", DATA, ids=lambda s: s.name)
def test_batch_gradients_are_means_over_their_examples_run_by_run(surface):
    x, y = points(surface, n=4, seed=3)
    idx = np.random.default_rng(0).integers(0, surface.n_examples, (4, 6))
    gx, gy = surface.batch_gradient(x, y, idx)
    for k in range(4):
        one = [surface.batch_gradient(x[k : k + 1], y[k : k + 1], idx[k : k + 1, [i]]) for i in range(6)]
        np.testing.assert_allclose(gx[k], np.mean([g[0][0] for g in one]), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(gy[k], np.mean([g[1][0] for g in one]), rtol=1e-13, atol=1e-15)
        alone = surface.batch_gradient(x[k : k + 1], y[k : k + 1], idx[k : k + 1])
        assert (alone[0][0], alone[1][0]) == (gx[k], gy[k])


@pytest.mark.parametrize("surface", DATA, ids=lambda s: s.name)
def test_per_example_gradients_differ_and_average_to_the_gradient(surface):
    x, y = surface.start
    n = surface.n_examples
    gx, gy = surface.batch_gradient(np.full(n, x), np.full(n, y), np.arange(n)[:, None])
    assert np.std(gx) > 0 and np.std(gy) > 0
    np.testing.assert_allclose([gx.mean(), gy.mean()], surface.gradient(x, y), rtol=1e-12)


# ------------------------------------------------------------------------------ matrix factorisation


def test_matrix_factorization_is_minimal_on_the_whole_hyperbola():
    t = np.concatenate([-np.geomspace(0.6, 1.7, 20), np.geomspace(0.6, 1.7, 20)])
    value, (gx, gy) = FACTORIZATION.value_and_gradient(t, 1 / t)
    np.testing.assert_allclose(value, 0.0, atol=1e-30)
    np.testing.assert_allclose(np.hypot(gx, gy), 0.0, atol=1e-14)
    assert FACTORIZATION.minima_are_isolated is False
    assert "hyperbola" in FACTORIZATION.description


def test_matrix_factorization_has_a_saddle_at_the_origin():
    assert tuple(map(float, FACTORIZATION.gradient(0.0, 0.0))) == (0.0, 0.0)
    hxx, hxy, hyy = FACTORIZATION.hessian(0.0, 0.0)
    assert sorted(np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])) == [-2.0, 2.0]


def test_small_steps_keep_x_squared_minus_y_squared_as_gradient_flow_does():
    trajectory = optimizers.run(FACTORIZATION, "sgd", steps=4000, lr=3e-3)
    x, y = trajectory.points.T
    assert x[-1] * y[-1] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(x**2 - y**2, x[0] ** 2 - y[0] ** 2, atol=0.02)
